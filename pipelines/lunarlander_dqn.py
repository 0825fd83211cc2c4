"""DQN on LunarLander-v3, tuned to reach a mean greedy return of 200.

    python -m pipelines.lunarlander_dqn --root_dir=runs/lunarlander_dqn [--config.<field>=value ...]
"""
from pipelines.dqn import config, main

if __name__ == "__main__":
    main.run_preset(config.lunarlander())
