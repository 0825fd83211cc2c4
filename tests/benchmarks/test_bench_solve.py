"""benchmarks.solve_page: the latest record of each seed, solved or not by the 95% rule."""

from benchmarks import solve_page

MACHINE = {"cpu": "Some CPU", "cores": 2, "load_average": 0.5}


def _record(seed, mean_return, wall_seconds, collectors=0):
    return {
        "pipeline": "cartpole_impala",
        "seed": seed,
        "collectors": collectors,
        "overrides": [],
        "wall_seconds": wall_seconds,
        "env_steps": 50_000,
        "mean_return": mean_return,
        "min_return": 380.0,
        "episodes": 100,
        "max_episode_steps": 500,
        "machine": MACHINE,
        "commit": "abc1234",
    }


def test_the_page_shows_each_seeds_latest_run_and_whether_it_solved():
    records = [
        _record(0, 300.0, 90.0, collectors=2),
        _record(0, 498.7, 39.8, collectors=2),  # a rerun of seed 0 replaces the first
        _record(1, 474.9, 33.6, collectors=2),
        _record(0, 480.0, 60.0),  # one process: its own row
    ]
    rows = [line for line in solve_page.page(records).splitlines() if line.startswith("| `")]
    assert rows == [
        "| `--pipeline=cartpole_impala` | 0 | 480.0 (380) | yes | 50,000 | 60 s "
        "| Some CPU (2 cores, load 0.5) | abc1234 |",
        "| `--pipeline=cartpole_impala` `--collectors=2` | 0 | 498.7 (380) | yes | 50,000 | 40 s "
        "| Some CPU (2 cores, load 0.5) | abc1234 |",
        "| `--pipeline=cartpole_impala` `--collectors=2` | 1 | 474.9 (380) | no | 50,000 | 34 s "
        "| Some CPU (2 cores, load 0.5) | abc1234 |",
    ]
