"""One REINFORCE run, in TF-Agents' build order.

environments and specs -> counters -> policy (and value) network -> agent -> episode observer
-> checkpointer -> collect actor and evaluation policy -> loop: play whole episodes, train on
them, evaluate, save.
"""

import os
from typing import Dict

from tf_agents.policies import greedy_policy
from tf_agents.train import actor
from tf_agents.utils import common

from pipelines.common import batched_policy, on_policy, training_loop
from pipelines.reinforce import episodes
from pipelines.reinforce.agent import make_actor_network, make_agent, make_value_network
from pipelines.reinforce.config import ReinforceConfig

POLICY_DIR = os.path.join("policies", "greedy_policy")


def train(config: ReinforceConfig, root_dir: str) -> Dict:
    """Trains (or resumes) a REINFORCE run in root_dir; returns what it writes to summary.json."""
    begun = on_policy.start(config, root_dir)
    time_step_spec, action_spec = begun.time_step_spec, begun.action_spec
    train_step, env_step = begun.train_step, begun.env_step

    actor_network = make_actor_network(config, time_step_spec.observation, action_spec)
    value_net = make_value_network(config, time_step_spec.observation)
    learning_rate = on_policy.learning_rate(config, env_step)
    agent = make_agent(
        config, time_step_spec, action_spec, actor_network, value_net, learning_rate, train_step
    )

    first_episodes = episodes.FirstEpisodes(config.num_parallel_envs)
    checkpointer, finished = on_policy.restore(config, begun, agent)
    if finished is not None:
        return finished

    collect_policy = batched_policy.BatchedPyPolicy(agent.collect_policy)
    # One round of the batch per run(), so collection stops as soon as every episode is over.
    collect_actor = actor.Actor(
        begun.collect_env,
        collect_policy,
        train_step,
        steps_per_run=config.num_parallel_envs,
        observers=[first_episodes],
    )
    eval_policy = batched_policy.BatchedPyPolicy(greedy_policy.GreedyPolicy(agent.policy))
    agent_train = common.function(agent.train)  # episode rows vary in length: shapes relaxed

    def iterate() -> training_loop.Iteration:
        played = []
        for _ in range(config.episodes_per_iteration // config.num_parallel_envs):
            collect_actor.reset()
            first_episodes.start()
            while not first_episodes.complete:
                collect_actor.run()
            played += first_episodes.episodes()
        loss_info = agent_train(experience=episodes.concatenate(played))
        extra = loss_info.extra
        losses = {
            "loss": float(loss_info.loss),
            "policy_gradient_loss": float(extra.policy_gradient_loss),
            "entropy_regularization_loss": float(extra.entropy_regularization_loss),
        }
        if config.value_baseline:
            losses["value_estimation_loss"] = float(extra.value_estimation_loss)
        return training_loop.Iteration(sum(len(e.reward) for e in played), losses)

    loop = on_policy.make_loop(
        config, begun, iterate, checkpointer, eval_policy, first_episodes, learning_rate
    )
    loop.run()
    return loop.finish(
        greedy_policy.GreedyPolicy(agent.policy), train_step, POLICY_DIR, begun.started
    )
