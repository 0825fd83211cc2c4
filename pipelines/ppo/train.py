"""One PPO (or A2C) run, in TF-Agents' build order.

environments and specs -> counters -> agent (its network and policies) -> rollout observer ->
checkpointer -> collect actor and evaluation policy -> loop: collect a rollout in every
environment, train on it, evaluate, save.
"""

import os
from typing import Dict

import tensorflow as tf
from tf_agents.metrics import py_metrics
from tf_agents.train import actor
from tf_agents.utils import common

from pipelines.common import batched_policy, environments, on_policy, training_loop
from pipelines.common.rollouts import Rollouts
from pipelines.ppo.agent import PpoAgent
from pipelines.ppo.config import PpoConfig

POLICY_DIR = os.path.join("policies", "greedy_policy")


def train(config: PpoConfig, root_dir: str) -> Dict:
    """Trains (or resumes) a PPO run in root_dir; returns what it writes to summary.json."""
    begun = on_policy.start(config, root_dir, backend=config.env_backend)
    train_step, env_step = begun.train_step, begun.env_step
    learning_rate = on_policy.learning_rate(config, env_step)
    agent = PpoAgent(config, begun.time_step_spec, begun.action_spec, learning_rate, train_step)
    update = common.function(agent.train)

    rollouts = Rollouts(config.rollout_length)
    checkpointer, finished = on_policy.restore(config, begun, agent)
    if finished is not None:
        return finished

    scores, steps_counter = environments.GameScores(begun.train_envs), py_metrics.EnvironmentSteps()
    # One batched round per run() (steps_per_run=1 stops after the first), so that a rollout
    # ends exactly at rollout_length rounds.
    collect_actor = actor.Actor(
        begun.collect_env,
        batched_policy.BatchedPyPolicy(agent.collect_policy),
        train_step,
        steps_per_run=1,
        observers=[rollouts, scores, steps_counter],
    )
    eval_policy = batched_policy.BatchedPyPolicy(agent.policy)

    def learn(rollout) -> Dict[str, float]:
        info = update(tf.nest.map_structure(tf.convert_to_tensor, rollout))
        losses = {"loss": float(info.loss)}
        losses.update({name: float(value) for name, value in info.extra.items()})
        return losses

    def iterate() -> training_loop.Iteration:
        before = steps_counter.result()
        while not rollouts.ready:
            collect_actor.run()
        losses = learn(rollouts.take())
        return training_loop.Iteration(int(steps_counter.result() - before), losses)

    loop = on_policy.make_loop(
        config, begun, iterate, checkpointer, eval_policy, scores, learning_rate
    )
    loop.run()
    return loop.finish(agent.policy, train_step, POLICY_DIR, begun.started)
