"""The measurements of the suite, each ours against a peer, runs interleaved (ours, peer, ours,
peer, ...) so that both see the same machine load; the median of each side is compared."""

import dataclasses
import math
import os
import statistics
import sys
from typing import Callable, Dict, List, Optional, Tuple

from benchmarks import processes, report, throughput

SOLVED_RETURN = 475.0  # CartPole-v1 is solved at a mean of 475 over 100 episodes


@dataclasses.dataclass(frozen=True)
class Budget:
    """How long each measurement runs; `quick` is a real but short version of `full`."""

    rounds: int  # interleaved repetitions of the CartPole and collection runs
    breakout_rounds: int
    cartpole_env_steps: int
    breakout_env_steps: int
    collection_seconds: float
    replay_transitions: int
    solve_seeds: Tuple[int, ...]


BUDGETS = {
    "full": Budget(
        rounds=3,
        breakout_rounds=3,
        cartpole_env_steps=20_000,
        breakout_env_steps=12_000,
        collection_seconds=20,
        replay_transitions=100_000,
        solve_seeds=(0, 1, 2, 3, 4),
    ),
    "quick": Budget(
        rounds=2,
        breakout_rounds=1,
        cartpole_env_steps=5_000,
        breakout_env_steps=4_000,
        collection_seconds=5,
        replay_transitions=10_000,
        solve_seeds=(0,),
    ),
}


@dataclasses.dataclass
class Context:
    budget: Budget
    peer_python: str
    work_dir: str
    say: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)

    def path(self, name: str) -> str:
        return os.path.join(self.work_dir, name)


def _median(runs: List[Dict], key: str = "env_steps_per_second") -> float:
    return round(statistics.median(run[key] for run in runs), 1)


def cartpole_throughput(context: Context) -> List[Dict]:
    """Ours vs SB3 vs TF-Agents' dqn_train_eval, CartPole-v0, its settings (see throughput)."""
    budget, steps = context.budget, context.budget.cartpole_env_steps
    ours, sb3, tf_agents = [], [], []
    for round_ in range(budget.rounds):
        context.say(f"cartpole throughput, round {round_ + 1}/{budget.rounds}: ours")
        ours.append(
            throughput.ours_rate("cartpole", context.path(f"cartpole-ours-{round_}"), steps)
        )
        context.say(f"cartpole throughput, round {round_ + 1}/{budget.rounds}: sb3")
        sb3.append(throughput.sb3_rate(context.peer_python, "cartpole", steps))
        context.say(f"cartpole throughput, round {round_ + 1}/{budget.rounds}: tf_agents")
        tf_agents.append(throughput.tf_agents_rate(context.path(f"cartpole-tfa-{round_}"), steps))
    settings = dict(
        env_id="CartPole-v0",
        env_steps=steps,
        measured_from_env_step=throughput.window_start("cartpole"),
        rounds=budget.rounds,
        network="MLP (100,)",
        batch_size=64,
        train_steps_per_env_step=1,
    )
    return [
        report.measurement(
            "dqn_training_cartpole",
            _median(ours),
            _median(sb3),
            "sb3",
            "env steps/s",
            envs="8 (both)",
            loss="squared (ours), Huber (SB3)",
            **settings,
            ours_runs=[r["env_steps_per_second"] for r in ours],
            peer_runs=[r["env_steps_per_second"] for r in sb3],
        ),
        report.measurement(
            "dqn_training_cartpole",
            _median(ours),
            _median(tf_agents),
            "tf_agents_example",
            "env steps/s",
            envs="8 (ours), 1 (example)",
            **settings,
            ours_runs=[r["env_steps_per_second"] for r in ours],
            peer_runs=[r["env_steps_per_second"] for r in tf_agents],
        ),
    ]


def breakout_throughput(context: Context) -> List[Dict]:
    """Ours vs SB3 on Breakout, Mnih et al. settings (Nature CNN, batch 32, train every 4)."""
    budget, steps = context.budget, context.budget.breakout_env_steps
    ours, ours_vector, sb3 = [], [], []
    for round_ in range(budget.breakout_rounds):
        context.say(f"breakout throughput, round {round_ + 1}/{budget.breakout_rounds}: ours")
        ours.append(
            throughput.ours_rate("breakout", context.path(f"breakout-ours-{round_}"), steps)
        )
        context.say(
            f"breakout throughput, round {round_ + 1}/{budget.breakout_rounds}: ours "
            "with env_backend=ale_vector"
        )
        ours_vector.append(
            throughput.ours_rate(
                "breakout",
                context.path(f"breakout-ours-vector-{round_}"),
                steps,
                {"env_backend": "ale_vector"},
            )
        )
        context.say(f"breakout throughput, round {round_ + 1}/{budget.breakout_rounds}: sb3")
        sb3.append(throughput.sb3_rate(context.peer_python, "breakout", steps))
    settings = dict(
        env_id="BreakoutNoFrameskip-v4",
        env_steps=steps,
        measured_from_env_step=throughput.window_start("breakout"),
        rounds=budget.breakout_rounds,
        network="Nature CNN",
        batch_size=32,
        env_steps_per_train_step=4,
        envs="4 (both)",
        peer_runs=[r["env_steps_per_second"] for r in sb3],
    )
    return [
        report.measurement(
            "dqn_training_breakout",
            _median(ours),
            _median(sb3),
            "sb3",
            "env steps/s",
            ours_runs=[r["env_steps_per_second"] for r in ours],
            **settings,
        ),
        report.measurement(
            "dqn_training_breakout_ale_vector",
            _median(ours_vector),
            _median(sb3),
            "sb3",
            "env steps/s",
            env_backend="ale_vector",
            ours_runs=[r["env_steps_per_second"] for r in ours_vector],
            **settings,
        ),
    ]


def atari_collection(context: Context) -> List[Dict]:
    """Agent steps/s of Breakout collection: ours (envs + policy; envs.load and envs.load_vector)
    vs EnvPool and raw ALE."""
    budget, seconds = context.budget, context.budget.collection_seconds
    ours, ours_vector, envpool, ale = [], [], [], []
    for round_ in range(budget.rounds):
        context.say(
            f"atari collection, round {round_ + 1}/{budget.rounds}: ours, ours_vector, envpool, ale"
        )
        ours.append(
            processes.run_json(
                [
                    processes.OURS_PYTHON,
                    "-m",
                    "benchmarks.collection",
                    "--backend=ours",
                    "--num_envs=4",
                    f"--seconds={seconds}",
                ],
                timeout=300,
            )
        )
        ours_vector.append(
            processes.run_json(
                [
                    processes.OURS_PYTHON,
                    "-m",
                    "benchmarks.collection",
                    "--backend=ours_vector",
                    "--num_envs=4",
                    f"--seconds={seconds}",
                ],
                timeout=300,
            )
        )
        envpool.append(
            processes.run_json(
                [
                    context.peer_python,
                    "-m",
                    "benchmarks.peers.envpool_collection",
                    "--num_envs=4",
                    f"--seconds={seconds}",
                ],
                timeout=300,
            )
        )
        ale.append(
            processes.run_json(
                [
                    processes.OURS_PYTHON,
                    "-m",
                    "benchmarks.collection",
                    "--backend=ale",
                    f"--seconds={seconds}",
                ],
                timeout=300,
            )
        )
    settings = dict(
        env_id="Breakout",
        frame_skip=4,
        policy="uniform random",
        seconds=seconds,
        rounds=budget.rounds,
    )
    return [
        report.measurement(
            "atari_collection",
            _median(ours),
            _median(envpool),
            "envpool",
            "env steps/s",
            envs="4 (both; ours in one thread, EnvPool on its own threads)",
            **settings,
            ours_runs=[r["env_steps_per_second"] for r in ours],
            peer_runs=[r["env_steps_per_second"] for r in envpool],
        ),
        report.measurement(
            "atari_collection",
            _median(ours),
            _median(ale),
            "raw_ale",
            "env steps/s",
            envs="4 (ours), 1 (ALE, no preprocessing)",
            **settings,
            ours_runs=[r["env_steps_per_second"] for r in ours],
            peer_runs=[r["env_steps_per_second"] for r in ale],
        ),
        report.measurement(
            "atari_collection_ale_vector",
            _median(ours_vector),
            _median(envpool),
            "envpool",
            "env steps/s",
            envs="4 (both; ours: envs.load_vector, ALE's C++ threads)",
            **settings,
            ours_runs=[r["env_steps_per_second"] for r in ours_vector],
            peer_runs=[r["env_steps_per_second"] for r in envpool],
        ),
        report.measurement(
            "atari_collection_ale_vector",
            _median(ours_vector),
            _median(ale),
            "raw_ale",
            "env steps/s",
            envs="4 (ours: envs.load_vector), 1 (ALE, no preprocessing)",
            **settings,
            ours_runs=[r["env_steps_per_second"] for r in ours_vector],
            peer_runs=[r["env_steps_per_second"] for r in ale],
        ),
    ]


def atari_replay(context: Context) -> List[Dict]:
    """Bytes per stored Breakout transition: ours vs TF-Agents' layout (both measured as
    resident memory growth) and vs SB3's buffer (its preallocated arrays)."""
    transitions = context.budget.replay_transitions
    context.say(f"atari replay memory: ours, {transitions:,} transitions")
    ours = processes.run_json(
        [
            processes.OURS_PYTHON,
            "-m",
            "benchmarks.replay_memory",
            f"--transitions={transitions}",
            "--layout=ours",
        ],
        timeout=3600,
    )
    context.say(f"atari replay memory: TF-Agents' layout, {transitions:,} transitions")
    tf_agents = processes.run_json(
        [
            processes.OURS_PYTHON,
            "-m",
            "benchmarks.replay_memory",
            f"--transitions={transitions}",
            "--layout=tf_agents",
        ],
        timeout=3600,
    )
    sb3 = processes.run_json(
        [
            context.peer_python,
            "-m",
            "benchmarks.peers.sb3_dqn",
            "replay_bytes",
            f"--transitions={transitions}",
        ],
        timeout=300,
    )
    records = []
    for peer, name in ((tf_agents, "tf_agents_observer"), (sb3, "sb3_optimize_memory")):
        records.append(
            report.measurement(
                "atari_replay_bytes_per_transition",
                ours["bytes_per_transition"],
                peer["bytes_per_transition"],
                name,
                "bytes",
                better="lower",
                transitions=ours["transitions"],
                ours_1M_GiB=ours["extrapolated_1M_GiB"],
                peer_1M_GiB=peer["extrapolated_1M_GiB"],
                method=(
                    "resident memory growth (both)"
                    if peer is tf_agents
                    else "ours: resident memory growth; SB3: its allocated arrays"
                ),
            )
        )
    return records


def cartpole_solve(context: Context) -> List[Dict]:
    """Wall time to a trained CartPole-v1 policy, greedy mean over 100 episodes: our default
    preset (benchmarks.solve) vs SB3 with RL-Zoo's hyperparameters, seed by seed."""
    ours, sb3 = [], []
    for seed in context.budget.solve_seeds:
        context.say(f"cartpole solve, seed {seed}: ours")
        done = processes.run(
            [
                processes.OURS_PYTHON,
                "-m",
                "benchmarks.solve",
                "--pipeline=cartpole_dqn",
                f"--seeds={seed}",
                f"--work_dir={context.path('solve')}",
            ],
            timeout=3600,
        )
        ours.append(next(r for r in report.json_lines(done.stdout) if "seed" in r))
        context.say(f"cartpole solve, seed {seed}: sb3 (RL-Zoo hyperparameters)")
        sb3.append(
            processes.run_json(
                [context.peer_python, "-m", "benchmarks.peers.sb3_dqn", "solve", f"--seed={seed}"],
                timeout=3600,
            )
        )
    records = []
    for statistic, pick in (("median", statistics.median), ("worst", max)):
        records.append(
            report.measurement(
                f"cartpole_solve_{statistic}_seconds",
                solve_seconds(ours, pick),
                solve_seconds(sb3, pick),
                "sb3_rl_zoo",
                "s",
                better="lower",
                seeds=list(context.budget.solve_seeds),
                ours_solved=f"{sum(r['mean_return'] >= SOLVED_RETURN for r in ours)}/{len(ours)}",
                peer_solved=f"{sum(r['mean_return'] >= SOLVED_RETURN for r in sb3)}/{len(sb3)}",
                ours_returns=[r["mean_return"] for r in ours],
                peer_returns=[r["mean_return"] for r in sb3],
                ours_wall_seconds=[r["wall_seconds"] for r in ours],
                peer_wall_seconds=[r["wall_seconds"] for r in sb3],
                ours_env_steps=ours[0]["env_steps"],
                peer_env_steps=sb3[0]["env_steps"],
            )
        )
    return records


def solve_seconds(runs: List[Dict], pick: Callable) -> Optional[float]:
    """`pick` (median, max) of the seeds' wall times, an unsolved seed counting as never
    solved: None when the picked seed did not solve."""
    seconds = [
        run["wall_seconds"] if run["mean_return"] >= SOLVED_RETURN else math.inf for run in runs
    ]
    picked = pick(seconds)
    return None if math.isinf(picked) else round(picked, 1)


MEASUREMENTS = {
    "cartpole_throughput": cartpole_throughput,
    "breakout_throughput": breakout_throughput,
    "atari_collection": atari_collection,
    "atari_replay": atari_replay,
    "cartpole_solve": cartpole_solve,
}
