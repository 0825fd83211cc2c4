"""Value iteration and policy iteration: dynamic programming on the env's tables."""

import dataclasses

import numpy as np

from pipelines.tabular.environments import TabularEnv
from pipelines.tabular.q_table import greedy_policy, state_values, tie_margin

# Safety nets: at gamma < 1 a sweep count is ~log(tolerance)/log(gamma); improvements are few.
MAX_SWEEPS = 1_000_000
MAX_IMPROVEMENTS = 1_000


@dataclasses.dataclass
class Solution:
    q_values: np.ndarray
    """(states, actions); NaN where the action is impossible."""
    iterations: int
    """Value iteration: sweeps over all states; policy iteration: policy improvements."""


def _expected_rewards(env: TabularEnv) -> np.ndarray:
    return (env.transitions * env.rewards).sum(axis=2)  # (states, actions)


def _q_from_values(env: TabularEnv, gamma: float, values: np.ndarray) -> np.ndarray:
    q = _expected_rewards(env) + gamma * env.transitions @ values
    return np.where(env.possible, q, np.nan)


def value_iteration(env: TabularEnv, gamma: float, tolerance: float) -> Solution:
    """Q(s,a) <- sum_s' T(s,a,s') [R(s,a,s') + gamma max_a' Q(s',a')] until no entry moves by
    more than `tolerance` in a sweep."""
    q = np.where(env.possible, 0.0, np.nan)
    for sweep in range(1, MAX_SWEEPS + 1):
        new_q = _q_from_values(env, gamma, state_values(q))
        change = np.nanmax(np.abs(new_q - q))
        q = new_q
        if change <= tolerance:
            return Solution(q, sweep)
    raise RuntimeError(f"value iteration did not converge in {MAX_SWEEPS} sweeps")


def _evaluate(
    env: TabularEnv, gamma: float, policy: np.ndarray, values: np.ndarray, tolerance: float
) -> np.ndarray:
    """Iterative policy evaluation, warm-started from `values` (it also settles at gamma 1 on
    an episodic env, where the linear system of a policy that never ends is singular)."""
    states = np.arange(env.num_states)
    rewards = _expected_rewards(env)[states, policy]
    transitions = env.transitions[states, policy]
    for _ in range(MAX_SWEEPS):
        new_values = rewards + gamma * transitions @ values
        change = np.abs(new_values - values).max()
        values = new_values
        if change <= tolerance:
            return values
    raise RuntimeError(f"policy evaluation did not converge in {MAX_SWEEPS} sweeps")


def policy_iteration(env: TabularEnv, gamma: float, tolerance: float) -> Solution:
    """Evaluate the policy, make it greedy, repeat until it no longer changes. A state keeps its
    action unless another is clearly better (no flip-flopping between tied actions)."""
    policy = env.possible.argmax(axis=1)  # the first possible action of every state
    values = np.zeros(env.num_states)
    for improvement in range(1, MAX_IMPROVEMENTS + 1):
        values = _evaluate(env, gamma, policy, values, tolerance)
        q = _q_from_values(env, gamma, values)
        current = q[np.arange(env.num_states), policy]
        best = np.array(
            [
                action if action is not None else policy[s]
                for s, action in enumerate(greedy_policy(q, env.terminal))
            ]
        )
        improve = q[np.arange(env.num_states), best] > current + tie_margin(q) + tolerance
        if not improve.any():
            return Solution(q, improvement)
        policy = np.where(improve, best, policy)
    raise RuntimeError(f"policy iteration did not converge in {MAX_IMPROVEMENTS} improvements")
