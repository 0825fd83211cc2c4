"""Bytes per stored Atari transition in replay: ours (each frame once) vs TF-Agents' layout.

    python -m benchmarks.replay_memory --transitions=100000

Fills an in-process Reverb table with real Breakout transitions (random play, 4 environments)
and reports the growth of the process's resident memory per transition, after a first slice
that absorbs one-time allocations. Prints one JSON line per layout.
"""

import json
import time

import reverb
import tensorflow as tf
from absl import app, flags
from tf_agents.environments import batched_py_environment
from tf_agents.policies import random_py_policy
from tf_agents.replay_buffers import reverb_utils
from tf_agents.trajectories import policy_step, trajectory

import envs
from pipelines.common import reverb_server
from pipelines.dqn import replay

TRANSITIONS = flags.DEFINE_integer("transitions", 100_000, "Transitions to store.")
LAYOUT = flags.DEFINE_enum("layout", "ours", ["ours", "tf_agents"], "Which replay layout.")
NUM_ENVS = 4


def _rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def main(_):
    environments = [
        envs.load("BreakoutNoFrameskip-v4", seed=i, clip_rewards=True, terminal_on_life_loss=True)
        for i in range(NUM_ENVS)
    ]
    batched = batched_py_environment.BatchedPyEnvironment(environments, multithreading=False)
    spec = replay.collect_data_spec(batched)
    capacity = TRANSITIONS.value + 10_000
    if LAYOUT.value == "ours":
        step_spec = replay.stored_step_spec(spec, 4)
        server = reverb_server.start_server(
            [replay.make_table(step_spec, capacity, replay.window_length(4, 1))]
        )
        observer = replay.FrameReplayWriter(server.localhost_client(), NUM_ENVS, 4, 1, 0.99)
        observers = [observer]
    else:  # TF-Agents' mnih15 layout: every step's full 4-frame stack, items of 2 steps
        tf_agents_table = reverb.Table(
            replay.TABLE,
            max_size=capacity,
            sampler=reverb.selectors.Uniform(),
            remover=reverb.selectors.Fifo(),
            rate_limiter=reverb.rate_limiters.MinSize(1),
        )
        server = reverb.Server([tf_agents_table])
        observers = [
            reverb_utils.ReverbAddTrajectoryObserver(
                server.localhost_client(), replay.TABLE, sequence_length=2, stride_length=1
            )
            for _ in range(NUM_ENVS)
        ]
    client = server.localhost_client()
    policy = random_py_policy.RandomPyPolicy(
        batched.time_step_spec(), batched.action_spec(), outer_dims=(NUM_ENVS,)
    )
    time_step = batched.reset()
    first_slice = max(2_000, TRANSITIONS.value // 10)
    baseline = None
    started = time.monotonic()
    while True:
        action = policy.action(time_step).action
        next_time_step = batched.step(action)
        batch = trajectory.from_transition(
            time_step, policy_step.PolicyStep(action), next_time_step
        )
        if LAYOUT.value == "ours":
            observers[0](batch)
        else:
            for i, observer in enumerate(observers):
                observer(tf.nest.map_structure(lambda field, i=i: field[i], batch))
        time_step = next_time_step
        size = (
            client.server_info()[replay.TABLE].current_size
            if baseline is None or (int(time.monotonic() * 10) % 10 == 0)
            else None
        )
        if size is not None and baseline is None and size >= first_slice:
            baseline = (size, _rss_bytes())
        if size is not None and size >= TRANSITIONS.value:
            break
    size = client.server_info()[replay.TABLE].current_size
    grown = _rss_bytes() - baseline[1]
    per_transition = grown / (size - baseline[0])
    print(
        json.dumps(
            {
                "name": "atari_replay_bytes_per_transition",
                "layout": LAYOUT.value,
                "bytes_per_transition": round(per_transition),
                "transitions": size,
                "extrapolated_1M_GiB": round(per_transition * 1e6 / 2**30, 2),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    app.run(main)
