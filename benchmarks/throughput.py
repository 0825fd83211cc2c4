"""Training throughput: env steps/s with training. DQN: ours vs SB3 vs TF-Agents' example; PPO:
ours vs CleanRL's ppo_atari.py (benchmarks.ppo_peer).

Every library runs the same learning rule (network, batch, env steps per train step, optimizer,
target updates, a fixed epsilon of 0.1) and is measured over the same window of env steps: from
`window_start` (after the random warm-up and the first train steps, which compile or trace the
train function) to the end of the run. Start-up, warm-up and the final save are outside it.

- ours: the real entry point (`python -m pipelines.cartpole_dqn ...`); the window is read from
  the wall times of its TensorBoard summaries (train/ event files).
- SB3: benchmarks/peers/sb3_dqn.py in the bench venv, a callback times the same window.
- TF-Agents: `python -m tf_agents.examples.dqn.dqn_train_eval` (old gym's CartPole-v0, one env,
  its own settings, which CARTPOLE copies); the window is read from its "steps/sec" log lines.
"""

import glob
import os
import re
import tempfile
from typing import Dict, List, Optional, Tuple

from benchmarks import processes

# TF-Agents' dqn_train_eval settings, as --config overrides of our cartpole preset.
CARTPOLE = {
    "env_id": "CartPole-v0",
    "num_parallel_envs": 8,
    "fc_layer_params": "(100,)",
    "batch_size": 64,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "epsilon_start": 0.1,
    "epsilon_end": 0.1,
    "target_update_tau": 0.05,
    "target_update_period": 5,
    "n_step": 1,
    "double_dqn": False,
    "dueling": False,
    "huber_loss": False,
    "gradient_clipping": 0.0,
    "update_period": 1,
    "gamma": 0.99,
    "initial_collect_steps": 1000,
    "replay_capacity": 100_000,
    "summary_interval": 500,
}
# Our Breakout nature2015 preset is Mnih et al. 2015 (Nature CNN, RMSprop, batch 32, a train step
# every 4 env steps), as SB3 is set; a short run needs a smaller warm-up and replay, and epsilon at
# its training value.
BREAKOUT = {
    "num_parallel_envs": 4,
    "initial_collect_steps": 2000,
    "replay_capacity": 20_000,
    "epsilon_start": 0.1,
    "epsilon_end": 0.1,
    "summary_interval": 250,
}
GAMES = {"cartpole": ("cartpole_dqn", CARTPOLE), "breakout": ("breakout_dqn", BREAKOUT)}
# Window start, in env steps after the warm-up: the first train steps trace the train function.
WINDOW_AFTER_WARM_UP = {"cartpole": 1000, "breakout": 500}


def window_start(game: str, initial_collect_steps: Optional[int] = None) -> int:
    """The env step where the measured window begins."""
    if initial_collect_steps is None:
        initial_collect_steps = GAMES[game][1]["initial_collect_steps"]
    return initial_collect_steps + WINDOW_AFTER_WARM_UP[game]


def ours_overrides(game: str, num_env_steps: int, extra: Optional[Dict] = None) -> Dict:
    """The --config overrides of a throughput run: no evaluation, no checkpoint in the window."""
    return dict(
        GAMES[game][1],
        num_env_steps=num_env_steps,
        eval_interval=0,
        checkpoint_replay=False,
        checkpoint_interval=10 * num_env_steps,
        **(extra or {}),
    )


# The preset each game's overrides apply to.
PRESETS = {"cartpole": "fast", "breakout": "nature2015"}


def ours_command(game: str, root_dir: str, overrides: Dict) -> List[str]:
    flags = [
        f"--config.{key}={str(value).lower() if isinstance(value, bool) else value}"
        for key, value in overrides.items()
    ]
    return [
        processes.OURS_PYTHON,
        "-m",
        f"pipelines.{GAMES[game][0]}",
        f"--root_dir={root_dir}",
        f"--preset={PRESETS[game]}",
    ] + flags


def summary_times(log_dir: str) -> List[Tuple[int, float]]:
    """(env step, wall time) of every summary in the event files of log_dir, by step."""
    import tensorflow as tf

    first_time: Dict[int, float] = {}
    for path in sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            if event.summary.value:
                first_time.setdefault(event.step, event.wall_time)
    return sorted(first_time.items())


def rate_in_window(times: List[Tuple[int, float]], start_step: int) -> Tuple[float, int, int]:
    """Env steps/s between the first summary at or after start_step and the last one."""
    inside = [(step, wall) for step, wall in times if step >= start_step]
    if len(inside) < 2 or inside[-1][1] <= inside[0][1]:
        raise processes.BenchmarkError(f"fewer than 2 summaries after env step {start_step}")
    (first_step, first_time), (last_step, last_time) = inside[0], inside[-1]
    return (last_step - first_step) / (last_time - first_time), first_step, last_step


def ours_rate(
    game: str,
    root_dir: str,
    num_env_steps: int,
    extra: Optional[Dict] = None,
    timeout: float = 1800,
) -> Dict:
    """Runs our entry point and measures its training window; returns the rate and window."""
    overrides = ours_overrides(game, num_env_steps, extra)
    processes.run(ours_command(game, root_dir, overrides), timeout)
    start = window_start(game, overrides["initial_collect_steps"])
    rate, first, last = rate_in_window(summary_times(os.path.join(root_dir, "train")), start)
    return {"env_steps_per_second": round(rate, 1), "window": [first, last]}


def sb3_rate(peer_python: str, game: str, num_env_steps: int, timeout: float = 1800) -> Dict:
    overrides = GAMES[game][1]
    command = [
        peer_python,
        "-m",
        "benchmarks.peers.sb3_dqn",
        "throughput",
        f"--game={game}",
        f"--num_env_steps={num_env_steps}",
        f"--initial_collect_steps={overrides['initial_collect_steps']}",
        f"--window_start={window_start(game)}",
        f"--num_envs={overrides['num_parallel_envs']}",
        f"--replay_capacity={overrides['replay_capacity']}",
    ]
    return processes.run_json(command, timeout)


_STEPS_PER_SEC = re.compile(r"Step: (\d+), ([0-9.]+) steps/sec")


def tf_agents_window_rate(log: str, start_train_step: int) -> Tuple[float, int]:
    """Steps/s over the "Step: N, R steps/sec" intervals of TF-Agents' log that begin at or
    after start_train_step (each covers the same number of steps: a harmonic mean)."""
    lines = [(int(step), float(rate)) for step, rate in _STEPS_PER_SEC.findall(log)]
    if len(lines) < 2:
        raise processes.BenchmarkError("TF-Agents' example logged fewer than 2 steps/sec lines")
    interval = lines[1][0] - lines[0][0]
    inside = [rate for step, rate in lines if step - interval >= start_train_step]
    if not inside:
        raise processes.BenchmarkError(f"no steps/sec line after train step {start_train_step}")
    return len(inside) / sum(1.0 / rate for rate in inside), len(inside) * interval


def tf_agents_rate(root_dir: str, num_env_steps: int, timeout: float = 3600) -> Dict:
    """TF-Agents' dqn_train_eval on CartPole-v0: one env step and one train step per iteration,
    after its 1000 random warm-up steps."""
    warm_up = CARTPOLE["initial_collect_steps"]
    command = [
        processes.OURS_PYTHON,
        "-m",
        "tf_agents.examples.dqn.dqn_train_eval",
        f"--root_dir={root_dir}",
        f"--num_iterations={num_env_steps - warm_up}",
        "--eval_interval=0",
        "--gin_bindings=train_eval.policy_save_interval=100000000",
    ]
    done = processes.run(command, timeout)
    rate, steps = tf_agents_window_rate(
        done.stderr + done.stdout, window_start("cartpole") - warm_up
    )
    return {"env_steps_per_second": round(rate, 1), "window_steps": steps}


# Our PPO as CleanRL's script runs: no evaluation, no checkpoint inside the window, a summary at
# every iteration so that the window starts where CleanRL's does.
_PPO_OVERRIDES = {"eval_interval": 0, "summary_interval": 1024}


def ppo_rate(pipeline: str, num_env_steps: int, window_start: int, backend: str, work: str) -> Dict:
    """Our PPO entry point's rate over the window (env steps from window_start to the end), as
    CleanRL's ppo_atari.py runs, with the training games on `backend`."""
    root_dir = os.path.join(work, f"ours-{backend}")
    overrides = dict(
        _PPO_OVERRIDES,
        num_env_steps=num_env_steps,
        checkpoint_interval=10 * num_env_steps,
        env_backend=backend,
    )
    command = [processes.OURS_PYTHON, "-m", f"pipelines.{pipeline}", f"--root_dir={root_dir}"]
    command += [f"--config.{key}={value}" for key, value in overrides.items()]
    processes.run(command, timeout=3600)
    times = summary_times(os.path.join(root_dir, "train"))
    rate, first, last = rate_in_window(times, window_start)
    return {"env_steps_per_second": round(rate, 1), "window": [first, last]}


def cleanrl_ppo_rate(
    pipeline: str, num_env_steps: int, window_start: int, cleanrl_dir: str, work: str
) -> Dict:
    """CleanRL's ppo_atari.py's rate over the same window, on the same game (in the bench venv,
    via benchmarks/peers/cleanrl_ppo.py)."""
    from pipelines import registry

    python = os.path.join(processes.PEER_VENV, "bin", "python")
    env_id = registry.get(pipeline).env_id
    return processes.run_json(
        [
            python,
            "-m",
            "benchmarks.peers.cleanrl_ppo",
            f"--cleanrl_dir={cleanrl_dir}",
            f"--env_id={env_id}",
            f"--num_env_steps={num_env_steps}",
            f"--window_start={window_start}",
            f"--work_dir={os.path.join(work, 'cleanrl')}",
        ],
        timeout=3600,
    )


def ppo_peer_rounds(
    pipeline: str, num_env_steps: int, window_start: int, cleanrl_dir: str, rounds: int
) -> Dict[str, List[float]]:
    """Our PPO on both env backends and CleanRL's, taking turns `rounds` times: each one's rate
    per round."""
    rates = {"ours_ale_vector": [], "ours_python": [], "cleanrl": []}
    run = (pipeline, num_env_steps, window_start)
    with tempfile.TemporaryDirectory() as work:
        for round_index in range(rounds):
            # A folder per round: on the same root_dir, a later round would resume the finished
            # run and measure nothing new.
            round_dir = os.path.join(work, f"round{round_index}")
            for backend in ("ale_vector", "python"):
                measured = ppo_rate(*run, backend, os.path.join(round_dir, "ours"))
                rates[f"ours_{backend}"].append(measured["env_steps_per_second"])
            measured = cleanrl_ppo_rate(*run, cleanrl_dir, round_dir)
            rates["cleanrl"].append(measured["env_steps_per_second"])
    return rates
