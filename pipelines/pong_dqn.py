"""DQN on Pong.

    python -m pipelines.pong_dqn --root_dir=runs/pong_dqn \\
        [--preset=NAME] [--config.<field>=value ...]

Presets: fast (the default: Tianshou's recipe, a CPU-sized schedule) and nature2015 (Mnih et al.).
"""

from pipelines.dqn import main

if __name__ == "__main__":
    main.run_pipeline("pong_dqn")
