"""The benchmark suite against peers: `make bench` (1-2 hours), `make bench ARGS=--quick`.

    .venv/bin/python -m benchmarks.run [--quick] [--only=cartpole_throughput,atari_replay]

Ours runs in this venv; the peers (Stable-Baselines3 with CPU torch, EnvPool) in the bench venv
`.venv-bench` that `make bench` creates, each in its own process. Prints one JSON line per
measurement on stdout (progress on stderr), then the Markdown table, and writes
results.md, results.jsonl and steps_per_second.png into --out_dir.
"""

import os
import shlex
import shutil
import sys
import tempfile
import time

from absl import flags

from benchmarks import processes, report, suite
from pipelines.common import cli

QUICK = flags.DEFINE_bool(
    "quick", False, "The short version (under ~20 min): fewer steps, rounds and seeds."
)
ONLY = flags.DEFINE_list(
    "only", list(suite.MEASUREMENTS), "Measurements to run, of: " + ", ".join(suite.MEASUREMENTS)
)
PEER_PYTHON = flags.DEFINE_string(
    "peer_python",
    os.path.join(processes.PEER_VENV, "bin", "python"),
    "Python of the bench venv (SB3, EnvPool); `make bench` makes it.",
)
OUT_DIR = flags.DEFINE_string(
    "out_dir",
    os.path.join(processes.REPO, "docs", "benchmarks"),
    "Where results.md, results.jsonl and steps_per_second.png go.",
)
PLOT_FILE = "steps_per_second.png"


def check_arguments() -> None:
    """Every refusal before any long work starts."""
    unknown = [name for name in ONLY.value if name not in suite.MEASUREMENTS]
    if unknown:
        raise cli.UserError(
            f"unknown measurement {unknown[0]!r}; choose from {', '.join(suite.MEASUREMENTS)}"
        )
    if not ONLY.value:
        raise cli.UserError("--only names no measurement")
    if not os.access(PEER_PYTHON.value, os.X_OK):
        raise cli.UserError(
            f"no bench venv at {PEER_PYTHON.value}: run `make bench` (it "
            f"creates .venv-bench with SB3, CPU torch and EnvPool)"
        )
    os.makedirs(OUT_DIR.value, exist_ok=True)
    if not os.access(OUT_DIR.value, os.W_OK):
        raise cli.UserError(f"--out_dir {OUT_DIR.value} is not writable")


def write_results(records, command: str, machine_info) -> str:
    """results.jsonl, the plot and results.md (each written whole, then renamed into place)."""
    jsonl = os.path.join(OUT_DIR.value, "results.jsonl")
    report.write_text(
        jsonl,
        "".join(
            report.json_line(r) + "\n" for r in [{"name": "machine", **machine_info}] + records
        ),
    )
    has_plot = report.plot_steps_per_second(records, os.path.join(OUT_DIR.value, PLOT_FILE))
    markdown = report.markdown_report(
        records, command, machine_info, PLOT_FILE if has_plot else None
    )
    report.write_text(os.path.join(OUT_DIR.value, "results.md"), markdown)
    return markdown


def main(_argv) -> None:
    check_arguments()
    budget_name = "quick" if QUICK.value else "full"
    machine_info = {
        **report.machine(),
        "commit": report.commit(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    print(report.json_line({"name": "machine", **machine_info, "budget": budget_name}), flush=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow start-up noise (here, runs)
    work_dir = tempfile.mkdtemp(prefix="bench-")
    context = suite.Context(suite.BUDGETS[budget_name], PEER_PYTHON.value, work_dir)
    records, failed = [], []
    started = time.monotonic()
    try:
        for name in ONLY.value:  # Ctrl-C stops the running process too (same process group)
            try:
                measured = suite.MEASUREMENTS[name](context)
            except processes.BenchmarkError as error:
                failed.append(name)
                print(f"error: {name} failed: {error}", file=sys.stderr, flush=True)
                continue
            for record in measured:
                print(report.json_line(record), flush=True)
            records.extend(measured)
    except KeyboardInterrupt:
        print("\nstopped; nothing was written", file=sys.stderr)
        sys.exit(130)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    machine_info = dict(
        machine_info, budget=budget_name, load_average_end=report.machine()["load_average"]
    )
    command = "make bench" + (" ARGS=--quick" if QUICK.value else "")
    if set(ONLY.value) != set(suite.MEASUREMENTS):
        command = "python -m benchmarks.run " + shlex.join(sys.argv[1:])
    print(write_results(records, command, machine_info))
    print(
        f"{len(records)} measurements in {(time.monotonic() - started) / 60:.1f} min; "
        f"results in {os.path.join(OUT_DIR.value, 'results.md')}",
        file=sys.stderr,
    )
    if failed:
        print(f"error: {len(failed)} measurement(s) failed: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    cli.run(main)
