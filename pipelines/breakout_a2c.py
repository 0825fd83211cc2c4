"""A2C on Breakout (PPO's pipeline with A2C's update, see pipelines/ppo/a2c.py; auto-fire after
each lost life).

    python -m pipelines.breakout_a2c --root_dir=runs/breakout_a2c \\
        [--preset=NAME] [--config.<field>=value ...]
"""

from pipelines.common import on_policy_main

if __name__ == "__main__":
    on_policy_main.run_pipeline("breakout_a2c")
