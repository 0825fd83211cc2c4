"""EnvPool's Atari collection as the peer: runs in the bench venv.

    .venv-bench/bin/python -m benchmarks.peers.envpool_collection --num_envs=4 --seconds=10

Breakout with the preprocessing of our Atari preset, done by EnvPool in C++ on its own threads
(frame skip 4 with max-pool, 84x84 grayscale, 4-frame stack, no-op starts, life loss as episode
end, clipped rewards), stepped with uniform-random actions. Prints one JSON line.
"""
import argparse
import json
import time

import envpool
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num_envs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    env = envpool.make("Breakout-v5", env_type="gymnasium", num_envs=args.num_envs,
                       seed=args.seed, frame_skip=4, stack_num=4, img_height=84, img_width=84,
                       noop_max=30, episodic_life=True, reward_clip=True,
                       repeat_action_probability=0.0, max_episode_steps=27_000)
    actions = env.action_space.n
    rng = np.random.default_rng(args.seed)
    env.reset()
    warm_up_until = time.monotonic() + 1.0
    while time.monotonic() < warm_up_until:
        env.step(rng.integers(actions, size=args.num_envs))
    steps, started = 0, time.monotonic()
    while time.monotonic() - started < args.seconds:
        env.step(rng.integers(actions, size=args.num_envs))
        steps += args.num_envs
    seconds = time.monotonic() - started
    print(json.dumps({"library": "envpool", "version": envpool.__version__,
                      "env_steps_per_second": round(steps / seconds, 1),
                      "num_envs": args.num_envs, "seconds": round(seconds, 1)}), flush=True)


if __name__ == "__main__":
    main()
