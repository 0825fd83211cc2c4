"""REINFORCE on LunarLander-v3 (normalized returns, value baseline).

    python -m pipelines.lunarlander_reinforce --root_dir=runs/lunarlander_reinforce \\
        [--config.<field>=value ...]
"""
from pipelines.reinforce import config, main

if __name__ == "__main__":
    main.run_preset(config.lunarlander())
