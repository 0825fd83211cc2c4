"""REINFORCE on CartPole-v1 (normalized returns, no baseline).

    python -m pipelines.cartpole_reinforce --root_dir=runs/cartpole_reinforce \\
        [--config.<field>=value ...]
"""
from pipelines.reinforce import config, main

if __name__ == "__main__":
    main.run_preset(config.cartpole())
