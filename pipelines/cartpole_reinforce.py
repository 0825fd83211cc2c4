"""REINFORCE on CartPole-v1 (normalized returns, no baseline).

    python -m pipelines.cartpole_reinforce --root_dir=runs/cartpole_reinforce \\
        [--preset=NAME] [--config.<field>=value ...]
"""

from pipelines.common import on_policy_main

if __name__ == "__main__":
    on_policy_main.run_pipeline("cartpole_reinforce")
