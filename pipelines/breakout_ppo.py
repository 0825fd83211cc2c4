"""PPO on Breakout (Schulman et al. 2017 Atari settings; auto-fire after each lost life).

    python -m pipelines.breakout_ppo --root_dir=runs/breakout_ppo [--config.<field>=value ...]
"""
from pipelines.common import on_policy_main
from pipelines.ppo import config

if __name__ == "__main__":
    on_policy_main.run_preset(config.atari("BreakoutNoFrameskip-v4", "breakout_ppo"), "pipelines.ppo")
