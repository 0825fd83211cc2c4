"""Measurements as records: one JSON line each, a Markdown table, a bar plot, the machine."""

import json
import os
import platform
from typing import Dict, Iterable, List, Optional

# Fields every measurement has; anything else in a record is a setting of the run.
FIELDS = ("name", "ours", "peer", "peer_name", "ratio", "unit", "better")


def measurement(
    name: str,
    ours: Optional[float],
    peer: Optional[float],
    peer_name: str,
    unit: str,
    better: str = "higher",
    **settings,
) -> Dict:
    """One comparison: ratio is ours / peer, whichever way is better (`better`); a side with no
    figure (None: e.g. never solved) has no ratio."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    ratio = round(ours / peer, 2) if ours is not None and peer else None
    return {
        "name": name,
        "ours": ours,
        "peer": peer,
        "peer_name": peer_name,
        "ratio": ratio,
        "unit": unit,
        "better": better,
        **settings,
    }


def json_line(record: Dict) -> str:
    """The record as one JSON line (no newlines inside)."""
    return json.dumps(record, separators=(", ", ": "))


def json_lines(text: str) -> List[Dict]:
    """Every line of `text` that parses as a JSON object, in order."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def last_json_line(text: str) -> Dict:
    """The last JSON object line of `text` (what a benchmark process prints last)."""
    records = json_lines(text)
    if not records:
        raise ValueError("no JSON line in the output")
    return records[-1]


def settings_of(record: Dict) -> Dict:
    return {key: value for key, value in record.items() if key not in FIELDS}


def _number(value) -> str:
    if value is None:
        return "–"
    if abs(value) < 100 and not float(value).is_integer():
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _ratio(record: Dict) -> str:
    if record["ratio"] is None:
        return "–"
    arrow = "↑" if record["better"] == "higher" else "↓"
    return f"{record['ratio']:.2f} ({arrow} better)"


def markdown_table(records: Iterable[Dict]) -> str:
    """One row per measurement: ours, the peer, ours/peer, unit and the run's settings."""
    lines = [
        "| measurement | ours | peer | ours / peer | unit | settings |",
        "| --- | ---: | --- | --- | --- | --- |",
    ]
    for record in records:
        settings = "; ".join(f"{key}={value}" for key, value in settings_of(record).items())
        lines.append(
            f"| {record['name']} | {_number(record['ours'])} | "
            f"{record['peer_name']}: {_number(record['peer'])} | {_ratio(record)} | "
            f"{record['unit']} | {settings} |"
        )
    return "\n".join(lines)


def commit() -> str:
    """The repository's commit (short hash), '+' appended when the work tree has changes to
    tracked files; 'unknown' outside a git checkout."""
    import subprocess

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if changed else "")


# The vector-unit flags that set a CPU's arithmetic speed (lscpu's names).
NOTABLE_CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16")


def cpu_features() -> List[str]:
    """Which of NOTABLE_CPU_FLAGS this CPU has: two CPUs of one model name can differ in them."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((set(line.split()) for line in f if line.startswith("flags")), set())
    except OSError:
        return []
    return [flag for flag in NOTABLE_CPU_FLAGS if flag in flags]


def cpu_label(record: Dict) -> str:
    """A record's CPU as the pages name it: model, vector units where recorded, cores."""
    features = record.get("cpu_features")
    units = ""
    if features is not None:
        if "avx512_bf16" in features or "amx_bf16" in features:
            units = ", AVX-512 + BF16"
        elif "avx512f" in features:
            units = ", AVX-512"
        elif "avx2" in features:
            units = ", AVX2"
    return f"{record['cpu']}{units} ({record['cores']})"


def machine() -> Dict:
    """CPU model and core count from /proc/cpuinfo, the OS, Python, and the 1-minute load
    average now (other jobs on a shared machine: absolute figures drift with it)."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpu_features": cpu_features(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": round(os.getloadavg()[0], 1),
    }


def markdown_report(
    records: List[Dict], command: str, machine_info: Dict, plot_file: Optional[str]
) -> str:
    """results.md: the command, the machine, the table and the plot."""
    parts = [
        f"Command: `{command}`",
        "",
        f"Machine: {machine_info['cpu']}, {machine_info['cores']} cores, "
        f"{machine_info['system']}, Python {machine_info['python']}; 1-minute load "
        f"average {machine_info['load_average']} at the start, "
        f"{machine_info.get('load_average_end', '?')} at the end",
        "",
        f"Made at commit {machine_info.get('commit', 'not recorded')} on "
        f"{machine_info.get('date', 'a date not recorded')}",
        "",
        markdown_table(records),
    ]
    if plot_file:
        parts += ["", f"![env steps per second per library]({plot_file})"]
    return "\n".join(parts) + "\n"


def write_text(path: str, text: str) -> None:
    """Writes `text` to a temporary file beside `path`, then renames it into place."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def plot_steps_per_second(records: Iterable[Dict], path: str) -> bool:
    """Bar charts of every 'env steps/s' measurement: one panel per measurement (its own scale),
    one bar per library, ours first. Returns False (and writes nothing) when there is none."""
    groups: Dict[str, List] = {}
    for record in records:
        if record["unit"] == "env steps/s" and None not in (record["ours"], record["peer"]):
            bars = groups.setdefault(record["name"], [("ours", record["ours"])])
            bars.append((record["peer_name"], record["peer"]))
    if not groups:
        return False
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    heights = [len(bars) for bars in groups.values()]
    figure, panels = plt.subplots(
        len(groups),
        1,
        squeeze=False,
        figsize=(7, 0.45 * sum(heights) + 0.9 * len(groups)),
        gridspec_kw={"height_ratios": heights},
    )
    for axes, (name, bars) in zip(panels[:, 0], groups.items()):
        labels, values = [label for label, _ in bars], [value for _, value in bars]
        colors = ["tab:blue"] + ["tab:gray"] * (len(bars) - 1)
        axes.barh(labels, values, color=colors)
        for position, value in enumerate(values):
            axes.text(value, position, f" {value:,.0f}", va="center", fontsize=8)
        axes.invert_yaxis()
        axes.set_xlim(0, max(values) * 1.2)
        axes.set_title(name, fontsize=9, loc="left")
        axes.tick_params(labelsize=8)
    panels[-1, 0].set_xlabel("env steps per second (higher is better)")
    figure.tight_layout()
    temporary = path + ".tmp.png"
    figure.savefig(temporary, dpi=110)
    plt.close(figure)
    os.replace(temporary, path)
    return True
