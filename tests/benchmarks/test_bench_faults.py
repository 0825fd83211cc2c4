"""benchmarks.faults_page: each case's latest record, tallied by outcome, and the soak's figures."""

from benchmarks import faults_page

MACHINE = {"cpu": "Some CPU", "cores": 2, "load_average": 0.5}


def _case(case, expected, outcome, traceback=False, lost=False, message=""):
    return {
        "case": case,
        "expected": expected,
        "outcome": outcome,
        "as_expected": outcome == expected,
        "exit_code": 0 if outcome == "recovered" else 2,
        "traceback": traceback,
        "lost": lost,
        "seconds": 12.34,
        "message": message,
        "machine": MACHINE,
    }


def test_the_page_tallies_each_cases_latest_outcome():
    records = [
        _case("nan_value", "refused", "traceback", traceback=True),
        _case("nan_value", "refused", "refused", message="error: config.x | nan"),  # the rerun
        _case("state_file_deleted", "recovered", "recovered"),
        _case("replay_truncated", "refused", "ran", lost=True),
    ]
    text = faults_page.page(records)
    assert "| cases tried | 3 |" in text
    assert "| recovered | 1 |" in text
    assert "| clean refusals | 1 |" in text
    assert "| tracebacks (goal 0) | 0 |" in text
    assert "| silent losses (goal 0) | 1 |" in text
    assert "| not the expected outcome (goal 0) | 1 |" in text
    assert "| nan_value | refused | refused | no | no | 12.3 |  | error: config.x \\| nan |" in text
    assert "Last run on Some CPU (2 cores), load 0.5" in text
    assert "## Soak" not in text


def test_a_kill_says_when_it_struck_and_where_the_resume_began():
    killed = dict(
        _case("kill9_learner_0", "recovered", "recovered"), killed_at_seconds=51.4, killed=True
    )
    killed["resumed_from"] = 38_208
    early = dict(
        _case("kill9_single_process_0", "recovered", "recovered"),
        killed_at_seconds=39.2,
        finished_before_kill=True,
    )
    text = faults_page.page([killed, early])
    assert "| kill -9 at 51 s; resumed from env step 38,208 |" in text
    assert "| finished before the kill due at 39 s |" in text


def test_the_soak_gets_its_own_figures():
    soak = dict(
        _case("soak", "recovered", "recovered"),
        minutes=30,
        collector_kills=29,
        learner_kills=1,
        launcher_exits=[-9, 0],
        budget=300_000,
        env_steps=300_120,
        env_steps_counted=300_120,
        rss_mb_first=2100,
        rss_mb_last=2110,
        rss_mb_per_minute=0.3,
    )
    text = faults_page.page([soak])
    assert "| collectors killed | 29 |" in text
    assert "| launcher exit codes | -9, 0 |" in text
    assert "| env steps (learner) | 300,120 of a budget of 300,000 |" in text
    assert "| its slope (least squares) | 0.3 MB per minute |" in text
    assert "| cases tried | 1 |" in text
