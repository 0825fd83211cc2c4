"""PPO on Pong (Schulman et al. 2017 Atari settings).

    python -m pipelines.pong_ppo --root_dir=runs/pong_ppo \\
        [--preset=NAME] [--config.<field>=value ...]
"""

from pipelines.common import on_policy_main

if __name__ == "__main__":
    on_policy_main.run_pipeline("pong_ppo")
