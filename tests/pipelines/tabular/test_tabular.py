"""pipelines.tabular: value and policy iteration on the tables, Monte Carlo, SARSA and Q-learning
from play, on ThreeStateMDP-v0 and GridWorld-v0.

The commands (runs and refusals) start all at once in one fixture, since each mostly loads
TensorFlow; the algorithms' own properties are checked in-process.
"""

import gc
import json
import os

import numpy as np
import pipeline_cli
import pytest

from pipelines.common.cli import UserError
from pipelines.tabular import environments, model_based, model_free, q_table, run
from pipelines.tabular.config import TabularConfig

UP, DOWN, LEFT, RIGHT = range(4)
MDP, GRID = "ThreeStateMDP-v0", "GridWorld-v0"
CHOICES = "the tabular methods run on ThreeStateMDP-v0 or GridWorld-v0"

RUNS = {
    "vi_090": ["--env=ThreeStateMDP-v0", "--algorithm=value_iteration", "--gamma=0.90"],
    "vi_095": ["--env=ThreeStateMDP-v0", "--algorithm=value_iteration", "--gamma=0.95"],
    "q_learning": ["--env=ThreeStateMDP-v0", "--algorithm=q_learning"],  # default episodes
    "grid_sarsa": ["--env=GridWorld-v0", "--algorithm=sarsa", "--episodes=3000", "--seed=3"],
}
REFUSALS = {
    "env_typo": (
        ["--env=gridworld", "--algorithm=sarsa"],
        "error: unknown tabular environment 'gridworld'; did you mean 'GridWorld-v0'?",
    ),
    "env_not_tabular": (
        ["--env=CartPole-v1", "--algorithm=q_learning"],
        "error: 'CartPole-v1' is not a tabular environment (its states cannot be "
        f"listed in a table); {CHOICES}",
    ),
    "env_unknown": (
        ["--env=Nope-v3", "--algorithm=q_learning"],
        f"error: unknown environment 'Nope-v3'; {CHOICES}",
    ),
    "algorithm_typo": (
        [f"--env={MDP}", "--algorithm=qlearning"],
        "error: unknown algorithm 'qlearning'; did you mean 'q_learning'?",
    ),
    "gamma_above_1": (
        [f"--env={GRID}", "--algorithm=value_iteration", "--gamma=1.5"],
        "error: --gamma must be in [0, 1], got 1.5",
    ),
    "gamma_1_never_ends": (
        [f"--env={MDP}", "--algorithm=value_iteration", "--gamma=1"],
        "error: --gamma=1 needs an environment whose episodes end, and "
        "ThreeStateMDP-v0 never ends: its values are infinite sums and value "
        "iteration would never converge; use a --gamma below 1",
    ),
    "episodes_zero": (
        [f"--env={MDP}", "--algorithm=monte_carlo", "--episodes=0"],
        "error: --episodes must be > 0, got 0",
    ),
    "episodes_for_dp": (
        [f"--env={MDP}", "--algorithm=policy_iteration", "--episodes=10"],
        "error: --episodes applies to the model-free algorithms (monte_carlo, "
        "sarsa, q_learning), not to policy_iteration",
    ),
    "nan_setting": (
        [f"--env={MDP}", "--algorithm=q_learning", "--config.q_learning_epsilon=nan"],
        "error: config.q_learning_epsilon must be a finite number, got nan",
    ),
    "config_not_used": (
        [f"--env={MDP}", "--algorithm=sarsa", "--config.tolerance=0.001"],
        "error: config.tolerance does not apply to sarsa "
        "(only to value_iteration, policy_iteration)",
    ),
}


@pytest.fixture(scope="module")
def commands(tmp_path_factory):
    """name -> (result, root_dir) of every command above, started at once; the Q-learning run
    writes into a root_dir, each refusal gets one that must stay absent."""
    work = tmp_path_factory.mktemp("tabular")
    started = {}
    for name, args in RUNS.items():
        root_dir = str(work / name) if name == "q_learning" else None
        started[name] = (pipeline_cli.Background("tabular", root_dir, {}, *args), root_dir)
    for name, (args, _) in REFUSALS.items():
        root_dir = str(work / name)
        started[name] = (pipeline_cli.Background("tabular", root_dir, {}, *args), root_dir)
    return {
        name: (background.result(timeout=600), root_dir)
        for name, (background, root_dir) in started.items()
    }


def last_json(result: pipeline_cli.Result) -> dict:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def q_array(q_values) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in q_values])


def relative_difference(q: np.ndarray, reference: np.ndarray) -> float:
    """Largest |difference| of a possible action's Q value, relative to the largest |Q|."""
    assert np.array_equal(np.isnan(q), np.isnan(reference))
    return float(np.nanmax(np.abs(q - reference)) / np.nanmax(np.abs(reference)))


def solve(env_id: str, gamma: float, algorithm=model_based.value_iteration):
    return algorithm(environments.load_tabular_env(env_id), gamma, TabularConfig().tolerance)


@pytest.mark.parametrize(
    "name, gamma, policy", [("vi_090", 0.90, [0, 0, 1]), ("vi_095", 0.95, [0, 2, 1])]
)
def test_value_iteration_gives_the_books_policies(commands, name, gamma, policy):
    result, _ = commands[name]
    summary = last_json(result)
    assert summary["policy"] == policy
    assert (summary["env_id"], summary["algorithm"], summary["gamma"]) == (
        MDP,
        "value_iteration",
        gamma,
    )
    assert summary["episodes"] is None and summary["seed"] is None  # no play, no randomness
    # Impossible actions are null, in the same places as envs.mdp's POSSIBLE_ACTIONS.
    assert [[v is not None for v in row] for row in summary["q_values"]] == [
        [True, True, True],
        [True, False, True],
        [False, True, False],
    ]
    if gamma == 0.90:  # the book's Q values at 0.90
        np.testing.assert_allclose(summary["q_values"][0], [18.91, 17.02, 13.62], atol=0.01)
    lines = result.stdout.splitlines()
    assert lines[-2] == ""  # the table ends before the JSON line
    row = next(line for line in lines if line.startswith("s1 "))
    assert row.split() == [
        "s1",
        f"{summary['q_values'][1][0]:.3f}",
        "impossible",
        f"{summary['q_values'][1][2]:.3f}",
        ["a0", "a2"][policy[1] == 2],
    ]


def test_q_learning_agrees_with_value_iteration(commands):
    result, root_dir = commands["q_learning"]
    summary = last_json(result)
    assert summary["episodes"] == environments.DEFAULT_EPISODES[MDP] and summary["seed"] == 0
    reference = solve(MDP, 0.9)
    assert relative_difference(q_array(summary["q_values"]), reference.q_values) < 0.03
    assert summary["policy"] == [0, 0, 1]
    assert pipeline_cli.read_json(os.path.join(root_dir, run.SUMMARY_FILE)) == summary
    config = pipeline_cli.read_json(os.path.join(root_dir, "config.json"))
    assert (config["env_id"], config["algorithm"], config["episodes"]) == (
        MDP,
        "q_learning",
        summary["episodes"],
    )
    scalars = pipeline_cli.scalar_events(os.path.join(root_dir, "train"))
    returns = scalars["Metrics/EpisodeReturn"]
    assert [step for step, _ in returns] == list(range(1, summary["episodes"] + 1))
    assert {length for _, length in scalars["Metrics/EpisodeLength"]} == {100.0}  # time limit


def test_sarsa_learns_the_shortest_way_on_the_grid(commands):
    result, _ = commands["grid_sarsa"]
    summary = last_json(result)
    assert path_to_goal(summary["policy"]) is not None
    assert summary["policy"][15:] == [None, None]  # the goal and END: nothing to decide
    grid = result.stdout.split("Greedy policy on the grid:\n")[1].splitlines()[:4]
    arrows = {UP: "^", DOWN: "v", LEFT: "<", RIGHT: ">", None: "G"}
    assert grid == [
        "  ".join(arrows[summary["policy"][row * 4 + col]] for col in range(4)) for row in range(4)
    ]


def path_to_goal(policy):
    """The cells the greedy policy visits from the start, if it reaches the goal in the fewest
    moves (6); else None."""
    row, col, path = 0, 0, []
    for _ in range(6):
        d_row, d_col = [(-1, 0), (1, 0), (0, -1), (0, 1)][policy[row * 4 + col]]
        row, col = row + d_row, col + d_col
        if not (0 <= row < 4 and 0 <= col < 4):
            return None
        path.append((row, col))
    return path if path[-1] == (3, 3) else None


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_bad_input_is_refused_in_one_line(commands, name):
    result, root_dir = commands[name]
    assert pipeline_cli.error_line(result) == REFUSALS[name][1]
    assert result.stdout == ""
    assert not os.path.exists(root_dir)


@pytest.mark.parametrize(
    "env_id, gamma",
    [
        (env_id, gamma)
        for env_id in (MDP, GRID)
        for gamma in (0.0, 0.5, 0.9, 0.95, 1.0)
        if gamma < 1 or env_id == GRID
    ],
)  # MDP: never ends
def test_policy_iteration_equals_value_iteration(env_id, gamma):
    env = environments.load_tabular_env(env_id)
    by_values = solve(env_id, gamma)
    by_policies = solve(env_id, gamma, model_based.policy_iteration)
    assert relative_difference(by_policies.q_values, by_values.q_values) < 1e-7
    assert q_table.greedy_policy(by_policies.q_values, env.terminal) == q_table.greedy_policy(
        by_values.q_values, env.terminal
    )


def test_grid_tables_give_the_known_values():
    """At gamma 0.9 a cell k moves from the goal is worth 10 * 0.9^(k-1); off the grid -1."""
    q = solve(GRID, 0.9).q_values
    assert q[0, DOWN] == pytest.approx(10 * 0.9**5) and q[0, UP] == -1
    assert q[14, RIGHT] == 10 and np.all(q[15:] == 0)


def learn(algorithm: str, env_id: str, seed: int, episodes=None, gamma=0.9):
    env = environments.load_tabular_env(env_id)
    py_env = environments.episode_env(env_id, seed)
    episodes = episodes or environments.DEFAULT_EPISODES[env_id]
    seen = []
    q = model_free.train(
        algorithm, env, py_env, TabularConfig(), gamma, episodes, seed, seen.append
    )
    return env, q, seen


@pytest.mark.parametrize("seed", [1, 7])
def test_q_learning_on_the_grid_agrees_with_value_iteration(seed):
    env, q, _ = learn("q_learning", GRID, seed)
    assert relative_difference(q, solve(GRID, 0.9).q_values) < 0.03
    assert path_to_goal(q_table.greedy_policy(q, env.terminal)) is not None


def test_monte_carlo_learns_the_shortest_way_on_the_grid():
    env, q, episodes = learn("monte_carlo", GRID, seed=5, episodes=3000)
    assert path_to_goal(q_table.greedy_policy(q, env.terminal)) is not None
    assert episodes[0].epsilon == 1.0 and episodes[-1].epsilon == pytest.approx(0.05)
    assert np.mean([e.episode_return for e in episodes[-100:]]) > 8  # 10 most of the time


def test_monte_carlo_and_sarsa_give_the_books_policy_on_the_mdp():
    for algorithm in ("monte_carlo", "sarsa"):
        env, q, _ = learn(algorithm, MDP, seed=2)
        assert q_table.greedy_policy(q, env.terminal) == [0, 0, 1], algorithm


def test_the_same_seed_repeats_a_run():
    first = learn("sarsa", MDP, seed=4, episodes=20)[1]
    again = learn("sarsa", MDP, seed=4, episodes=20)[1]
    other = learn("sarsa", MDP, seed=5, episodes=20)[1]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(np.nan_to_num(first), np.nan_to_num(other))


def settings(**changes) -> run.RunSettings:
    values = dict(env_id=MDP, algorithm="sarsa", gamma=0.9, episodes=30, seed=0)
    values.update(changes)
    return run.RunSettings(**values)


def test_a_rerun_replaces_its_results_and_other_settings_are_refused(tmp_path):
    root_dir = str(tmp_path / "run")
    env = environments.load_tabular_env(MDP)
    for _ in range(2):  # the same settings twice: the second run starts over
        run_dir = run.open_root_dir(root_dir, settings())
        result = run.run(settings(), env, run_dir)
        del run_dir
        gc.collect()  # closes the run directory's lock
    scalars = pipeline_cli.scalar_events(os.path.join(root_dir, "train"))
    assert [step for step, _ in scalars["Metrics/EpisodeReturn"]] == list(range(1, 31))
    assert pipeline_cli.read_json(os.path.join(root_dir, run.SUMMARY_FILE)) == result.summary
    before = pipeline_cli.snapshot(root_dir)
    with pytest.raises(
        UserError,
        match=r"holds a tabular run with other settings "
        r"\(gamma was 0.9, now 0.95\)",
    ):
        run.open_root_dir(root_dir, settings(gamma=0.95))
    assert pipeline_cli.snapshot(root_dir) == before
