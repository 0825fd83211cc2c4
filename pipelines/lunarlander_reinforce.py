"""REINFORCE on LunarLander-v3 (normalized returns, value baseline).

    python -m pipelines.lunarlander_reinforce --root_dir=runs/lunarlander_reinforce \\
        [--config.<field>=value ...]
"""
from pipelines.common import on_policy_main
from pipelines.reinforce import config

if __name__ == "__main__":
    on_policy_main.run_preset(config.lunarlander(), "pipelines.reinforce")
