"""DQN on LunarLander-v3, tuned to land (greedy return 200) in minutes.

    python -m pipelines.lunarlander_dqn --root_dir=runs/lunarlander_dqn \\
        [--preset=NAME] [--config.<field>=value ...]

Presets: fast (the default), blog (a LunarLander DQN blog recipe) and lab_report (a course lab
report).
"""

from pipelines.dqn import main

if __name__ == "__main__":
    main.run_pipeline("lunarlander_dqn")
