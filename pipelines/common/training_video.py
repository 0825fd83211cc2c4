"""Videos of the agent while it trains: every config.video_interval env steps, the evaluation
that follows also records one game, played by the evaluation policy, to
root_dir/videos/<env_step>.mp4 (as SB3's VecVideoRecorder and CleanRL's --capture_video)."""

import os
from typing import Optional

import numpy as np
from tf_agents.environments import batched_py_environment

import envs
from pipelines.common import environments, stop_request, video


class TrainingVideos:
    """Records a game when an evaluation comes at or after the next multiple of the interval."""

    def __init__(self, config, directory: str):
        self._config, self._directory = config, directory
        self._next: Optional[int] = None
        # pygame renders the classic-control and Box2D games: keep it from opening a sound
        # card and from taking over SIGTERM, which stops training with a checkpoint.
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")

    def due(self, step: int) -> bool:
        if self._next is None:  # the first evaluation of this process, maybe after a resume
            self._next = step // self._config.video_interval * self._config.video_interval
            self._next = self._next or self._config.video_interval
        return step >= self._next

    def record(self, policy, step: int) -> str:
        """Plays one game with `policy` (a batched PyPolicy) and writes its video; returns its
        path."""
        config = self._config
        options = environments.env_options(config, training=False)
        env = envs.load(
            config.env_id,
            seed=config.seed + 20_000 + step,
            max_episode_steps=config.max_episode_steps or None,
            render_mode="rgb_array",
            **options,
        )
        os.makedirs(self._directory, exist_ok=True)
        path = os.path.join(self._directory, f"{step}.mp4")
        writer = video.VideoWriter(path, video.real_time_fps(config.env_id, options, env))
        try:
            self._play(policy, env, writer, step)
            writer.close()
        except BaseException:
            writer.abandon()
            raise
        finally:
            env.close()
        self._next = (step // config.video_interval + 1) * config.video_interval
        return path

    @staticmethod
    def _play(policy, env, writer: video.VideoWriter, step: int) -> None:
        batched = batched_py_environment.BatchedPyEnvironment([env], multithreading=False)
        time_step = batched.reset()
        state = policy.get_initial_state(1)
        score, steps = 0.0, 0
        while True:
            caption = f"env step {step:,}  game step {steps}  score {score:g}"
            writer.append(video.compose(env.render(), caption=caption))
            if time_step.is_last()[0]:
                break
            stop_request.check()
            action_step = policy.action(time_step, state)
            state = action_step.state
            time_step = batched.step(action_step.action)
            score += float(np.asarray(time_step.reward)[0])
            steps += 1


def for_run(config, run) -> Optional[TrainingVideos]:
    """The run's training videos, or None when config.video_interval is 0 (off)."""
    return TrainingVideos(config, run.join("videos")) if config.video_interval else None
