"""REINFORCE on CartPole-v1 (normalized returns, no baseline).

    python -m pipelines.cartpole_reinforce --root_dir=runs/cartpole_reinforce \\
        [--config.<field>=value ...]
"""
from pipelines.common import on_policy_main
from pipelines.reinforce import config

if __name__ == "__main__":
    on_policy_main.run_preset(config.cartpole(), "pipelines.reinforce")
