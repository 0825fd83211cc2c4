"""benchmarks.faults_page: each case's latest record, tallied by outcome, and the soak's figures;
benchmarks.fault_checks: the crash scan and per-process memory growth."""

from benchmarks import fault_checks, faults_page

MACHINE = {"cpu": "Some CPU", "cores": 2, "load_average": 0.5}


def _case(case, expected, outcome, crashes=(), lost=False, message=""):
    return {
        "case": case,
        "expected": expected,
        "outcome": outcome,
        "as_expected": outcome == expected,
        "exit_code": 0 if outcome == "recovered" else 2,
        "crashed": bool(crashes),
        "crashes": list(crashes),
        "lost": lost,
        "seconds": 12.34,
        "message": message,
        "machine": MACHINE,
        "commit": "abc1234",
    }


def test_the_page_tallies_each_cases_latest_outcome():
    records = [
        _case("nan_value", "refused", "crashed", crashes=["Traceback (most recent call last)"]),
        _case("nan_value", "refused", "refused", message="error: config.x | nan"),  # the rerun
        _case("state_file_deleted", "recovered", "recovered"),
        _case("replay_truncated", "refused", "ran", lost=True),
    ]
    text = faults_page.page(records)
    assert "| cases tried | 3 |" in text
    assert "| recovered | 1 |" in text
    assert "| clean refusals | 1 |" in text
    assert "| crashes (goal 0) | 0 |" in text
    assert "| silent losses (goal 0) | 1 |" in text
    assert "| not the expected outcome (goal 0) | 1 |" in text
    assert "| nan_value | refused | refused | no | no | 12.3 |  | error: config.x \\| nan |" in text
    assert "Last run on Some CPU (2 cores), load 0.5 at its start, at commit abc1234." in text
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


def test_a_crash_is_found_in_any_process_output_but_the_suite_s_own_kill_is_not():
    assert fault_checks.crashes("[launch] collector 0 exited with -9; restarting it") == []
    assert fault_checks.crashes("[launch] collector 1 exited with -6; restarting it") == [
        "exited with -6"
    ]
    assert fault_checks.crashes("[learner] F1205 12:00:00 table.cc:10] Check failed: ok") == [
        "Check failed"
    ]
    assert fault_checks.crashes("Traceback (most recent call last):\n  File ...") == [
        "Traceback (most recent call last)"
    ]
    assert fault_checks.crashes("error: config.x must be positive") == []


def test_memory_growth_is_fitted_per_process_lifetime():
    minute = 60.0
    # A learner that grows 4 MB a minute after start-up; a collector restarted (a new pid) at
    # a lower size each time, which a fit across restarts would read as shrinking.
    lifetimes = {
        1: [(t * minute, (1000 + 4 * t) * 2**20) for t in range(0, 11)],
        2: [(t * minute, 500 * 2**20) for t in range(0, 6)],
        3: [(t * minute, 400 * 2**20) for t in range(0, 3)],  # lived 2 minutes: no fit
    }
    names = {1: "train", 2: "collect-0", 3: "collect-1"}
    growth = fault_checks.growth_per_process(lifetimes, names)
    assert [g["process"] for g in growth] == ["train", "collect-0"]
    assert growth[0]["mb_per_minute"] == 4.0 > fault_checks.LEAK_MB_PER_MINUTE
    assert growth[0]["mb_first"] == 1008 and growth[0]["minutes"] == 10
    assert growth[1]["mb_per_minute"] == 0.0


def test_the_soak_shows_each_process_s_growth_against_the_bound():
    soak = dict(
        _case("soak", "recovered", "recovered"),
        minutes=30, collector_kills=29, learner_kills=1, launcher_exits=[0], budget=10,
        env_steps=10, rss_mb_first=2100, rss_mb_last=2110, rss_mb_per_minute=0.3,
        growth_per_process=[dict(process="train", minutes=28.0, mb_first=900, mb_last=910,
                                 mb_per_minute=0.36)],
        leak_bound_mb_per_minute=2.0, lost=None,
    )  # fmt: skip
    text = faults_page.page([soak])
    assert "(the soak fails above 2 MB per minute;" in text
    assert "| train | 28 | 900 | 910 | 0.36 |" in text
    assert "| silent losses (goal 0) | 0 |" in text


# What a scaled-out run's output holds (launcher prefixes on some lines), two server lives:
# Reverb's insert count and the counts both carry over through the checkpoint.
_TWO_LIVES = """\
replay server: Reverb counts 5,010 transitions inserted in this run, the reports 5,020 env steps
[replay] replay server stopped (5,020 env steps counted); checkpoint /r/replay_server/c1
[learner] cartpole_dqn learner | 5,020/9,000 env steps
replay server: Reverb counts 9,000 transitions inserted in this run, the reports 9,020 env steps
[replay] replay server stopped (9,020 env steps counted); checkpoint /r/replay_server/c2
"""


def test_the_soak_s_accounting_reads_the_last_server_life():
    figures = fault_checks.accounting(_TWO_LIVES, collector_processes=4, num_parallel_envs=2)
    assert figures["server_lives"] == 2
    assert (figures["env_steps_counted_by_server"], figures["items_inserted"]) == (9020, 9000)
    assert figures["insert_slack"] == 4 * 8 * 2
    assert figures["items_within_slack"] and figures["env_steps_lost_announced"] == 0


def test_the_soak_s_accounting_sees_a_loss_or_items_missing():
    announced = _TWO_LIVES + (
        "[replay] replay server: 40 env steps collector 1 wrote after this server's last "
        "checkpoint were lost with it\n"
    )
    assert fault_checks.accounting(announced, 4, 2)["env_steps_lost_announced"] == 40
    few_items = _TWO_LIVES.replace("9,000 transitions", "8,900 transitions")
    assert not fault_checks.accounting(few_items, 4, 2)["items_within_slack"]
    assert not fault_checks.accounting(_TWO_LIVES, 1, 2)["items_within_slack"]  # slack 16
    assert not fault_checks.accounting("", 4, 2)["items_within_slack"]


def test_each_soak_gets_a_section_with_its_accounting():
    figures = fault_checks.accounting(_TWO_LIVES, collector_processes=4, num_parallel_envs=2)
    soak = dict(
        _case("soak_breakout", "recovered", "recovered"),
        pipeline="breakout_dqn",
        minutes=10,
        collector_kills=9,
        learner_kills=1,
        launcher_exits=[1, 0],
        budget=9_000,
        env_steps=9_020,
        env_steps_counted=9_020,
        **figures,
    )
    text = faults_page.page([soak])
    assert "## Soak: `breakout_dqn`" in text
    assert "| items Reverb counts inserted | 9,000 (within 64 of the steps counted: yes;" in text
    assert "over its 2 lives | 9,020 (0 announced lost) |" in text
