"""Time to solve: an unsolved seed is never solved, not fast."""

import statistics

from benchmarks import suite


def _run(seconds, mean_return):
    return {"wall_seconds": seconds, "mean_return": mean_return}


def test_solve_seconds_counts_only_solved_seeds_as_solved():
    runs = [_run(120.0, 499.0), _run(90.0, 336.0), _run(150.0, 480.0)]
    assert suite.solve_seconds(runs, statistics.median) == 150.0  # 120, 150, never
    assert suite.solve_seconds(runs, max) is None
    assert suite.solve_seconds(runs[:1], max) == 120.0
    assert suite.solve_seconds([_run(90.0, 474.9)], statistics.median) is None
