"""REINFORCE on LunarLander-v3 (normalized returns, value baseline).

    python -m pipelines.lunarlander_reinforce --root_dir=runs/lunarlander_reinforce \\
        [--preset=NAME] [--config.<field>=value ...]
"""

from pipelines.common import on_policy_main

if __name__ == "__main__":
    on_policy_main.run_pipeline("lunarlander_reinforce")
