"""DQN on Breakout (Mnih et al. 2015 settings; auto-fire after each lost life).

    python -m pipelines.breakout_dqn --root_dir=runs/breakout_dqn [--config.<field>=value ...]
"""
from pipelines.dqn import config, main

if __name__ == "__main__":
    main.run_preset(config.atari("BreakoutNoFrameskip-v4", "breakout_dqn"))
