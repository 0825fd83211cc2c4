"""IMPALA's --role=all: the server, one actor and the learner in one process, taking turns."""

from typing import Dict

from pipelines.common import on_policy, reverb_server, training_loop
from pipelines.impala import learner_role, rollout_queue
from pipelines.impala.actor import RolloutActor
from pipelines.impala.agent import make_agent
from pipelines.impala.config import ImpalaConfig


def train(config: ImpalaConfig, root_dir: str) -> Dict:
    """--role=all: the server, one actor and the learner in this process; returns summary.json's
    dict."""
    begun = on_policy.start(config, root_dir, backend=config.env_backend)
    agent = make_agent(
        config, begun.time_step_spec, begun.action_spec, begun.train_step, begun.env_step
    )
    checkpointer, finished_summary = on_policy.restore(config, begun, agent)
    if finished_summary is not None:
        return finished_summary
    server = reverb_server.start_server(
        [
            rollout_queue.make_table(
                agent.collect_data_spec, config.rollout_length, config.queue_capacity
            )
        ]
    )
    address = f"localhost:{server.port}"
    learner = learner_role.Learner(config, agent, address, shared=None)
    # The actor acts with the learner's own policy; its rollouts are trained on batch_size at a
    # time, so with fewer per batch than it has games they lag a few train steps (V-trace's ρ).
    actor = RolloutActor(
        begun.train_envs,
        agent.collect_policy,
        config.rollout_length,
        rollout_queue.RolloutWriter(server.localhost_client()),
    )

    waiting = 0  # rollouts queued and not yet trained on (some may sit in the dataset)

    def iterate() -> training_loop.Iteration:
        nonlocal waiting
        while waiting < config.batch_size:
            actor.play()
            actor.writer.flush()
            waiting += config.num_parallel_envs
        waiting -= config.batch_size
        return training_loop.Iteration(config.batch_size * config.rollout_length, learner.step())

    try:
        loop = learner_role.run_loop(config, begun, agent, checkpointer, iterate, actor.scores)
    finally:
        server.stop()
    return loop.finish(agent.policy, begun.train_step, learner_role.POLICY_DIR, begun.started)
