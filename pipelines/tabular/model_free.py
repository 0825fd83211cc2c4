"""Monte-Carlo control, SARSA and Q-learning: Q tables learned from playing the environment.

They see only what the env returns (state, reward, whether the episode terminated or was cut by
its time limit) and which actions are possible; never the tables. Every update is
Q(s,a) += step_size * (target - Q(s,a)), step_size = 1 / n(s,a)^power, where n(s,a) counts the
updates of that entry, so each entry starts by copying its first target and then averages ever
more slowly (power 1: a plain running mean).

At a time-limit truncation (ThreeStateMDP's episodes are cut at 100 steps; it never ends) the
targets bootstrap from the estimate of the last state instead of counting it as worth 0.
"""

import dataclasses
from typing import Callable, List, Tuple

import numpy as np
from tf_agents.trajectories.time_step import StepType

from pipelines.tabular.config import TabularConfig
from pipelines.tabular.environments import TabularEnv


@dataclasses.dataclass
class Episode:
    """What one training episode did, for progress and TensorBoard."""

    number: int
    episode_return: float
    """Undiscounted sum of the rewards."""
    length: int
    epsilon: float


class _Learner:
    """The Q table, its update counts and the epsilon-greedy behaviour policy."""

    def __init__(self, env: TabularEnv, step_size_power: float, rng: np.random.Generator):
        self.env = env
        self.step_size_power = step_size_power
        self.rng = rng
        self.q = np.where(env.possible, 0.0, np.nan)
        self.updates = np.zeros(env.possible.shape, dtype=np.int64)
        self.epsilon = 1.0  # set per episode by train()
        self._actions = [np.flatnonzero(row) for row in env.possible]

    def act(self, state: int) -> int:
        """Epsilon-greedy among the possible actions; ties broken at random."""
        actions = self._actions[state]
        if self.rng.random() < self.epsilon:
            return int(actions[self.rng.integers(len(actions))])
        values = self.q[state, actions]
        best = actions[values == values.max()]
        return int(best[0] if len(best) == 1 else best[self.rng.integers(len(best))])

    def best_value(self, state: int) -> float:
        return float(self.q[state, self._actions[state]].max())

    def expected_value(self, state: int) -> float:
        """Value of `state` under the current epsilon-greedy policy."""
        actions = self._actions[state]
        values = self.q[state, actions]
        greedy = values == values.max()
        probabilities = self.epsilon / len(actions) + (1 - self.epsilon) * greedy / greedy.sum()
        return float(probabilities @ values)

    def update(self, state: int, action: int, target: float) -> None:
        self.updates[state, action] += 1
        step_size = self.updates[state, action] ** -self.step_size_power
        self.q[state, action] += step_size * (target - self.q[state, action])


def _epsilon(algorithm: str, config: TabularConfig, episode: int, episodes: int) -> float:
    """Q-learning's constant exploration; SARSA's and Monte Carlo's linear decay, then flat."""
    if algorithm == "q_learning":
        return config.q_learning_epsilon
    decay_episodes = max(1, round(config.on_policy_epsilon_decay_share * episodes))
    fraction = min(1.0, episode / decay_episodes)
    start, end = config.on_policy_epsilon_start, config.on_policy_epsilon_end
    return start + fraction * (end - start)


def train(
    algorithm: str,
    env: TabularEnv,
    py_env,
    config: TabularConfig,
    gamma: float,
    episodes: int,
    seed: int,
    on_episode: Callable[[Episode], None],
) -> np.ndarray:
    """Plays `episodes` episodes of `py_env` (envs.load's PyEnvironment for env.env_id) with
    `algorithm`, calling on_episode after each; returns the Q table (NaN: impossible)."""
    power = (
        config.q_learning_step_size_power
        if algorithm == "q_learning"
        else config.on_policy_step_size_power
    )
    learner = _Learner(env, power, np.random.default_rng(seed))
    play = {
        "monte_carlo": _monte_carlo_episode,
        "sarsa": _sarsa_episode,
        "q_learning": _q_learning_episode,
    }[algorithm]
    for number in range(episodes):
        learner.epsilon = _epsilon(algorithm, config, number, episodes)
        episode_return, length = play(learner, py_env, gamma)
        on_episode(Episode(number, episode_return, length, learner.epsilon))
    return learner.q


def _step(learner: _Learner, py_env, action: int) -> Tuple[float, int, bool, bool]:
    """(reward, next state, terminated, episode over) of one env step."""
    time_step = py_env.step(np.int64(action))
    # TimeStep.is_last() checks for tensors first, which costs more than the whole env step.
    last = time_step.step_type == StepType.LAST
    terminated = last and float(time_step.discount) == 0.0
    return float(time_step.reward), learner.env.state_of(time_step.observation), terminated, last


def _q_learning_episode(learner: _Learner, py_env, gamma: float) -> Tuple[float, int]:
    """Off-policy TD: target r + gamma max_a' Q(s', a'), whatever the next action will be."""
    state = learner.env.state_of(py_env.reset().observation)
    total, length, last = 0.0, 0, False
    while not last:
        action = learner.act(state)
        reward, next_state, terminated, last = _step(learner, py_env, action)
        future = 0.0 if terminated else gamma * learner.best_value(next_state)
        learner.update(state, action, reward + future)
        total, length, state = total + reward, length + 1, next_state
    return total, length


def _sarsa_episode(learner: _Learner, py_env, gamma: float) -> Tuple[float, int]:
    """On-policy TD: target r + gamma Q(s', a') with a' the action the policy takes next (at a
    truncation, one it would take)."""
    state = learner.env.state_of(py_env.reset().observation)
    action = learner.act(state)
    total, length, last = 0.0, 0, False
    while not last:
        reward, next_state, terminated, last = _step(learner, py_env, action)
        next_action = None if terminated else learner.act(next_state)
        future = 0.0 if terminated else gamma * learner.q[next_state, next_action]
        learner.update(state, action, reward + future)
        total, length, state, action = total + reward, length + 1, next_state, next_action
    return total, length


def _monte_carlo_episode(learner: _Learner, py_env, gamma: float) -> Tuple[float, int]:
    """On-policy first-visit Monte Carlo: after the episode, each (s, a) first visited at step t
    moves towards the discounted return from t (completed at a truncation by the value of the
    last state under the policy)."""
    state = learner.env.state_of(py_env.reset().observation)
    steps: List[Tuple[int, int, float]] = []  # (state, action, reward)
    terminated = last = False
    while not last:
        action = learner.act(state)
        reward, next_state, terminated, last = _step(learner, py_env, action)
        steps.append((state, action, reward))
        state = next_state
    episode_return = 0.0 if terminated else learner.expected_value(state)
    first_visit = {}
    for t, (state, action, _) in enumerate(steps):
        first_visit.setdefault((state, action), t)
    for t in range(len(steps) - 1, -1, -1):
        state, action, reward = steps[t]
        episode_return = reward + gamma * episode_return
        if first_visit[(state, action)] == t:
            learner.update(state, action, episode_return)
    return sum(reward for _, _, reward in steps), len(steps)
