"""DQN on CartPole-v1, tuned to solve it (greedy return 500) in about a minute.

    python -m pipelines.cartpole_dqn --root_dir=runs/cartpole_dqn [--config.<field>=value ...]
"""
from pipelines.dqn import config, main

if __name__ == "__main__":
    main.run_preset(config.cartpole())
