"""The one training loop every run hangs its interval work on (DQN in one process, the DQN
learner of a scaled-out run, REINFORCE, PPO, A2C and IMPALA).

The algorithm supplies iterate(), one unit of its work (collect and train, or train on what the
actors sent), which says how many env steps it added. The loop counts env steps and, at their
intervals, writes TensorBoard summaries, evaluates the greedy policy (and applies the stop rule),
saves checkpoints and updates the progress line. A stop request (Ctrl-C, SIGTERM) saves a
checkpoint on the way out; the end of the budget, or the stop rule, saves one and evaluates the
final weights.
"""

import dataclasses
import time
from typing import Callable, Dict, List, Optional

import numpy as np
import tensorflow as tf

from pipelines.common import (
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

Figures = Dict[str, Optional[float]]


@dataclasses.dataclass
class Iteration:
    """What one iteration did."""

    env_steps: int  # env steps it adds to the run's count
    losses: Dict[str, float]  # TensorBoard's Losses/<name>; "loss" is on the progress line too
    # Still filling the replay before training: only the progress line is updated.
    warming_up: bool = False


def next_multiple(step: int, interval: int) -> int:
    """The first multiple of interval after step; never, for interval 0 (turned off)."""
    return (step // interval + 1) * interval if interval else 1 << 62


class TrainingLoop:
    """run(): iterate() until num_env_steps or the stop rule, with the interval work around it.

    config needs name, num_env_steps, eval_interval, checkpoint_interval, summary_interval,
    max_episode_steps and the stop rule's fields.
    """

    def __init__(
        self,
        config,
        run: run_dir.RunDir,
        iterate: Callable[[], Iteration],
        save_checkpoint: Callable[[int], object],
        env_step: tf.Variable,
        reached_stop_return: tf.Variable,
        eval_policy,
        eval_envs: List,
        scores=None,
        extra_summaries: Callable[[], Dict[str, float]] = dict,
        extra_figures: Callable[[], Figures] = dict,
        name: Optional[str] = None,
    ):
        """save_checkpoint(env_step) saves everything a resume needs. scores: an object whose
        drain() gives the (scores, lengths) of the training games finished since the last call
        (environments.GameScores), or None when the games are played elsewhere.
        extra_summaries() and extra_figures() add the algorithm's own figures (Metrics/<name>
        and the progress line's)."""
        self._config, self._run, self._iterate, self._save = config, run, iterate, save_checkpoint
        self._env_step, self._reached_stop_return = env_step, reached_stop_return
        if config.stop_at_train_return and scores is None:
            raise UserError(
                "config.stop_at_train_return needs the training games in the learner's process; "
                "with --role=train they are played by the collectors"
            )
        self._scores = scores
        # The training game that met config.stop_at_train_return, once one has.
        self._stopping_game: Optional[float] = None
        self._extra_summaries, self._extra_figures = extra_summaries, extra_figures
        self._stop_rule = evaluation.make_stop_rule(config, eval_policy, run)
        self._evaluations = evaluation.Evaluations(
            eval_policy,
            eval_envs,
            run.join("eval"),
            config.max_episode_steps or 1_000_000,
            training_video.for_run(config, run),
        )
        self._summaries = tf.summary.create_file_writer(run.join("train"))
        self.resumed_from = int(env_step.numpy())
        self._last_checkpoint_step = -1
        self._last_summary_step = -1
        self._losses: Dict[str, float] = {}
        self._last_score: Optional[float] = None
        self._bar = progress.Progress(name or config.name, config.num_env_steps, self.resumed_from)

    def run(self) -> None:
        config = self._config
        step = self.resumed_from
        next_summary = step + config.summary_interval
        next_eval = next_multiple(step, config.eval_interval)
        next_checkpoint = next_multiple(step, config.checkpoint_interval)
        try:
            while step < config.num_env_steps and not self.reached_stop_return:
                stop_request.check()
                iteration = self._iterate()
                step += iteration.env_steps
                self._env_step.assign(step)
                if iteration.losses:
                    self._losses = iteration.losses
                if iteration.warming_up:
                    self._bar.update(step, self._figures())  # Atari's warm-up takes minutes
                    continue
                if self._train_return_reached():  # before a summary drains the games
                    self._reached_stop_return.assign(True)
                evaluate = config.eval_interval and step >= next_eval
                if step >= next_summary:
                    self._write_summaries(step)
                    next_summary = step + config.summary_interval
                elif evaluate:
                    # Every evaluation step is a summary step too: an evaluation is timed from it.
                    self._write_summaries(step)
                if evaluate:
                    latest = self._evaluations.run(step)
                    next_eval = next_multiple(step, config.eval_interval)
                    self._bar.update(step, self._figures(), force=True)
                    if self._stop_rule.reached(latest, step):
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
        if self._last_summary_step != step:
            self._write_summaries(step)  # the run's end, unless it was just summarized
        self._save_checkpoint()
        if self.reached_stop_return and step > self.resumed_from:
            if self._stopping_game is not None:
                why = (
                    f"a training game scored {self._stopping_game:g} >= "
                    f"config.stop_at_train_return={config.stop_at_train_return:g}"
                )
            else:
                assert self.last_eval is not None  # the evaluation that reached it
                why = self._stop_rule.describe(self.last_eval)
            print(f"{why}: stopped at {step:,} env steps", flush=True)
        if config.eval_interval and self._evaluations.last_step != step:
            self._evaluations.run(step)  # the final weights, unless they were just evaluated
        self._summaries.flush()

    def finish(
        self,
        policy,
        train_step: tf.Variable,
        policy_dir: str,
        started: float,
        eval_epsilon: float = 0.0,
        **extra,
    ) -> Dict:
        """After run(): exports the greedy policy to policy_dir (with the evaluations' ε, for
        pipelines.evaluate), writes summary.json (extra keys after the common ones) and returns
        it."""
        stop_request.check()  # a stop during the final evaluation: no export, no summary
        metadata = environments.env_metadata(self._config, eval_epsilon)
        export.export_policy(policy, train_step, self._run.join(policy_dir), metadata)
        stop_request.check()  # during the export: the rerun evaluates and exports again
        return run_summary.write(
            self._run,
            self._config,
            int(self._env_step.numpy()),
            int(train_step.numpy()),
            time.monotonic() - started,
            self.resumed_from,
            self.last_eval,
            policy_dir,
            reached_stop_return=self.reached_stop_return,
            **extra,
        )

    @property
    def reached_stop_return(self) -> bool:
        return bool(self._reached_stop_return.numpy())

    @property
    def last_eval(self) -> Optional[Dict[str, float]]:
        """The latest evaluation (mean, std, min, max, episodes, mean_length), or None."""
        return self._evaluations.last

    def _train_return_reached(self) -> bool:
        """Whether a training game finished since the last summary (which drains them) met
        stop_at_train_return."""
        threshold = self._config.stop_at_train_return
        if not threshold or not self._scores.scores:
            return False
        best = max(self._scores.scores)
        if best >= threshold:
            self._stopping_game = best
        return best >= threshold

    def _save_checkpoint(self) -> None:
        step = int(self._env_step.numpy())
        if step != self._last_checkpoint_step:
            self._last_checkpoint_step = step
            self._save(step)

    def _figures(self) -> Figures:
        figures = self._extra_figures()
        figures.update(
            {
                "loss": self._losses.get("loss"),
                "game": self._last_score,
                "eval": self.last_eval["mean"] if self.last_eval else None,
            }
        )
        return figures

    def _write_summaries(self, step: int) -> None:
        self._last_summary_step = step
        game_scores, game_lengths = self._scores.drain() if self._scores else ([], [])
        with self._summaries.as_default(step=step):
            if game_scores:
                self._last_score = float(np.mean(game_scores))
                tf.summary.scalar("Metrics/GameScore", self._last_score)
                tf.summary.scalar("Metrics/GameLength", np.mean(game_lengths))
            for name, value in self._losses.items():
                tf.summary.scalar(f"Losses/{name}", value)
            tf.summary.scalar("Metrics/EnvStepsPerSecond", self._bar.steps_per_second(step))
            for name, value in self._extra_summaries().items():
                tf.summary.scalar(f"Metrics/{name}", value)
