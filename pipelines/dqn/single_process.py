"""One DQN run, in TF-Agents' build order.

environments and specs -> counters -> Q network -> agent -> replay (table, server, writer, dataset)
-> Learner -> checkpointer -> actor and evaluation policy -> loop: collect, train, evaluate, save.
"""

import dataclasses
import time
from typing import Dict, Optional

import reverb
import tensorflow as tf
from tf_agents.metrics import py_metrics
from tf_agents.train import actor

import envs
from pipelines.common import (
    batched_policy,
    checkpoints,
    environments,
    reverb_server,
    run_dir,
    run_summary,
    training_loop,
)
from pipelines.common.cli import UserError
from pipelines.dqn import replay
from pipelines.dqn.agent import build_agent
from pipelines.dqn.builder import POLICY_DIR, make_eval_policy, make_learner
from pipelines.dqn.config import DqnConfig

# Collect this many batched env rounds, then train on the steps they bring (the update_period
# ratio is kept exactly; the interleaving grain only saves Python round trips).
_ROUNDS_PER_ITERATION = 8


@dataclasses.dataclass
class Replay:
    """The replay of a run: its server (None when external), a client, and the writer."""

    server: Optional[reverb.Server]
    client: reverb.Client
    address: str
    writer: replay.FrameReplayWriter

    def size(self) -> int:
        return self.client.server_info()[replay.TABLE].current_size


def make_replay(
    config: DqnConfig,
    run: run_dir.RunDir,
    collect_data_spec,
    frame_stack: int,
    client: Optional[reverb.Client],
    address: str,
    discard_damaged: bool = False,
) -> Replay:
    """The embedded Reverb server (restoring its checkpoint), or the external one at `address`."""
    server = None
    if client is None:
        step_spec = replay.stored_step_spec(collect_data_spec, frame_stack)
        table = replay.make_table(
            step_spec, config.replay_capacity, replay.window_length(frame_stack, config.n_step)
        )
        server = reverb_server.start_server(
            [table],
            checkpoint_dir=run.join("replay") if config.checkpoint_replay else None,
            discard_damaged=discard_damaged,
        )
        client, address = server.localhost_client(), f"localhost:{server.port}"
    writer = replay.FrameReplayWriter(
        client, config.num_parallel_envs, frame_stack, config.n_step, config.gamma
    )
    return Replay(server, client, address, writer)


def train(
    config: DqnConfig, root_dir: str, replay_server: str = "", discard_damaged_replay: bool = False
) -> Dict:
    """Trains (or resumes) a DQN run in root_dir; returns what it writes to summary.json.
    discard_damaged_replay: a replay checkpoint that cannot be restored is set aside (the
    replay refills) instead of refused."""
    try:
        client = reverb_server.connect(replay_server) if replay_server else None
        train_envs = environments.make_environments(
            config, config.num_parallel_envs, config.seed, training=True, backend=config.env_backend
        )
        eval_envs = environments.make_eval_environments(config)
    except (ValueError, ConnectionError) as error:
        raise UserError(str(error)) from None
    run = run_dir.RunDir(root_dir, config)
    started = time.monotonic()
    tf.keras.utils.set_random_seed(config.seed)

    collect_env = environments.batch(train_envs)
    time_step_spec, action_spec = collect_env.time_step_spec(), collect_env.action_spec()
    train_step = tf.Variable(0, dtype=tf.int64, name="train_step")
    env_step = tf.Variable(0, dtype=tf.int64, name="env_step")
    # Set once an evaluation reaches config.stop_at_eval_return: a rerun then does not train on.
    reached_stop_return = tf.Variable(False, name="reached_stop_return")

    agent, epsilon = build_agent(config, time_step_spec, action_spec, train_step, env_step)

    frame_stack = config.frame_stack if envs.is_atari(config.env_id) else 1
    experience = make_replay(
        config,
        run,
        agent.collect_data_spec,
        frame_stack,
        client,
        replay_server,
        discard_damaged_replay,
    )
    dqn_learner = make_learner(config, run, agent, train_step, experience.address, frame_stack)
    checkpointer = checkpoints.open_checkpointer(
        run.join("checkpoints"),
        agent=agent,
        train_step=train_step,
        env_step=env_step,
        reached_stop_return=reached_stop_return,
    )
    finished = run_summary.already_finished(
        run, int(env_step.numpy()), config.num_env_steps, bool(reached_stop_return.numpy())
    )
    if finished is not None:
        experience.writer.close()
        if experience.server is not None:
            experience.server.stop()
        return finished

    scores, steps_counter = environments.GameScores(train_envs), py_metrics.EnvironmentSteps()
    collect_policy = batched_policy.BatchedPyPolicy(agent.collect_policy)
    collect_actor = actor.Actor(
        collect_env,
        collect_policy,
        train_step,
        steps_per_run=_ROUNDS_PER_ITERATION * config.num_parallel_envs,
        observers=[experience.writer, scores, steps_counter],
    )

    resumed_from = int(env_step.numpy())
    # Training starts after the warm-up; a resume whose replay was not saved refills it first
    # (with the current collect policy: epsilon is already low by then).
    training_starts_at = config.initial_collect_steps
    if resumed_from:
        training_starts_at = resumed_from + max(0, config.initial_collect_steps - experience.size())
    untrained_steps = 0

    def iterate() -> training_loop.Iteration:
        """Collects a few batched rounds, then trains the steps they make due."""
        nonlocal untrained_steps
        previous = resumed_from + int(steps_counter.result())
        collect_actor.run()
        step = resumed_from + int(steps_counter.result())
        if step < training_starts_at:
            return training_loop.Iteration(step - previous, {}, warming_up=True)
        if previous < training_starts_at:
            experience.writer.flush()  # the warm-up must be in the table to sample
        untrained_steps += step - max(previous, training_starts_at)
        due = untrained_steps // config.update_period
        losses = {}
        if due:
            untrained_steps -= due * config.update_period
            losses["loss"] = float(dqn_learner.run(iterations=due).loss)
        return training_loop.Iteration(step - previous, losses)

    def save_checkpoint(step: int) -> None:
        experience.writer.flush()
        if experience.server is not None and config.checkpoint_replay:
            # The replay first: a kill between the two saves is harmless.
            reverb_server.checkpoint(experience.client, replay.TABLE, run.join("replay"))
        checkpointer.save(global_step=step)

    loop = training_loop.TrainingLoop(
        config,
        run,
        iterate,
        save_checkpoint,
        env_step,
        reached_stop_return,
        make_eval_policy(config, agent),
        eval_envs,
        scores,
        extra_summaries=lambda: {"ReplaySize": experience.size(), "Epsilon": float(epsilon())},
        extra_figures=lambda: {"ε": float(epsilon())},
    )
    loop.run()

    experience.writer.close()
    summary = loop.finish(agent.policy, train_step, POLICY_DIR, started, config.eval_epsilon)
    if experience.server is not None:
        experience.server.stop()
    return summary
