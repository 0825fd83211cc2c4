"""One DQN run, in TF-Agents' build order.

environments and specs -> counters -> Q network -> agent -> replay (table, server, writer, dataset)
-> Learner -> actors (warm-up, collect) -> checkpointer -> loop: collect, train, evaluate, save.
"""
import dataclasses
import os
import time
from typing import Dict, List, Optional

import numpy as np
import tensorflow as tf
from tf_agents.environments import batched_py_environment
from tf_agents.metrics import py_metrics
from tf_agents.policies import epsilon_greedy_policy, py_tf_eager_policy
from tf_agents.train import actor, learner
from tf_agents.utils import common

import envs
from pipelines.common import evaluation, export, progress, run_dir
from pipelines.common.cli import UserError
from pipelines.dqn import replay
from pipelines.dqn.agent import epsilon_schedule, make_agent
from pipelines.dqn.config import DqnConfig, validate
from pipelines.dqn.networks import make_q_network

# Collect this many batched env rounds, then train on the steps they bring (the update_period
# ratio is kept exactly; the interleaving grain only saves Python round trips).
_ROUNDS_PER_ITERATION = 8
POLICY_DIR = os.path.join("policies", "greedy_policy")


def env_options(config: DqnConfig, training: bool) -> Dict:
    """Keyword options of envs.load: Atari preprocessing only for Atari; training-only shaping."""
    if not envs.is_atari(config.env_id):
        return {}
    return envs.atari_options_for(
        config.env_id, frame_stack=config.frame_stack,
        clip_rewards=config.clip_rewards and training,
        terminal_on_life_loss=config.terminal_on_life_loss and training)


def make_environments(config: DqnConfig, count: int, seed: int, training: bool) -> List:
    options = env_options(config, training)
    return [envs.load(config.env_id, seed=seed + i,
                      max_episode_steps=config.max_episode_steps or None, **options)
            for i in range(count)]


class GameScores:
    """Observer of the training environments: raw score and length of every finished game.

    On Atari the agent's episodes may end at each lost life and its rewards may be clipped; the
    environments report the real game's score in info["episode"] when a game ends.
    """

    def __init__(self, environments: List):
        self._environments = environments
        self.scores: List[float] = []
        self.lengths: List[int] = []

    def __call__(self, _trajectory) -> None:
        for environment in self._environments:
            episode = environment.get_info().get("episode")
            if episode is not None:
                self.scores.append(float(episode["r"]))
                self.lengths.append(int(episode["l"]))

    def drain(self):
        scores, lengths = self.scores, self.lengths
        self.scores, self.lengths = [], []
        return scores, lengths


def train(config: DqnConfig, root_dir: str, replay_server: str = "") -> Dict:
    """Trains (or resumes) a DQN run in root_dir; returns what it writes to summary.json."""
    try:
        validate(config)
    except ValueError as error:
        raise UserError(str(error)) from None
    if replay_server:
        try:
            client = replay.connect(replay_server)
        except ConnectionError as error:
            raise UserError(str(error)) from None
    try:
        train_envs = make_environments(config, config.num_parallel_envs, config.seed, True)
        eval_envs = (make_environments(config, config.eval_episodes, config.seed + 10_000, False)
                     if config.eval_interval else [])
    except ValueError as error:
        raise UserError(str(error)) from None
    run = run_dir.RunDir(root_dir, config)
    started = time.monotonic()
    tf.keras.utils.set_random_seed(config.seed)

    collect_env = batched_py_environment.BatchedPyEnvironment(train_envs, multithreading=False)
    time_step_spec, action_spec = collect_env.time_step_spec(), collect_env.action_spec()
    train_step = tf.Variable(0, dtype=tf.int64, name="train_step")
    env_step = tf.Variable(0, dtype=tf.int64, name="env_step")

    q_network = make_q_network(time_step_spec.observation, action_spec, config.conv_layer_params,
                               config.fc_layer_params, config.dueling)
    epsilon = epsilon_schedule(config, env_step)
    agent = make_agent(config, time_step_spec, action_spec, q_network, train_step, epsilon)

    frame_stack = config.frame_stack if envs.is_atari(config.env_id) else 1
    window = replay.window_length(frame_stack, config.n_step)
    step_spec = replay.stored_step_spec(agent.collect_data_spec, frame_stack)
    server = None
    if not replay_server:
        table = replay.make_table(step_spec, config.replay_capacity, window)
        server = replay.start_server(
            [table], checkpoint_dir=run.join("replay") if config.checkpoint_replay else None)
        replay_server = f"localhost:{server.port}"
        client = server.localhost_client()
    writer = replay.FrameReplayWriter(client, config.num_parallel_envs, frame_stack,
                                      config.n_step)

    def experience_dataset():
        dataset = replay.make_dataset(replay_server, agent.collect_data_spec, frame_stack,
                                      config.n_step, config.batch_size, prefetch=64)
        return dataset.map(lambda trajectory: (trajectory, ()))

    dqn_learner = learner.Learner(run.path, train_step, agent, experience_dataset,
                                  checkpoint_interval=0, summary_interval=0)
    checkpointer = common.Checkpointer(run.join("checkpoints"), max_to_keep=2, agent=agent,
                                       train_step=train_step, env_step=env_step)
    checkpointer.initialize_or_restore()
    resumed_from = int(env_step.numpy())
    if run.resuming and resumed_from == 0 and not checkpointer.checkpoint_exists:
        run.resuming = False

    scores = GameScores(train_envs)
    steps_counter = py_metrics.EnvironmentSteps()
    collect_policy = py_tf_eager_policy.PyTFEagerPolicy(agent.collect_policy,
                                                        use_tf_function=True,
                                                        batch_time_steps=False)
    collect_actor = actor.Actor(collect_env, collect_policy, train_step,
                                steps_per_run=_ROUNDS_PER_ITERATION * config.num_parallel_envs,
                                observers=[writer, scores, steps_counter])
    greedy = agent.policy
    if config.eval_epsilon > 0:
        greedy = epsilon_greedy_policy.EpsilonGreedyPolicy(agent.policy, config.eval_epsilon)
    eval_policy = py_tf_eager_policy.PyTFEagerPolicy(greedy, use_tf_function=True,
                                                        batch_time_steps=False)

    summaries = tf.summary.create_file_writer(run.join("train"))
    eval_summaries = tf.summary.create_file_writer(run.join("eval"))
    bar = progress.Progress(config.name, config.num_env_steps, resumed_from)
    last_eval: Optional[Dict] = None
    last_eval_step = -1
    last_loss: Optional[float] = None

    def save_checkpoint() -> None:
        writer.flush()
        if server is not None and config.checkpoint_replay:
            client.checkpoint()
        checkpointer.save(global_step=env_step.numpy())

    def run_evaluation() -> None:
        nonlocal last_eval, last_eval_step
        last_eval_step = int(env_step.numpy())
        last_eval = evaluation.evaluate(eval_policy, eval_envs,
                                        max_steps=config.max_episode_steps or 1_000_000)
        with eval_summaries.as_default(step=int(env_step.numpy())):
            tf.summary.scalar("Metrics/AverageReturn", last_eval["mean"])
            tf.summary.scalar("Metrics/AverageEpisodeLength", last_eval["mean_length"])

    def figures() -> Dict[str, Optional[float]]:
        return {"ε": float(epsilon()), "loss": last_loss,
                "eval": last_eval["mean"] if last_eval else None}

    def write_summaries() -> None:
        game_scores, game_lengths = scores.drain()
        with summaries.as_default(step=int(env_step.numpy())):
            if game_scores:
                tf.summary.scalar("Metrics/GameScore", np.mean(game_scores))
                tf.summary.scalar("Metrics/GameLength", np.mean(game_lengths))
            if last_loss is not None:
                tf.summary.scalar("Losses/loss", last_loss)
            tf.summary.scalar("Metrics/EnvStepsPerSecond",
                              bar.steps_per_second(int(env_step.numpy())))
            tf.summary.scalar("Metrics/ReplaySize",
                              client.server_info()[replay.TABLE].current_size)
            tf.summary.scalar("Metrics/Epsilon", epsilon())

    # Training starts after the warm-up; a resume whose replay was not saved refills it first
    # (with the current, mostly greedy, collect policy: epsilon is already low by then).
    training_starts_at = config.initial_collect_steps
    if run.resuming:
        missing = config.initial_collect_steps - client.server_info()[replay.TABLE].current_size
        training_starts_at = resumed_from + max(0, missing)
    step = resumed_from
    untrained_steps = 0
    next_summary = step + config.summary_interval
    next_eval = _next_multiple(step, config.eval_interval)
    next_checkpoint = _next_multiple(step, config.checkpoint_interval)
    try:
        while step < config.num_env_steps:
            collect_actor.run()
            previous, step = step, resumed_from + int(steps_counter.result())
            env_step.assign(step)
            if step < training_starts_at:
                continue
            if previous < training_starts_at:
                writer.flush()  # the warm-up's steps must be in the table before sampling
            untrained_steps += step - max(previous, training_starts_at)
            due = untrained_steps // config.update_period
            if due:
                untrained_steps -= due * config.update_period
                last_loss = float(dqn_learner.run(iterations=due).loss)
            if step >= next_summary:
                write_summaries()
                next_summary = step + config.summary_interval
            if config.eval_interval and step >= next_eval:
                run_evaluation()
                next_eval = _next_multiple(step, config.eval_interval)
                bar.update(step, figures(), force=True)
            if step >= next_checkpoint:
                save_checkpoint()
                next_checkpoint = _next_multiple(step, config.checkpoint_interval)
            bar.update(step, figures())
    except KeyboardInterrupt:
        bar.close()
        save_checkpoint()
        raise
    bar.close()
    save_checkpoint()
    if config.eval_interval and last_eval_step != step:
        run_evaluation()  # the final weights, unless they were just evaluated
    env_metadata = {"env_id": config.env_id, "env_options": env_options(config, training=False),
                    "max_episode_steps": config.max_episode_steps or None,
                    "config_name": config.name}
    export.export_policy(agent.policy, train_step, run.join(POLICY_DIR), env_metadata)
    summaries.flush()
    eval_summaries.flush()
    writer.close()
    wall = time.monotonic() - started
    done_steps = int(env_step.numpy())
    summary = {
        "config_name": config.name,
        "env_steps": done_steps,
        "train_steps": int(train_step.numpy()),
        "wall_seconds": round(wall, 1),
        "env_steps_per_second": round((done_steps - resumed_from) / wall, 1) if wall else 0.0,
        "final_eval": ({"mean": last_eval["mean"], "std": last_eval["std"],
                        "episodes": last_eval["episodes"]} if last_eval else None),
        "resumed_from_env_step": resumed_from,
    }
    run_dir.write_json_atomically(run.join("summary.json"), summary)
    print(f"done: {done_steps:,} env steps, {summary['train_steps']:,} train steps, "
          f"{summary['env_steps_per_second']:,.0f} env steps/s; final eval "
          f"{summary['final_eval']['mean'] if last_eval else 'off'}; policy in {run.join(POLICY_DIR)}")
    if server is not None:
        server.stop()
    return summary


def _next_multiple(step: int, interval: int) -> int:
    return (step // interval + 1) * interval if interval else 1 << 62
