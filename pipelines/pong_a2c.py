"""A2C on Pong (rl-baselines3-zoo's Atari settings; the `fast` preset stops at a confirmed +19).

    python -m pipelines.pong_a2c --root_dir=runs/pong_a2c [--preset=NAME] \\
        [--config.<field>=value ...]
"""

from pipelines.common import on_policy_main

if __name__ == "__main__":
    on_policy_main.run_pipeline("pong_a2c")
