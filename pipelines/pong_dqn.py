"""DQN on Pong (Mnih et al. 2015 settings).

    python -m pipelines.pong_dqn --root_dir=runs/pong_dqn [--config.<field>=value ...]
"""
from pipelines.dqn import config, main

if __name__ == "__main__":
    main.run_preset(config.atari("PongNoFrameskip-v4", "pong_dqn"))
