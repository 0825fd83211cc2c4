"""PPO on Pong (Schulman et al. 2017 Atari settings).

    python -m pipelines.pong_ppo --root_dir=runs/pong_ppo [--config.<field>=value ...]
"""
from pipelines.ppo import config, main

if __name__ == "__main__":
    main.run_preset(config.atari("PongNoFrameskip-v4", "pong_ppo"))
