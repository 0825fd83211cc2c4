"""The ceiling training puts on a DQN preset's speed: compiled train steps per second alone.

    python -m benchmarks.train_step --pipeline=breakout_dqn --preset=fast --seconds=30
    python -m benchmarks.train_step --pipeline=breakout_dqn --preset=fast \
        --config.space_to_depth=true --baseline=fast --seconds=15

Builds the preset's real agent (network, optimizer, loss) and times its tf.function-compiled
train step on one fixed batch of random experience: no environment, no replay sampling. A run
does one train step every `update_period` env steps, so `update_period` times this rate bounds
the run's env steps/s on this machine, whatever collection costs. Prints one JSON line.

--preset and --config.<field>=value choose the measured config as they do for the entry point.
--baseline=NAME also builds that preset of the same pipeline, as it stands (no overrides), and
times the two in alternating rounds, so a load that drifts during the run (another process on
the same cores) hits both alike: only their ratio is comparable between runs. bfloat16 against
float32, side by side:

    python -m benchmarks.train_step --pipeline=pong_dqn --config.compute_dtype=bfloat16 \
        --baseline=fast --seconds=60

Each config's figures include the floating-point operations of one train step (TensorFlow's
profiler, over the compiled step's graph: forward, backward and the target network's pass) and
the share of the CPU's peak they reach. The peak assumed is the float32 FMA peak: cores x clock
(/proc/cpuinfo's "cpu MHz") x FLOPs per cycle per core, 32 with AVX2 and FMA (two 8-lane FMA
pipes, as on AMD EPYC and Intel Xeon without AVX-512) or 64 with AVX-512 (two 16-lane pipes),
except on AMD's Zen 4 (family 25), which runs AVX-512 on its two 256-bit pipes: 32.
Native bfloat16 (AVX512_BF16) doubles that peak for bfloat16 products; the share is given
against float32's either way.
"""

import json
import sys
import time

from absl import flags

from pipelines.common import cli, config_flag
from pipelines.dqn import config as dqn_config
from pipelines.dqn import networks
from pipelines.dqn import presets as dqn_presets

PIPELINES = ("breakout_dqn", "pong_dqn", "spaceinvaders_dqn", "cartpole_dqn", "lunarlander_dqn")
PIPELINE = flags.DEFINE_enum(
    "pipeline", PIPELINES[0], PIPELINES, "Which DQN entry point's presets."
)
BASELINE = flags.DEFINE_string(
    "baseline",
    "",
    "A preset of the same pipeline to time against, "
    "in alternating rounds; the JSON line then has the ratio.",
)
SECONDS = flags.DEFINE_float(
    "seconds", 30.0, "Measured seconds per config, after 20 warm-up steps each."
)
OUT = flags.DEFINE_string(
    "out", "", "Also append the JSON line, with the CPU and the commit, to this file."
)
ROUNDS = flags.DEFINE_integer(
    "rounds",
    6,
    "With --baseline: the measured seconds are split into "
    "this many rounds, each timing the config then the baseline.",
    lower_bound=1,
)


# An unknown --pipeline falls back to the default here, until absl refuses it.
_CHOSEN = config_flag.flag_in_argv(sys.argv[1:], "pipeline", PIPELINES[0])
CONFIG = config_flag.define_config(
    dqn_presets.presets(_CHOSEN if _CHOSEN in PIPELINES else PIPELINES[0])
)


def _random_batch(spec, batch_size: int, steps: int):
    """A batch of `steps`-long random trajectories matching `spec`: random observations and
    actions, mid-episode steps, rewards and float observations in [-1, 1] (samples of an
    unbounded spec overflow the loss)."""
    import tensorflow as tf
    from tf_agents.specs import tensor_spec

    batch = tensor_spec.sample_spec_nest(spec, outer_dims=(batch_size, steps))
    observation = batch.observation
    if observation.dtype.is_floating:
        observation = tf.random.uniform(observation.shape, -1.0, 1.0, observation.dtype)
    mid = tf.ones_like(batch.step_type)  # StepType.MID
    return batch._replace(
        observation=observation,
        step_type=mid,
        next_step_type=mid,
        reward=tf.random.uniform(batch.reward.shape, -1.0, 1.0),
        discount=tf.ones_like(batch.discount),
    )


class _TrainStep:
    """A config's agent and its compiled train step on a fixed batch; counts timed steps."""

    def __init__(self, config: dqn_config.DqnConfig):
        import tensorflow as tf
        from tf_agents.utils import common

        from pipelines.common import environments
        from pipelines.dqn.agent import build_agent

        self.config = config
        environment = environments.make_environments(config, 1, config.seed, training=True)[0]
        agent, _ = build_agent(
            config,
            environment.time_step_spec(),
            environment.action_spec(),
            tf.Variable(0, dtype=tf.int64),
            tf.Variable(0, dtype=tf.int64),
        )
        self._experience = _random_batch(
            agent.collect_data_spec, config.batch_size, config.n_step + 1
        )
        self._train = common.function(agent.train)
        self.flops = _flops(self._train.get_concrete_function(self._experience).graph)
        self.steps, self.seconds = 0, 0.0
        for _ in range(20):  # traces and compiles
            self._train(self._experience)

    def run(self, seconds: float) -> float:
        """Trains for `seconds`; returns this stretch's train steps per second."""
        steps, started = 0, time.monotonic()
        while time.monotonic() - started < seconds:
            self._train(self._experience).loss.numpy()  # waits for the step
            steps += 1
        elapsed = time.monotonic() - started
        self.steps, self.seconds = self.steps + steps, self.seconds + elapsed
        return steps / elapsed

    def figures(self) -> dict:
        config, per_second = self.config, self.steps / self.seconds
        peak, basis = peak_gflops()
        achieved = per_second * self.flops / 1e9
        return {
            "preset": config.preset,
            "train_steps_per_second": round(per_second, 1),
            "env_steps_per_second_ceiling": round(per_second * config.update_period, 1),
            "gflop_per_train_step": round(self.flops / 1e9, 3),
            "gflops": round(achieved, 1),
            "share_of_peak": round(achieved / peak, 3) if peak else None,
            "peak_gflops_assumed": round(peak, 1) if peak else None,
            "peak_basis": basis,
            "compute_dtype": networks.resolve_compute_dtype(config.compute_dtype),
            "optimizer": config.optimizer,
            "double_dqn": config.double_dqn,
            "n_step": config.n_step,
            "batch_size": config.batch_size,
            "update_period": config.update_period,
            "space_to_depth": config.space_to_depth,
            "steps": self.steps,
        }


def _flops(graph) -> int:
    """Floating-point operations of one run of `graph`, by TensorFlow's profiler."""
    from tensorflow.python.profiler import model_analyzer, option_builder

    options = option_builder.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(model_analyzer.profile(graph, options=options).total_float_ops)


def peak_gflops():
    """(The CPU's float32 FMA peak in GFLOP/s, how it was worked out); (None, why) when
    /proc/cpuinfo does not say enough."""
    import os

    mhz, flags, vendor, family = None, set(), None, None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "cpu MHz" and mhz is None:
                    mhz = float(value)
                elif key == "flags" and not flags:
                    flags = set(value.split())
                elif key == "vendor_id" and vendor is None:
                    vendor = value.strip()
                elif key == "cpu family" and family is None:
                    family = int(value)
    except (OSError, ValueError):
        pass
    cores = len(os.sched_getaffinity(0))
    if not mhz:
        return None, "unknown: /proc/cpuinfo gives no clock"
    if "avx512f" in flags and vendor == "AuthenticAMD" and family == 25:
        per_cycle, why = 32, "Zen 4 AVX-512: 16-lane FMAs on two 8-lane pipes"
    elif "avx512f" in flags:
        per_cycle, why = 64, "AVX-512: two 16-lane FMA pipes"
    elif "fma" in flags and "avx2" in flags:
        per_cycle, why = 32, "AVX2+FMA: two 8-lane FMA pipes"
    else:
        per_cycle, why = 8, "SSE: two 4-lane pipes, no FMA"
    peak = cores * mhz / 1000 * per_cycle
    return peak, f"{cores} cores x {mhz / 1000:.2f} GHz x {per_cycle} FLOP/cycle ({why})"


def main(_):
    from ml_collections import config_flags

    pipeline, table = PIPELINE.value, dqn_presets.presets(PIPELINE.value)
    if BASELINE.value and BASELINE.value not in table:
        raise cli.UserError(
            f"unknown --baseline '{BASELINE.value}' for {pipeline}; choose from {', '.join(table)}"
        )
    try:
        config = CONFIG.value
        dqn_config.validate(config)
    except ValueError as error:
        raise cli.UserError(str(error))
    measured = _TrainStep(config)
    if not BASELINE.value:
        measured.run(SECONDS.value)
        record = {"name": f"train_step_{pipeline}", "pipeline": pipeline, **measured.figures()}
    else:
        baseline = _TrainStep(config_flag.choose_preset(table, BASELINE.value))
        round_ratios = []
        for _ in range(ROUNDS.value):
            rate = measured.run(SECONDS.value / ROUNDS.value)
            round_ratios.append(round(rate / baseline.run(SECONDS.value / ROUNDS.value), 3))
        ratio = (measured.steps / measured.seconds) / (baseline.steps / baseline.seconds)
        record = {
            "name": f"train_step_{pipeline}",
            "pipeline": pipeline,
            **measured.figures(),
            "baseline": baseline.figures(),
            "ratio": round(ratio, 3),
            "round_ratios": round_ratios,
        }
    record["overrides"] = config_flags.get_override_values(flags.FLAGS["config"])
    if OUT.value:
        from benchmarks import report

        machine = report.machine()
        record.update(
            cpu=machine["cpu"],
            cpu_features=machine["cpu_features"],
            cores=machine["cores"],
            commit=report.commit(),
        )
        with open(OUT.value, "a") as f:
            f.write(json.dumps(record) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    cli.run(main)
