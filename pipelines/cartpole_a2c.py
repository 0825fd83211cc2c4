"""A2C on CartPole-v1 (PPO's pipeline with A2C's update, see pipelines/ppo/a2c.py).

    python -m pipelines.cartpole_a2c --root_dir=runs/cartpole_a2c \\
        [--preset=NAME] [--config.<field>=value ...]
"""

from pipelines.common import on_policy_main

if __name__ == "__main__":
    on_policy_main.run_pipeline("cartpole_a2c")
