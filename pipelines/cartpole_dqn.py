"""DQN on CartPole-v1, tuned to solve it (greedy return 500) in about a minute.

    python -m pipelines.cartpole_dqn --root_dir=runs/cartpole_dqn \\
        [--preset=NAME] [--config.<field>=value ...]

Presets: fast (the default), homl2019 (Hands-On ML ch. 18) and lab_report (a course lab report).
"""

from pipelines.dqn import main

if __name__ == "__main__":
    main.run_pipeline("cartpole_dqn")
