"""docs/reliability.md from the fault suite's records (benchmarks/faults_results.jsonl). No flags:
tests import it, and benchmarks.faults writes the page with it."""

from typing import Dict, List

INTRO = """\
# Reliability

What a run does when its files are damaged, the disk fills, a value is wrong, an output path
cannot be written, or any of its processes is killed with `kill -9`. Each case is tried for
real on a tiny CartPole DQN run (the soaks on CartPole and Breakout), through the entry points
as a user runs them, by the fault suite:

```sh
python -m benchmarks.faults                  # every case, 5 kills per kind, 30-minute soaks
python -m benchmarks.faults --only=disk_full  # one case (the disk cases need root: a tmpfs)
```

A case is **recovered** when the same command (or the corrected one) goes on to the run's budget
from its newest intact checkpoint and writes a new export (newer than the fault) that plays a
game; **refused** when the command prints one `error:` line, exits non-zero and leaves the run's
checkpoints, replay, export, `config.json` and `summary.json` as they were. **Lost** means
something of the previous run was lost: a resume from an older checkpoint than the newest
intact one, or a refused command that changed the run. **Crashed** means a traceback, a C++
check failure or abort, or a process dead of a signal other than the suite's own `kill -9`, in
the output of any process of the case, the killed ones included. This page is made from
`benchmarks/faults_results.jsonl`, the suite's output.
"""


def latest_run(records: List[Dict]) -> List[Dict]:
    """Each case's newest record."""
    latest: Dict[str, Dict] = {}
    for record in records:
        if "case" in record:
            latest[record["case"]] = record
    return list(latest.values())


def _tally(records: List[Dict]) -> str:
    outcome = [r["outcome"] for r in records]
    rows = [
        ("cases tried", len(records)),
        ("recovered", outcome.count("recovered")),
        ("clean refusals", outcome.count("refused")),
        ("crashes (goal 0)", sum(bool(_crash_of(r)) for r in records)),
        ("silent losses (goal 0)", sum(bool(r["lost"]) for r in records)),
        ("not the expected outcome (goal 0)", sum(not r["as_expected"] for r in records)),
    ]
    return "\n".join(["| | cases |", "| --- | --- |"] + [f"| {a} | {b} |" for a, b in rows])


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(records: List[Dict]) -> str:
    lines = [
        "| case | expected | outcome | crashed | lost | seconds | what happened | last line |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in records:
        seconds = "" if r.get("seconds") is None else f"{r['seconds']:.1f}"
        lines.append(
            f"| {r['case']} | {r['expected']} | {r['outcome']} | "
            f"{_crashed(r)} | {'yes' if r['lost'] else 'no'} | "
            f"{seconds} | {_what_happened(r)} | {_cell(r.get('message', ''))} |"
        )
    return "\n".join(lines)


def _crash_of(record: Dict) -> bool:
    """Whether the case crashed; records from before the crash scan only saw tracebacks."""
    return bool(record.get("crashed", record.get("traceback")))


def _crashed(record: Dict) -> str:
    if not _crash_of(record):
        return "no"
    return f"yes: {', '.join(record.get('crashes') or ['Traceback (most recent call last)'])}"


def _what_happened(record: Dict) -> str:
    """A kill's moment and what the resume started from; empty for the other cases."""
    parts = []
    if record.get("killed_at_seconds") is not None:
        killed = record.get("killed", not record.get("finished_before_kill", False))
        parts.append(
            f"kill -9 at {record['killed_at_seconds']:.0f} s"
            if killed
            else f"finished before the kill due at {record['killed_at_seconds']:.0f} s"
        )
    if record.get("resumed_from"):
        parts.append(f"resumed from env step {record['resumed_from']:,}")
    if record.get("new_export") is False:
        parts.append("no new export")
    return "; ".join(parts)


def _soak(record: Dict) -> str:
    counted = record.get("env_steps_counted")
    pipeline = record.get("pipeline", "cartpole_dqn")
    return "\n".join([
        f"## Soak: `{pipeline}`",
        "",
        f"The launcher of `{pipeline}` with two collectors for {record['minutes']:g} minutes: a "
        "random collector killed with `kill -9` every minute, the learner once at the midpoint, "
        "then the same command started again.",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| outcome | {record['outcome']} |",
        f"| collectors killed | {record['collector_kills']} |",
        f"| learner killed | {record['learner_kills']} |",
        f"| launcher exit codes | {', '.join(str(c) for c in record['launcher_exits'])} |",
        f"| env steps (learner) | {record.get('env_steps') or 0:,} of a budget of "
        f"{record['budget']:,} |",
        f"| env steps the learner counted per collector, summed | "
        f"{counted if counted is not None else 'n/a'} |",
    ] + _accounting(record) + [
        f"| resident memory, every process of the run | {record.get('rss_mb_first')} MB after "
        f"2 minutes, {record.get('rss_mb_last')} MB at the end |",
        f"| its slope (least squares) | {record.get('rss_mb_per_minute')} MB per minute |",
    ] + _growth(record))  # fmt: skip


def _accounting(record: Dict) -> List[str]:
    """The replay server's count against Reverb's inserts (newer records)."""
    if "items_inserted" not in record:
        return []
    if record["items_inserted"] is None:
        return ["| the replay server's counts | not printed (no server stopped cleanly) |"]
    ok = "yes" if record["items_within_slack"] else "**no**"
    return [
        f"| env steps the replay server counted, over its {record['server_lives']} lives | "
        f"{record['env_steps_counted_by_server']:,} ({record['env_steps_lost_announced']:,} "
        "announced lost) |",
        f"| items Reverb counts inserted | {record['items_inserted']:,} (within "
        f"{record['insert_slack']:,} of the steps counted: {ok}; an episode in progress has up "
        "to n_step steps without an item, and a collector killed or stopped may have written its "
        "last batch unreported) |",
    ]


def _growth(record: Dict) -> List[str]:
    """Each long-lived process's own memory growth, against the suite's leak bound."""
    growth = record.get("growth_per_process")
    if growth is None:
        return []
    bound = record.get("leak_bound_mb_per_minute")
    lines = [
        "",
        f"Each process that lived 5 minutes or more, its resident memory fitted over its own "
        f"life after its first 2 minutes (the soak fails above {bound:g} MB per minute; "
        "collectors rarely live that long, being killed every minute):",
        "",
        "| process | minutes | MB after 2 minutes | MB at the end | MB per minute |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {g['process']} | {g['minutes']:g} | {g['mb_first']} | {g['mb_last']} | "
        f"{g['mb_per_minute']:g} |"
        for g in growth
    ]
    return lines


def page(records: List[Dict]) -> str:
    latest = latest_run(records)
    cases = [r for r in latest if not r["case"].startswith("soak")]
    soaks = [r for r in latest if r["case"].startswith("soak")]
    machine = next((r["machine"] for r in reversed(latest) if r.get("machine")), None)
    commits = sorted({str(r.get("commit") or "not recorded") for r in latest})
    where = (
        f"\nLast run on {machine['cpu']} ({machine['cores']} cores), load {machine['load_average']}"
        f" at its start, at commit {', '.join(commits)}.\n"
        if machine
        else ""
    )
    parts = [INTRO + where, "## Figures", "", _tally(latest), "", "## Cases", "", _table(cases)]
    for soak in soaks:
        parts += ["", _soak(soak)]
    return "\n".join(parts) + "\n"
