"""root_dir/summary.json, the same keys for every pipeline, and the run's last line."""
from typing import Dict, Optional

from pipelines.common import run_dir


def write(run: run_dir.RunDir, config, env_steps: int, train_steps: int,
          wall_seconds: float, resumed_from: int, final_eval: Optional[Dict],
          policy_dir: str, **extra) -> Dict:
    """Writes summary.json atomically (extra keys after the common ones), prints
    `done: ...` and returns the summary."""
    summary = {
        "config_name": config.name,
        "preset": config.preset,
        "env_steps": env_steps,
        "train_steps": train_steps,
        "wall_seconds": round(wall_seconds, 1),
        "env_steps_per_second": round((env_steps - resumed_from) / wall_seconds, 1),
        "final_eval": ({key: final_eval[key] for key in ("mean", "std", "episodes")}
                       if final_eval else None),
        "resumed_from_env_step": resumed_from,
        **extra,
    }
    run_dir.write_json_atomically(run.join("summary.json"), summary)
    collectors = summary.get("env_steps_per_collector")
    source = f" from {len(collectors)} collectors" if collectors is not None else ""
    final = format(final_eval["mean"], ".1f") if final_eval else "off"
    print(f"done: {env_steps:,} env steps{source}, {train_steps:,} train steps, "
          f"{summary['env_steps_per_second']:,.0f} env steps/s; final eval {final}; "
          f"policy in {run.join(policy_dir)}", flush=True)
    return summary
