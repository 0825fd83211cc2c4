"""One DQN run, in TF-Agents' build order.

environments and specs -> counters -> Q network -> agent -> replay (table, server, writer, dataset)
-> Learner -> checkpointer -> actor and evaluation policy -> loop: collect, train, evaluate, save.
"""

import dataclasses
import os
import time
from typing import Dict, List, Optional

import numpy as np
import reverb
import tensorflow as tf
from tf_agents.metrics import py_metrics
from tf_agents.policies import epsilon_greedy_policy
from tf_agents.train import actor, learner

import envs
from pipelines.common import (
    batched_policy,
    checkpoints,
    environments,
    evaluation,
    export,
    progress,
    run_dir,
    run_summary,
    stop_request,
    training_video,
)
from pipelines.common.cli import UserError
from pipelines.dqn import replay
from pipelines.dqn.agent import build_agent
from pipelines.dqn.config import DqnConfig, validate

# Collect this many batched env rounds, then train on the steps they bring (the update_period
# ratio is kept exactly; the interleaving grain only saves Python round trips).
_ROUNDS_PER_ITERATION = 8
# Sampled batches tf.data prepares ahead, on the other core, while the actor collects.
_PREFETCH_BATCHES = 64
POLICY_DIR = os.path.join("policies", "greedy_policy")


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
) -> Replay:
    """The embedded Reverb server (restoring its checkpoint), or the external one at `address`."""
    server = None
    if client is None:
        step_spec = replay.stored_step_spec(collect_data_spec, frame_stack)
        table = replay.make_table(
            step_spec, config.replay_capacity, replay.window_length(frame_stack, config.n_step)
        )
        server = replay.start_server(
            [table], checkpoint_dir=run.join("replay") if config.checkpoint_replay else None
        )
        client, address = server.localhost_client(), f"localhost:{server.port}"
    writer = replay.FrameReplayWriter(client, config.num_parallel_envs, frame_stack, config.n_step)
    return Replay(server, client, address, writer)


def make_learner(
    config: DqnConfig,
    run: run_dir.RunDir,
    agent,
    train_step: tf.Variable,
    replay_address: str,
    frame_stack: int,
    strategy: Optional[tf.distribute.Strategy] = None,
) -> learner.Learner:
    """TF-Agents' Learner: compiled train steps on batches prefetched from Reverb. With a
    strategy of several replicas, each replica samples its share of config.batch_size."""
    replicas = strategy.num_replicas_in_sync if strategy else 1

    def experience_dataset(_context=None):
        dataset = replay.make_dataset(
            replay_address,
            agent.collect_data_spec,
            frame_stack,
            config.n_step,
            config.batch_size // replicas,
            _PREFETCH_BATCHES,
        )
        return dataset.map(lambda trajectory: (trajectory, ()))

    # Checkpoints and summaries are ours (they count env steps), so the Learner's are off.
    return learner.Learner(
        run.path,
        train_step,
        agent,
        experience_dataset,
        checkpoint_interval=0,
        summary_interval=0,
        strategy=strategy,
    )


def make_eval_policy(config: DqnConfig, agent):
    """The greedy policy, or epsilon-greedy at eval_epsilon (Mnih et al. evaluate Atari so)."""
    policy = agent.policy
    if config.eval_epsilon > 0:
        policy = epsilon_greedy_policy.EpsilonGreedyPolicy(policy, config.eval_epsilon)
    return batched_policy.BatchedPyPolicy(policy)


def train(config: DqnConfig, root_dir: str, replay_server: str = "") -> Dict:
    """Trains (or resumes) a DQN run in root_dir; returns what it writes to summary.json."""
    try:
        validate(config)
        client = replay.connect(replay_server) if replay_server else None
        train_envs = environments.make_environments(
            config, config.num_parallel_envs, config.seed, training=True, backend=config.env_backend
        )
        eval_envs = (
            environments.make_environments(
                config, config.eval_episodes, config.seed + 10_000, training=False
            )
            if config.eval_interval
            else []
        )
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
        config, run, agent.collect_data_spec, frame_stack, client, replay_server
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

    loop = _Loop(
        config,
        run,
        experience,
        dqn_learner,
        checkpointer,
        collect_actor,
        steps_counter,
        scores,
        make_eval_policy(config, agent),
        eval_envs,
        env_step,
        epsilon,
        reached_stop_return,
    )
    loop.run()

    stop_request.check()  # a stop during the final evaluation: no export, no summary
    export.export_policy(
        agent.policy, train_step, run.join(POLICY_DIR), environments.env_metadata(config)
    )
    stop_request.check()  # during the export: the rerun evaluates and exports again
    experience.writer.close()
    summary = run_summary.write(
        run,
        config,
        int(env_step.numpy()),
        int(train_step.numpy()),
        time.monotonic() - started,
        loop.resumed_from,
        loop.last_eval,
        POLICY_DIR,
        reached_stop_return=bool(reached_stop_return.numpy()),
    )
    if experience.server is not None:
        experience.server.stop()
    return summary


class _Loop:
    """collect -> train the steps due -> summaries, evaluation, checkpoints, progress."""

    def __init__(
        self,
        config: DqnConfig,
        run: run_dir.RunDir,
        experience: Replay,
        dqn_learner: learner.Learner,
        checkpointer: checkpoints.Checkpointer,
        collect_actor: actor.Actor,
        steps_counter: py_metrics.EnvironmentSteps,
        scores: environments.GameScores,
        eval_policy,
        eval_envs: List,
        env_step: tf.Variable,
        epsilon,
        reached_stop_return: tf.Variable,
    ):
        self._config, self._run, self._replay = config, run, experience
        self._learner, self._checkpointer, self._actor = dqn_learner, checkpointer, collect_actor
        self._steps_counter, self._scores = steps_counter, scores
        self._evaluations = evaluation.Evaluations(
            eval_policy,
            eval_envs,
            run.join("eval"),
            max_steps=config.max_episode_steps or 1_000_000,
            videos=training_video.for_run(config, run),
        )
        self._env_step, self._epsilon = env_step, epsilon
        self._reached_stop_return = reached_stop_return
        self._stop_rule = evaluation.make_stop_rule(config, eval_policy, run)
        self._summaries = tf.summary.create_file_writer(run.join("train"))
        self.resumed_from = int(env_step.numpy())
        self._last_checkpoint_step = -1
        self._last_loss: Optional[float] = None
        self._bar = progress.Progress(config.name, config.num_env_steps, self.resumed_from)

    def run(self) -> None:
        config = self._config
        # Training starts after the warm-up; a resume whose replay was not saved refills it
        # first (with the current collect policy: epsilon is already low by then).
        training_starts_at = config.initial_collect_steps
        if self.resumed_from:
            missing = config.initial_collect_steps - self._replay.size()
            training_starts_at = self.resumed_from + max(0, missing)
        step = self.resumed_from
        untrained_steps = 0
        next_summary = step + config.summary_interval
        next_eval = next_multiple(step, config.eval_interval)
        next_checkpoint = next_multiple(step, config.checkpoint_interval)
        try:
            while step < config.num_env_steps and not self._reached_stop_return.numpy():
                stop_request.check()
                self._actor.run()
                previous, step = step, self.resumed_from + int(self._steps_counter.result())
                self._env_step.assign(step)
                if step < training_starts_at:
                    self._bar.update(step, self._figures())  # Atari's warm-up takes minutes
                    continue
                if previous < training_starts_at:
                    self._replay.writer.flush()  # the warm-up must be in the table to sample
                untrained_steps += step - max(previous, training_starts_at)
                due = untrained_steps // config.update_period
                if due:
                    untrained_steps -= due * config.update_period
                    self._last_loss = float(self._learner.run(iterations=due).loss)
                if step >= next_summary:
                    self._write_summaries(step)
                    next_summary = step + config.summary_interval
                if config.eval_interval and step >= next_eval:
                    self._evaluations.run(step)
                    next_eval = next_multiple(step, config.eval_interval)
                    self._bar.update(step, self._figures(), force=True)
                    if self._stop_rule.reached(self.last_eval, step):
                        self._reached_stop_return.assign(True)
                if step >= next_checkpoint:
                    self._save_checkpoint()
                    next_checkpoint = next_multiple(step, config.checkpoint_interval)
                self._bar.update(step, self._figures())
        except KeyboardInterrupt:
            self._bar.close()
            self._save_checkpoint()
            raise
        self._bar.close()
        if self._reached_stop_return.numpy() and step > self.resumed_from:
            print(f"{self._stop_rule.describe(self.last_eval)}: stopped at {step:,} env steps")
        self._save_checkpoint()
        if config.eval_interval and self._evaluations.last_step != step:
            self._evaluations.run(step)  # the final weights, unless they were just evaluated
        self._summaries.flush()

    def _save_checkpoint(self) -> None:
        step = int(self._env_step.numpy())
        if step == self._last_checkpoint_step:
            return
        self._last_checkpoint_step = step
        self._replay.writer.flush()
        if self._replay.server is not None and self._config.checkpoint_replay:
            self._replay.client.checkpoint()  # replay first: a kill between the two is harmless
        self._checkpointer.save(global_step=self._env_step.numpy())

    @property
    def last_eval(self) -> Optional[Dict]:
        return self._evaluations.last

    def _figures(self) -> Dict[str, Optional[float]]:
        return {
            "ε": float(self._epsilon()),
            "loss": self._last_loss,
            "eval": self.last_eval["mean"] if self.last_eval else None,
        }

    def _write_summaries(self, step: int) -> None:
        game_scores, game_lengths = self._scores.drain()
        with self._summaries.as_default(step=step):
            if game_scores:
                tf.summary.scalar("Metrics/GameScore", np.mean(game_scores))
                tf.summary.scalar("Metrics/GameLength", np.mean(game_lengths))
            if self._last_loss is not None:
                tf.summary.scalar("Losses/loss", self._last_loss)
            tf.summary.scalar("Metrics/EnvStepsPerSecond", self._bar.steps_per_second(step))
            tf.summary.scalar("Metrics/ReplaySize", self._replay.size())
            tf.summary.scalar("Metrics/Epsilon", self._epsilon())


def next_multiple(step: int, interval: int) -> int:
    """The first multiple of `interval` after `step` (never, for interval 0)."""
    return (step // interval + 1) * interval if interval else 1 << 62
