"""DQN on Space Invaders (Mnih et al. 2015 settings; skips the idle start).

    python -m pipelines.spaceinvaders_dqn --root_dir=runs/spaceinvaders_dqn [--config.<field>=value ...]
"""
from pipelines.dqn import config, main

if __name__ == "__main__":
    main.run_preset(config.atari("SpaceInvadersNoFrameskip-v4", "spaceinvaders_dqn"))
