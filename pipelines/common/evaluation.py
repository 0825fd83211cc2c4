"""Greedy-policy evaluation over a batch of environments, one episode each."""
from typing import Dict, List

import numpy as np
from tf_agents.environments import batched_py_environment


def evaluate(policy, environments: List, max_steps: int = 1_000_000) -> Dict[str, float]:
    """Plays one episode in each environment, stepping all of them with one policy call.

    Each environment's first episode counts; environments that finish early keep stepping (they
    auto-reset) but are masked out. Returns mean/std/min/max return, mean length and episodes.
    """
    batched = batched_py_environment.BatchedPyEnvironment(environments, multithreading=False)
    time_step = batched.reset()
    count = len(environments)
    returns = np.zeros(count, np.float64)
    lengths = np.zeros(count, np.int64)
    done = np.zeros(count, bool)
    policy_state = policy.get_initial_state(count)
    for _ in range(max_steps):
        action_step = policy.action(time_step, policy_state)
        policy_state = action_step.state
        time_step = batched.step(action_step.action)
        running = ~done
        returns[running] += time_step.reward[running]
        lengths[running] += 1
        done |= time_step.is_last()
        if done.all():
            break
    return {"mean": float(returns.mean()), "std": float(returns.std()),
            "min": float(returns.min()), "max": float(returns.max()),
            "episodes": count, "mean_length": float(lengths.mean())}
