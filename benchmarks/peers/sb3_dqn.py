"""Stable-Baselines3 DQN (CPU torch) as the peer: runs in the bench venv, never in ours.

    .venv-bench/bin/python -m benchmarks.peers.sb3_dqn throughput --game=cartpole \
        --num_env_steps=5000 --initial_collect_steps=1000 --window_start=2000 --num_envs=8
    .venv-bench/bin/python -m benchmarks.peers.sb3_dqn solve --seed=0
    .venv-bench/bin/python -m benchmarks.peers.sb3_dqn replay_bytes --transitions=100000

Each command prints one JSON line. The settings mirror what benchmarks.throughput gives our
entry points (see there); SB3 always uses the Huber loss.
"""
import os
import time

STARTED = time.monotonic()  # before torch's import: solve's wall time counts it (ours counts TF's)
# On a shared machine torch's OpenMP threads spin while they wait for each other and lose their
# core to other jobs: a Nature-CNN train step ran 8x slower (1.0 vs 8.2 steps/s) without this.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import tempfile

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import DQN
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_atari_env, make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack

# RL-Zoo's CartPole-v1 DQN ("Almost Tuned"), hyperparams/dqn.yml of rl-baselines3-zoo.
RL_ZOO_CARTPOLE = dict(
    n_timesteps=50_000, learning_rate=2.3e-3, batch_size=64, buffer_size=100_000,
    learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256,
    gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
    net_arch=[256, 256])


class WindowTimer(BaseCallback):
    """Env steps and seconds from the first step at or past `start_step` to the end of learn()."""

    def __init__(self, start_step: int):
        super().__init__()
        self.start_step = start_step
        self.start = None  # (env steps, monotonic seconds)
        self.end = None

    def _on_step(self) -> bool:
        if self.start is None and self.num_timesteps >= self.start_step:
            self.start = (self.num_timesteps, time.monotonic())
        return True

    def _on_training_end(self) -> None:
        self.end = (self.num_timesteps, time.monotonic())

    def rate(self) -> float:
        if self.start is None or self.end is None or self.end[0] <= self.start[0]:
            raise SystemExit("the run ended before the measured window")
        return (self.end[0] - self.start[0]) / (self.end[1] - self.start[1])


def _cartpole_model(args) -> DQN:
    # TF-Agents' dqn_train_eval settings (as benchmarks.throughput.CARTPOLE gives ours).
    env = make_vec_env("CartPole-v0", n_envs=args.num_envs, seed=args.seed,
                       vec_env_cls=DummyVecEnv)
    return DQN("MlpPolicy", env, learning_rate=1e-3, buffer_size=100_000,
               learning_starts=args.initial_collect_steps, batch_size=64, tau=0.05, gamma=0.99,
               train_freq=1, gradient_steps=args.num_envs, target_update_interval=5,
               exploration_initial_eps=0.1, exploration_final_eps=0.1, max_grad_norm=1e10,
               policy_kwargs=dict(net_arch=[100]), seed=args.seed, device="cpu")


def _breakout_model(args) -> DQN:
    # Mnih et al. 2015 as our Atari preset (benchmarks.throughput.BREAKOUT gives ours).
    import ale_py
    gym.register_envs(ale_py)
    env = VecFrameStack(make_atari_env("BreakoutNoFrameskip-v4", n_envs=args.num_envs,
                                       seed=args.seed, vec_env_cls=DummyVecEnv), n_stack=4)
    return DQN("CnnPolicy", env, learning_rate=2.5e-4, buffer_size=args.replay_capacity,
               learning_starts=args.initial_collect_steps, batch_size=32, gamma=0.99,
               train_freq=1, gradient_steps=1,  # one train step per 4 env steps (4 envs)
               target_update_interval=10_000, exploration_initial_eps=0.1,
               exploration_final_eps=0.1, optimize_memory_usage=True,
               replay_buffer_kwargs=dict(handle_timeout_termination=False),
               policy_kwargs=dict(optimizer_class=torch.optim.RMSprop,
                                  optimizer_kwargs=dict(alpha=0.95, eps=0.01, centered=True)),
               seed=args.seed, device="cpu")


def throughput(args) -> dict:
    model = (_cartpole_model if args.game == "cartpole" else _breakout_model)(args)
    timer = WindowTimer(args.window_start)
    model.learn(total_timesteps=args.num_env_steps, callback=timer)
    return {"library": "sb3", "game": args.game, "env_steps_per_second": round(timer.rate(), 1),
            "window": [timer.start[0], timer.end[0]], "torch_threads": torch.get_num_threads()}


def solve(args) -> dict:
    """RL-Zoo's CartPole-v1 budget, then 100 greedy episodes on fresh environments."""
    zoo = RL_ZOO_CARTPOLE
    env = make_vec_env("CartPole-v1", n_envs=1, seed=args.seed)
    model = DQN("MlpPolicy", env, learning_rate=zoo["learning_rate"],
                batch_size=zoo["batch_size"], buffer_size=zoo["buffer_size"],
                learning_starts=zoo["learning_starts"], gamma=zoo["gamma"],
                target_update_interval=zoo["target_update_interval"],
                train_freq=zoo["train_freq"], gradient_steps=zoo["gradient_steps"],
                exploration_fraction=zoo["exploration_fraction"],
                exploration_final_eps=zoo["exploration_final_eps"],
                policy_kwargs=dict(net_arch=zoo["net_arch"]), seed=args.seed, device="cpu")
    model.learn(total_timesteps=zoo["n_timesteps"])
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "model"))  # a run ends with its policy saved, as ours
    wall = time.monotonic() - STARTED
    eval_seed = 1_000_000 + 1000 * args.seed  # the seeds benchmarks.solve evaluates ours on
    eval_env = DummyVecEnv([lambda: gym.make("CartPole-v1")] * args.episodes)
    eval_env.seed(eval_seed)
    returns, _ = evaluate_policy(model, eval_env, n_eval_episodes=args.episodes,
                                 deterministic=True, return_episode_rewards=True)
    return {"library": "sb3", "seed": args.seed, "wall_seconds": round(wall, 1),
            "env_steps": zoo["n_timesteps"], "mean_return": round(float(np.mean(returns)), 1),
            "min_return": float(np.min(returns)), "episodes": len(returns)}


def replay_bytes(args) -> dict:
    """Bytes per transition of SB3's Atari replay (4-frame stacks, optimize_memory_usage):
    its arrays are allocated whole at construction, so their size is what a full buffer holds."""
    observation_space = gym.spaces.Box(0, 255, (4, 84, 84), np.uint8)
    buffer = ReplayBuffer(args.transitions, observation_space, gym.spaces.Discrete(4),
                          device="cpu", optimize_memory_usage=True,
                          handle_timeout_termination=False)
    arrays = [value for value in vars(buffer).values() if isinstance(value, np.ndarray)]
    total = sum(array.nbytes for array in arrays)
    return {"library": "sb3", "bytes_per_transition": round(total / args.transitions),
            "transitions": args.transitions,
            "extrapolated_1M_GiB": round(total / args.transitions * 1e6 / 2**30, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("throughput")
    run.add_argument("--game", choices=["cartpole", "breakout"], required=True)
    run.add_argument("--num_env_steps", type=int, required=True)
    run.add_argument("--initial_collect_steps", type=int, required=True)
    run.add_argument("--window_start", type=int, required=True,
                     help="env step from which steps/s is measured (after warm-up)")
    run.add_argument("--num_envs", type=int, required=True)
    run.add_argument("--replay_capacity", type=int, default=100_000)
    run.add_argument("--seed", type=int, default=0)
    solve_command = commands.add_parser("solve")
    solve_command.add_argument("--seed", type=int, required=True)
    solve_command.add_argument("--episodes", type=int, default=100)
    replay = commands.add_parser("replay_bytes")
    replay.add_argument("--transitions", type=int, default=100_000)
    args = parser.parse_args()
    result = {"throughput": throughput, "solve": solve, "replay_bytes": replay_bytes}[
        args.command](args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
