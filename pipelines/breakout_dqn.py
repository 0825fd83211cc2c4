"""DQN on Breakout (auto-fire after each lost life).

    python -m pipelines.breakout_dqn --root_dir=runs/breakout_dqn \\
        [--preset=NAME] [--config.<field>=value ...]

Presets: fast (the default: Tianshou's recipe, a CPU-sized schedule), nature2015 (Mnih et al.) and
homl2019 (Hands-On ML ch. 18).
"""

from pipelines.dqn import main

if __name__ == "__main__":
    main.run_pipeline("breakout_dqn")
