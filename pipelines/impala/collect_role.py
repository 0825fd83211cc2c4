"""--role=collect of an IMPALA run: an actor that plays with the learner's latest weights
(pulled before every rollout) and sends its rollouts to the server's queue.

It keeps no state of its own: killed, it loses only the rollouts it had not sent, and is simply
restarted. It exits once the learner has finished.
"""

import os

import reverb
import tensorflow as tf

from pipelines.common import environments, progress, reverb_server, run_dir, scale_out, stop_request
from pipelines.common.cli import UserError
from pipelines.impala import rollout_queue
from pipelines.impala.actor import RolloutActor
from pipelines.impala.agent import make_agent
from pipelines.impala.config import ImpalaConfig

# How long one wait for room in the queue lasts before the actor checks whether the learner
# has finished.
_FLUSH_TIMEOUT_MS = 2_000


def folder(task: int) -> str:
    return f"collector-{task}"


def collect(config: ImpalaConfig, root_dir: str, replay_server: str, task: int) -> None:
    """Plays until the learner has finished (exit 0) or the server is gone (UserError)."""
    try:
        scale_out.check_collector_flags(replay_server, task)
        client = reverb_server.connect(replay_server)
        train_envs = environments.make_collector_environments(config, task)
    except (ValueError, ConnectionError) as error:
        raise UserError(str(error)) from None
    if not root_dir:
        raise UserError("--root_dir is required")
    run = run_dir.RunDir(os.path.join(root_dir, folder(task)), config)
    tf.keras.utils.set_random_seed(config.seed + task + 1)
    environment = train_envs[0]
    train_step, env_step = tf.Variable(0, dtype=tf.int64), tf.Variable(0, dtype=tf.int64)
    agent = make_agent(
        config, environment.time_step_spec(), environment.action_spec(), train_step, env_step
    )
    variables = scale_out.shared_variables(
        agent.collect_policy, train_step, env_step, tf.Variable(False)
    )
    shared = scale_out.SharedVariables(replay_server, variables)
    actor = RolloutActor(
        train_envs,
        agent.collect_policy,
        config.rollout_length,
        rollout_queue.RolloutWriter(client),
    )
    scale_out.watch_server(
        replay_server, f"collector {task}", "start it again once the server is back"
    )
    summaries = tf.summary.create_file_writer(run.join("train"))
    shared.pull()
    bar = progress.Progress(
        f"{config.name} collector {task}", config.num_env_steps, int(env_step.numpy())
    )
    own_steps, next_summary = 0, config.summary_interval
    while not shared.finished:
        stop_request.check()
        try:
            shared.pull()
            own_steps += actor.play()
            while True:  # the queue may be full while the learner catches up
                try:
                    actor.writer.flush(timeout_ms=_FLUSH_TIMEOUT_MS)
                    break
                except reverb.errors.DeadlineExceededError:
                    shared.pull()
                    if shared.finished:
                        break
        except scale_out.SERVER_ERRORS:
            client = scale_out.reconnect(replay_server, f"collector {task}")
            actor.restart(rollout_queue.RolloutWriter(client))
            shared = scale_out.SharedVariables(replay_server, variables)
            continue
        global_step = int(env_step.numpy())
        bar.update(
            global_step,
            {"own env steps": own_steps, "weights of train step": int(train_step.numpy())},
        )
        if own_steps >= next_summary:
            next_summary = own_steps + config.summary_interval
            scores, lengths = actor.scores.drain()
            if scores:
                with summaries.as_default(step=global_step):
                    tf.summary.scalar("Metrics/GameScore", sum(scores) / len(scores))
                    tf.summary.scalar("Metrics/GameLength", sum(lengths) / len(lengths))
    bar.close()
    summaries.flush()
    print(f"collector {task}: the learner has finished; played {own_steps:,} env steps", flush=True)
