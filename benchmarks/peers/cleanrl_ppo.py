"""CleanRL's ppo_atari.py (torch, CPU) timed over a window of env steps: the peer of
benchmarks.ppo_peer. Runs in the bench venv, never in ours; CleanRL's code is not part of this
repository: pass the folder of a CleanRL checkout (github.com/vwxyzjn/cleanrl).

    .venv-bench/bin/python -m benchmarks.peers.cleanrl_ppo --cleanrl_dir=/path/to/cleanrl \\
        --env_id=BreakoutNoFrameskip-v4 --num_env_steps=60000 --window_start=16384

The script is run unchanged, as `python cleanrl/ppo_atari.py --env-id ... --total-timesteps ...`,
with its own settings (Schulman et al. 2017's, as our PPO presets). It was written for gymnasium
0.29, and the bench venv has gymnasium 1.x: before it runs, two wrappers renamed in 1.0 get
their old names back (GrayScaleObservation, FrameStack) and ale-py's games are registered.
The script prints "SPS: ..." after every iteration of num_envs * num_steps env steps; each line
is timestamped here, and the rate over the window is the env steps between the first iteration
past window_start and the last, over their time apart. Prints one JSON line.
"""

import argparse
import json
import os
import runpy
import sys
import time

# On a shared machine torch's OpenMP threads spin while they wait for each other and lose their
# core to other jobs (see sb3_dqn.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ITERATION_ENV_STEPS = 8 * 128  # ppo_atari.py's num_envs * num_steps


class _TimedLines:
    """stdout for the script: counts its "SPS:" lines, with the time each was written."""

    def __init__(self, out):
        self._out = out
        self.times = []

    def write(self, text):
        if text.startswith("SPS:"):
            self.times.append(time.monotonic())
        return self._out.write(text)

    def flush(self):
        self._out.flush()


def _restore_old_wrapper_names() -> None:
    import ale_py
    import gymnasium as gym

    gym.register_envs(ale_py)
    wrappers = gym.wrappers
    if not hasattr(wrappers, "GrayScaleObservation"):
        wrappers.GrayScaleObservation = wrappers.GrayscaleObservation
    if not hasattr(wrappers, "FrameStack"):
        wrappers.FrameStack = wrappers.FrameStackObservation


def window_rate(times, window_start: int):
    """(env steps/s, first step, last step) over the iterations ending at or after window_start."""
    steps = [(i + 1) * ITERATION_ENV_STEPS for i in range(len(times))]
    inside = [(step, at) for step, at in zip(steps, times) if step >= window_start]
    if len(inside) < 2:
        raise SystemExit(f"fewer than 2 iterations after env step {window_start}")
    (first_step, first_time), (last_step, last_time) = inside[0], inside[-1]
    return (last_step - first_step) / (last_time - first_time), first_step, last_step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cleanrl_dir", required=True)
    parser.add_argument("--env_id", default="BreakoutNoFrameskip-v4")
    parser.add_argument("--num_env_steps", type=int, default=60_000)
    parser.add_argument("--window_start", type=int, default=16_384)
    parser.add_argument("--work_dir", default=None, help="Where the script's runs/ go.")
    args = parser.parse_args()
    script = os.path.join(os.path.abspath(args.cleanrl_dir), "cleanrl", "ppo_atari.py")
    if not os.path.isfile(script):
        raise SystemExit(f"no cleanrl/ppo_atari.py in {args.cleanrl_dir}")
    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=True)
        os.chdir(args.work_dir)  # the script writes its TensorBoard files under runs/
    sys.path.insert(0, os.path.abspath(args.cleanrl_dir))  # its cleanrl_utils
    _restore_old_wrapper_names()
    sys.argv = [
        script,
        "--env-id",
        args.env_id,
        "--total-timesteps",
        str(args.num_env_steps),
        "--no-cuda",
    ]
    timed = _TimedLines(sys.stdout)
    sys.stdout = timed
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.stdout = timed._out
    rate, first, last = window_rate(timed.times, args.window_start)
    import torch

    print(
        json.dumps(
            {
                "name": "cleanrl_ppo_atari",
                "env_id": args.env_id,
                "env_steps_per_second": round(rate, 1),
                "window": [first, last],
                "torch": torch.__version__,
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
