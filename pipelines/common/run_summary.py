"""root_dir/summary.json, the same keys for every pipeline, and the run's last line."""

import json
import os
from typing import Dict, Optional

from pipelines.common import run_dir


def write(
    run: run_dir.RunDir,
    config,
    env_steps: int,
    train_steps: int,
    wall_seconds: float,
    resumed_from: int,
    final_eval: Optional[Dict],
    policy_dir: str,
    **extra,
) -> Dict:
    """Writes summary.json atomically (extra keys after the common ones), prints
    `done: ...` and returns the summary."""
    summary = {
        "config_name": config.name,
        "preset": config.preset,
        "env_steps": env_steps,
        "train_steps": train_steps,
        "wall_seconds": round(wall_seconds, 1),
        "env_steps_per_second": round((env_steps - resumed_from) / wall_seconds, 1),
        "final_eval": (
            {key: final_eval[key] for key in ("mean", "std", "episodes")} if final_eval else None
        ),
        "resumed_from_env_step": resumed_from,
        **extra,
    }
    run_dir.write_json_atomically(run.join("summary.json"), summary)
    collectors = summary.get("env_steps_per_collector")
    source = f" from {len(collectors)} collectors" if collectors is not None else ""
    final = format(final_eval["mean"], ".1f") if final_eval else "off"
    print(
        f"done: {env_steps:,} env steps{source}, {train_steps:,} train steps, "
        f"{summary['env_steps_per_second']:,.0f} env steps/s; final eval {final}; "
        f"policy in {run.join(policy_dir)}",
        flush=True,
    )
    return summary


def already_finished(
    run: run_dir.RunDir, env_step: int, num_env_steps: int, stopped_by_rule: bool = False
) -> Optional[Dict]:
    """summary.json of a run that finished at the restored env step and has nothing left to
    train, after saying so; None when there is training to do or the run was stopped before its
    end (a smaller budget then ends it with a final evaluation and export). Its summary.json is
    left as it was."""
    if env_step < num_env_steps and not stopped_by_rule:
        return None
    try:
        with open(run.join("summary.json")) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("env_steps") != env_step:
        return None
    final = summary.get("final_eval") or {}
    score = format(final["mean"], ".1f") if "mean" in final else "off"
    # A run its stop rule ended stays ended, whatever the budget: only a new run trains further.
    further = (
        "it met its stop rule: train a new --root_dir to go further"
        if stopped_by_rule
        else "raise --config.num_env_steps to train on"
    )
    print(
        f"done: this run finished at {env_step:,} env steps (final eval {score}), as "
        f"{os.path.join(run.path, 'summary.json')} says; nothing to train: {further}",
        flush=True,
    )
    return summary
