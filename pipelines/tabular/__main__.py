"""Tabular RL on the small MDPs of Hands-On ML ch. 18: value and policy iteration, Monte Carlo,
SARSA, Q-learning.

    python -m pipelines.tabular --env=ThreeStateMDP-v0|GridWorld-v0 \\
        --algorithm=value_iteration|policy_iteration|monte_carlo|sarsa|q_learning \\
        [--gamma=0.9] [--episodes=N] [--seed=0] [--root_dir=DIR] [--preset=NAME] \\
        [--config.<field>=value ...]
"""

from pipelines.tabular import main

if __name__ == "__main__":
    main.entry_point()
