"""--role=replay: the Reverb server of a scaled-out run.

It holds the experience table (rate-limited to the run's samples-per-insert ratio), the variables
table the learner pushes weights to, the collectors' step-report queue and the env-step counts it
keeps from those reports (pipelines.dqn.step_reports). It saves all four into
root_dir/replay_server/ every checkpoint_interval inserted transitions and when stopped, and
restores them when restarted on the same directory.
"""

import time

import tensorflow as tf

import envs
from pipelines.common import reverb_server, scale_out, stop_request
from pipelines.common.cli import UserError
from pipelines.dqn import replay, step_reports
from pipelines.dqn.agent import build_agent
from pipelines.dqn.config import DqnConfig, samples_per_insert

FOLDER = "replay_server"
# How often the server counts the collectors' step reports and looks for its checkpoint's turn.
_POLL_SECONDS = 0.5


def make_tables(config: DqnConfig, environment):
    """The server's three tables, and the initial shared variables (untrained weights)."""
    train_step = tf.Variable(0, dtype=tf.int64)
    env_step = tf.Variable(0, dtype=tf.int64)
    agent, _ = build_agent(
        config, environment.time_step_spec(), environment.action_spec(), train_step, env_step
    )
    variables = scale_out.shared_variables(
        agent.collect_policy, train_step, env_step, tf.Variable(False)
    )
    frame_stack = config.frame_stack if envs.is_atari(config.env_id) else 1
    step_spec = replay.stored_step_spec(agent.collect_data_spec, frame_stack)
    rate_limiter = replay.experience_rate_limiter(
        samples_per_insert(config),
        min_size=max(config.initial_collect_steps, config.batch_size),
        batch_size=config.batch_size,
    )
    experience = replay.make_table(
        step_spec,
        config.replay_capacity,
        replay.window_length(frame_stack, config.n_step),
        rate_limiter,
    )
    tables = [
        experience,
        scale_out.variables_table(variables),
        step_reports.steps_queue(),
        step_reports.counts_table(),
    ]
    return tables, variables


def serve(
    config: DqnConfig,
    root_dir: str,
    port: int,
    discard_damaged_replay: bool = False,
    exit_when_finished: bool = False,
) -> None:
    """Runs the server until SIGINT or SIGTERM (or, with exit_when_finished, until the learner has
    finished); checkpoints as it goes and on the way out."""
    environment, run = scale_out.server_environment(config, root_dir, FOLDER)
    tables, variables = make_tables(config, environment)
    checkpoint_dir = run.join("checkpoint") if config.checkpoint_replay else None
    server = scale_out.start_server(
        tables, port, checkpoint_dir=checkpoint_dir, discard_damaged=discard_damaged_replay
    )
    client = server.localhost_client()
    address = f"localhost:{server.port}"
    info = client.server_info()
    scale_out.reset_shared_variables(
        address, variables, restored=bool(info[scale_out.VARIABLES_TABLE].current_size)
    )
    if checkpoint_dir:
        try:
            step_reports.check_restored(client, checkpoint_dir)
        except UserError:
            server.stop()
            raise
    counter = step_reports.ServerCounter(client)
    restored = info[replay.TABLE].current_size
    print(
        f"replay server on port {server.port} ({restored:,} transitions restored, "
        f"{counter.describe()}); samples per insert {samples_per_insert(config):g}",
        flush=True,
    )

    def inserted() -> int:
        return client.server_info()[replay.TABLE].rate_limiter_info.insert_stats.completed

    next_checkpoint = inserted() + config.checkpoint_interval
    finish = scale_out.FinishWatch(address, variables) if exit_when_finished else None
    try:
        while not (finish and finish.due()):
            time.sleep(_POLL_SECONDS)
            stop_request.check()
            counter.drain()
            if checkpoint_dir and inserted() >= next_checkpoint:
                reverb_server.checkpoint(client, replay.TABLE, checkpoint_dir)
                next_checkpoint = inserted() + config.checkpoint_interval
    except KeyboardInterrupt:
        pass
    counter.drain()  # the last reports, counted in the checkpoint that follows
    if counter.counts is not None:
        # Reverb's own count, which its checkpoints carry as the counts do. Items and env steps
        # match one to one but for each environment's episode in progress (up to n_step steps
        # without an item yet: pipelines.dqn.replay.FrameReplayWriter) and a collector's last
        # batch when it is killed or stops.
        print(
            f"replay server: Reverb counts {inserted():,} transitions inserted in this run, "
            f"the reports {counter.counts.total:,} env steps",
            flush=True,
        )
    if checkpoint_dir:
        path = reverb_server.checkpoint(client, replay.TABLE, checkpoint_dir)
        print(f"replay server stopped ({counter.describe()}); checkpoint {path}", flush=True)
    else:
        print(f"replay server stopped ({counter.describe()})", flush=True)
    server.stop()
