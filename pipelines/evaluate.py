"""Plays an exported greedy policy (or uniformly random actions) for N episodes; optionally
records a video.

    python -m pipelines.evaluate --policy_dir=runs/breakout/policies/greedy_policy \\
        --num_episodes=10 [--env=BreakoutNoFrameskip-v4] [--seed=0] [--epsilon=0.005] \\
        [--video=breakout.mp4]
    python -m pipelines.evaluate --policy=random --env=BreakoutNoFrameskip-v4   # the baseline

Needs only the export: the SavedModel and its env.json (which game, preprocessed how); no
training code or config. Prints one line per episode, then, as the last line, one JSON object
(mean/std/min/max return, episodes, mean length). On Atari the return is the raw game score.

A SavedModel is a program: loading one runs the TensorFlow graph it holds, which can read and
write files. Evaluate only exports you made yourself or got from someone you trust.
"""

import json
import os
import signal
import sys
import time
from typing import Optional

import numpy as np
from absl import flags

from envs import registry
from pipelines.common import cli, video

POLICY_DIR = flags.DEFINE_string(
    "policy_dir",
    None,
    "An exported policy: a run's policies/greedy_policy (SavedModel + env.json). A SavedModel "
    "is a program (its graph can read and write files): load only exports you made or trust.",
)
POLICY = flags.DEFINE_enum(
    "policy",
    None,
    ["random"],
    "Instead of --policy_dir: 'random' plays "
    "uniformly random actions on --env (whole games, raw score), the "
    "baseline a trained agent's score is read against.",
)
ENV = flags.DEFINE_string(
    "env",
    None,
    "Environment id; default: the one env.json names. "
    "A policy whose observations or actions do not fit it is refused.",
)
NUM_EPISODES = flags.DEFINE_integer("num_episodes", 10, "Episodes to play (>= 1).")
SEED = flags.DEFINE_integer(
    "seed",
    0,
    "Seeds the environment's first reset; later episodes "
    "follow from it, so a seed repeats the whole evaluation.",
)
EPSILON = flags.DEFINE_float(
    "epsilon",
    None,
    "Probability of a uniformly random action at each "
    "step, in [0, 1]; default: the preset's evaluation epsilon recorded "
    "in env.json (0, greedy, without one).",
)
MAX_EPISODE_STEPS = flags.DEFINE_integer(
    "max_episode_steps",
    None,
    "Cut episodes after this many agent steps; default: env.json's limit.",
)
VIDEO = flags.DEFINE_string(
    "video",
    None,
    "Record to this .mp4 or .gif: the game's frames, "
    "the network's newest input frame beside them (Atari) and the Q "
    "value of each chosen action.",
)
VIDEO_EPISODES = flags.DEFINE_integer(
    "video_episodes",
    1,
    "How many of the first episodes --video records (GIF keeps frames in memory: keep short).",
)
FPS = flags.DEFINE_float(
    "fps",
    0,
    "Video frames per second; 0: the game's real speed (one frame per agent step: 15 on Atari).",
)


def check_arguments(
    policy_dir: Optional[str],
    env_id: Optional[str],
    num_episodes: int,
    video_path: Optional[str] = None,
    video_episodes: int = 1,
    max_episode_steps: Optional[int] = None,
    fps: float = 0,
    epsilon: Optional[float] = None,
    policy: Optional[str] = None,
) -> Optional[dict]:
    """Everything that can be checked before an environment or the SavedModel loads (the
    flags' values); returns env.json, or None when it is absent (or the policy is random) and
    env_id names the game."""
    if num_episodes < 1:
        raise cli.UserError(f"--num_episodes must be at least 1, got {num_episodes}")
    if video_episodes < 1:
        raise cli.UserError(f"--video_episodes must be at least 1, got {video_episodes}")
    if max_episode_steps is not None and max_episode_steps < 1:
        raise cli.UserError(f"--max_episode_steps must be at least 1, got {max_episode_steps}")
    if fps < 0:
        raise cli.UserError(f"--fps must be positive, got {fps}")
    if epsilon is not None and not 0 <= epsilon <= 1:
        raise cli.UserError(f"--epsilon must be in [0, 1], got {epsilon}")
    if env_id:
        try:
            registry.find_spec(env_id)  # an unknown id, with the close ones, before TF loads
        except ValueError as error:
            raise cli.UserError(str(error))
    if video_path:
        try:
            video.check_path(video_path)
        except ValueError as error:
            raise cli.UserError(str(error))
    if policy == "random":
        if policy_dir:
            raise cli.UserError("give --policy_dir or --policy=random, not both")
        if not env_id:
            raise cli.UserError("--policy=random needs --env, the game to play")
        if epsilon is not None:
            raise cli.UserError(
                "--epsilon has no meaning for --policy=random: every action is random"
            )
        return None
    return read_export(policy_dir, env_id)


def read_export(policy_dir: Optional[str], env_id: Optional[str]) -> Optional[dict]:
    """env.json of the export in policy_dir (None if absent and env_id is given)."""
    if not policy_dir:
        raise cli.UserError("--policy_dir is required: a run's policies/greedy_policy")
    if not os.path.exists(policy_dir):
        raise cli.UserError(f"--policy_dir={policy_dir} does not exist")
    if not os.path.isdir(policy_dir):
        raise cli.UserError(f"--policy_dir={policy_dir} is not a directory")
    if not os.path.exists(os.path.join(policy_dir, "saved_model.pb")):
        inside = os.path.join(policy_dir, "policies", "greedy_policy")  # given a run's root_dir
        hint = " (an export is a run's policies/greedy_policy)"
        if os.path.exists(os.path.join(inside, "saved_model.pb")):
            hint = f"; did you mean {inside}?"
        empty = "is empty" if not os.listdir(policy_dir) else "has no saved_model.pb"
        raise cli.UserError(f"--policy_dir={policy_dir} {empty}: not an exported policy{hint}")
    if not os.path.exists(os.path.join(policy_dir, "policy_specs.pbtxt")):
        raise cli.UserError(
            f"--policy_dir={policy_dir} has no policy_specs.pbtxt: not a policy "
            "exported by TF-Agents' PolicySaver"
        )
    env_file = os.path.join(policy_dir, "env.json")
    if not os.path.exists(env_file):
        if env_id is None:
            raise cli.UserError(
                f"--policy_dir={policy_dir} has no env.json to say which "
                "environment it plays; name it with --env"
            )
        return None
    try:
        with open(env_file) as f:
            metadata = json.load(f)
        if not isinstance(metadata, dict) or not isinstance(metadata.get("env_id"), str):
            raise ValueError("no env_id")
    except ValueError as error:
        raise cli.UserError(
            f"{env_file} is not valid ({str(error).splitlines()[0]}); "
            "re-export the policy or name the environment with --env"
        )
    return metadata


def main(_argv) -> None:
    metadata = check_arguments(
        POLICY_DIR.value,
        ENV.value,
        NUM_EPISODES.value,
        VIDEO.value,
        VIDEO_EPISODES.value,
        MAX_EPISODE_STEPS.value,
        FPS.value,
        EPSILON.value,
        POLICY.value,
    )
    # Box2D and classic-control games render with pygame. Its init opens the sound card (ALSA
    # errors on a machine without one, for a video without sound) and takes over SIGTERM, so
    # `kill` or `docker stop` would no longer stop the evaluation.
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    # TensorFlow loads only now, so that a bad flag is answered at once.
    from pipelines.tools import play

    policy_dir = POLICY_DIR.value
    env_id = ENV.value or metadata["env_id"]
    if POLICY.value == "random":
        env, options = play.make_env(
            None, env_id, None, None, SEED.value, MAX_EPISODE_STEPS.value, bool(VIDEO.value)
        )
        policy = play.RandomPolicy(env.action_spec(), np.random.default_rng(SEED.value))
        epsilon = 0.0
        print(
            f"random policy on {env_id}, {NUM_EPISODES.value} episodes, seed {SEED.value}",
            flush=True,
        )
    else:
        specs, policy = play.load_policy(policy_dir)
        env, options = play.make_env(
            policy_dir,
            env_id,
            metadata,
            specs,
            SEED.value,
            MAX_EPISODE_STEPS.value,
            bool(VIDEO.value),
        )
        source = "env.json" if metadata and env_id == metadata["env_id"] else "--env"
        epsilon = (
            EPSILON.value
            if EPSILON.value is not None
            else (metadata or {}).get("eval_epsilon", 0.0)
        )
        print(
            f"policy {policy_dir} (train step {policy.train_step:,}) on {env_id} (from "
            f"{source}), {NUM_EPISODES.value} episodes, seed {SEED.value}, epsilon "
            f"{epsilon:g}",
            flush=True,
        )
    recording = None
    if VIDEO.value:
        recording = video.VideoWriter(
            VIDEO.value, FPS.value or video.real_time_fps(env_id, options, env)
        )
    started = time.monotonic()
    episodes = []
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so a `kill` removes the partial video too
    try:
        play.play_episodes(
            policy,
            env,
            NUM_EPISODES.value,
            episodes,
            epsilon,
            SEED.value,
            recording,
            VIDEO_EPISODES.value,
        )
        if recording is not None:
            recording.close()
    except BaseException as error:
        if recording is not None:
            recording.abandon()
        if isinstance(error, KeyboardInterrupt):  # cli's message speaks of checkpoints
            sys.stderr.write(
                f"\nstopped after {len(episodes)} of {NUM_EPISODES.value} "
                "episodes; no summary, no video\n"
            )
            sys.exit(130)
        raise
    finally:
        env.close()
    if recording is not None:
        recorded = min(VIDEO_EPISODES.value, NUM_EPISODES.value)
        print(
            f"video: {VIDEO.value} ({recorded} episode{'s' * (recorded > 1)}, "
            f"{recording.frames} frames)"
        )
    print(f"{len(episodes)} episodes in {time.monotonic() - started:.1f} s")
    print(
        json.dumps(summarize(episodes, env_id, SEED.value, epsilon, POLICY.value or policy_dir)),
        flush=True,
    )


def summarize(episodes, env_id: str, seed: int, epsilon: float, policy: str) -> dict:
    """The last line's JSON; `policy` is the export's directory, or 'random'."""
    scores = np.array([e.score for e in episodes], np.float64)
    return {
        "mean": float(scores.mean()),
        "std": float(scores.std()),
        "min": float(scores.min()),
        "max": float(scores.max()),
        "episodes": len(episodes),
        "mean_length": float(np.mean([e.length for e in episodes])),
        "env_id": env_id,
        "seed": seed,
        "epsilon": epsilon,
        "policy": policy,
    }


def _exit_on_sigterm(signum, _frame) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    cli.run(main)
