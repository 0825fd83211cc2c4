"""PPO on Pong (Schulman et al. 2017 Atari settings).

    python -m pipelines.pong_ppo --root_dir=runs/pong_ppo [--config.<field>=value ...]
"""
from pipelines.common import on_policy_main
from pipelines.ppo import config

if __name__ == "__main__":
    on_policy_main.run_preset(config.atari("PongNoFrameskip-v4", "pong_ppo"), "pipelines.ppo")
