"""--role=replay of an IMPALA run: the Reverb server that carries rollouts one way (the queue)
and weights the other (the variables table, as DQN's scale-out).

It keeps no checkpoint: queued rollouts are on-policy data a few train steps old, and a
restarted server is refilled by the actors within seconds; the learner pushes its weights again
when it reconnects.
"""

import time

import tensorflow as tf

from pipelines.common import scale_out, stop_request
from pipelines.impala import rollout_queue
from pipelines.impala.agent import make_agent
from pipelines.impala.config import ImpalaConfig

FOLDER = "replay_server"
_POLL_SECONDS = 1.0


def serve(config: ImpalaConfig, root_dir: str, port: int, exit_when_finished: bool = False) -> None:
    """Runs the server until SIGINT or SIGTERM (or, with exit_when_finished, until the learner has
    finished)."""
    environment, _ = scale_out.server_environment(config, root_dir, FOLDER)
    agent = make_agent(
        config,
        environment.time_step_spec(),
        environment.action_spec(),
        tf.Variable(0, dtype=tf.int64),
        tf.Variable(0, dtype=tf.int64),
    )
    # Untrained weights, so that actors can start before the learner has pushed any.
    variables = scale_out.shared_variables(
        agent.collect_policy,
        agent.train_step_counter,
        tf.Variable(0, dtype=tf.int64),
        tf.Variable(False),
    )
    tables = [
        rollout_queue.make_table(
            agent.collect_data_spec, config.rollout_length, config.queue_capacity
        ),
        scale_out.variables_table(variables),
    ]
    server = scale_out.start_server(tables, port)
    address = f"localhost:{server.port}"
    scale_out.SharedVariables(address, variables).push()
    print(
        f"replay server on port {server.port}; a queue of {config.queue_capacity} rollouts",
        flush=True,
    )
    finish = scale_out.FinishWatch(address, variables) if exit_when_finished else None
    try:
        while not (finish and finish.due()):
            time.sleep(_POLL_SECONDS)
            stop_request.check()
    except KeyboardInterrupt:
        pass
    print("replay server stopped", flush=True)
    server.stop()
