"""Atari collection throughput: agent steps/s through `envs` + a policy, or through raw ALE.

    python -m benchmarks.collection --backend=ours --num_envs=4 --seconds=10
    python -m benchmarks.collection --backend=ours_vector --num_envs=4 --seconds=10
    python -m benchmarks.collection --backend=ale --seconds=10

ours: the pipeline's collection path: `envs.load` Breakout with the Atari preset's training
preprocessing, batched in one thread (BatchedPyEnvironment, as pipelines/dqn/single_process.py
does), stepped by a TF-Agents policy (uniform random, so the environment's cost is what is
measured).
ours_vector: the same through `envs.load_vector` (config.env_backend=ale_vector): ale-py's C++
vector env on its own threads, one batched PyEnvironment.
ale: ale_py's ALEInterface alone, one game, 4 emulator frames per agent step and the grayscale
screen read once per agent step; no preprocessing at all, the ceiling of one core.
One agent step = 4 frames in both. Prints one JSON line.
"""

import json
import time

from absl import app, flags

BACKEND = flags.DEFINE_enum("backend", "ours", ["ours", "ours_vector", "ale"], "What to step.")
NUM_ENVS = flags.DEFINE_integer("num_envs", 4, "Environments stepped together (ours).")
SECONDS = flags.DEFINE_float("seconds", 10.0, "Measured seconds, after 1 s of warm-up.")
GAME_ID = "BreakoutNoFrameskip-v4"
FRAME_SKIP = 4


def _timed(step, steps_per_call: int, seconds: float) -> float:
    """Calls step() for 1 s of warm-up, then for `seconds`; returns agent steps per second."""
    warm_up_until = time.monotonic() + 1.0
    while time.monotonic() < warm_up_until:
        step()
    calls, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        step()
        calls += 1
    return calls * steps_per_call / (time.monotonic() - started)


def ours_rate(num_envs: int, seconds: float) -> float:
    """Agent steps/s of `envs` Breakout (training preprocessing) batched, with a random policy."""
    from tf_agents.environments import batched_py_environment

    import envs

    environments = [
        envs.load(
            GAME_ID, seed=i, clip_rewards=True, terminal_on_life_loss=True, max_episode_steps=27_000
        )
        for i in range(num_envs)
    ]
    return _policy_rate(
        batched_py_environment.BatchedPyEnvironment(environments, multithreading=False), seconds
    )


def ours_vector_rate(num_envs: int, seconds: float) -> float:
    """Agent steps/s of `envs.load_vector` Breakout (training preprocessing), random policy."""
    import envs

    return _policy_rate(
        envs.load_vector(
            GAME_ID,
            num_envs,
            seed=0,
            clip_rewards=True,
            terminal_on_life_loss=True,
            max_episode_steps=27_000,
        ),
        seconds,
    )


def _policy_rate(batched, seconds: float) -> float:
    """Agent steps/s of a batched PyEnvironment stepped by a uniform-random TF-Agents policy."""
    from tf_agents.policies import random_py_policy

    num_envs = batched.batch_size
    policy = random_py_policy.RandomPyPolicy(
        batched.time_step_spec(), batched.action_spec(), outer_dims=(num_envs,)
    )
    state = {"time_step": batched.reset()}

    def step():
        state["time_step"] = batched.step(policy.action(state["time_step"]).action)

    try:
        return _timed(step, num_envs, seconds)
    finally:
        batched.close()


def ale_rate(seconds: float) -> float:
    """Agent steps/s of bare ALE Breakout: 4 frames per step, random actions, one screen read."""
    import numpy as np
    from ale_py import ALEInterface, roms

    ale = ALEInterface()
    ale.setInt("random_seed", 0)
    ale.setFloat("repeat_action_probability", 0.0)
    ale.loadROM(roms.get_rom_path("breakout"))
    actions = ale.getMinimalActionSet()
    rng = np.random.default_rng(0)
    screen = np.empty((210, 160), np.uint8)

    def step():
        action = actions[rng.integers(len(actions))]
        for _ in range(FRAME_SKIP):
            ale.act(action)
        ale.getScreenGrayscale(screen)
        if ale.game_over():
            ale.reset_game()

    return _timed(step, 1, seconds)


def main(_):
    if BACKEND.value in ("ours", "ours_vector"):
        rate_of = ours_rate if BACKEND.value == "ours" else ours_vector_rate
        rate = rate_of(NUM_ENVS.value, SECONDS.value)
        settings = {"num_envs": NUM_ENVS.value, "policy": "random (TF-Agents RandomPyPolicy)"}
    else:
        rate = ale_rate(SECONDS.value)
        settings = {"num_envs": 1}
    print(
        json.dumps(
            {
                "library": BACKEND.value,
                "env_steps_per_second": round(rate, 1),
                "frame_skip": FRAME_SKIP,
                **settings,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    app.run(main)
