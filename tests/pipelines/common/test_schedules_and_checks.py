"""Pure logic that the end-to-end tests only reach indirectly: interval scheduling, the epsilon
schedule, config range checks, address checks and the finished-run rule."""

import dataclasses
import json

import pytest
import tensorflow as tf

from pipelines.common import cli, config_checks, evaluation, run_dir, run_summary, training_loop
from pipelines.dqn import presets as dqn_presets
from pipelines.dqn.agent import epsilon_schedule


@pytest.mark.parametrize(
    "step, interval, expected",
    [(0, 100, 100), (99, 100, 100), (100, 100, 200), (250, 100, 300), (5, 0, 1 << 62)],
)
def test_next_multiple(step, interval, expected):
    assert training_loop.next_multiple(step, interval) == expected


def test_epsilon_is_1_in_the_warm_up_then_linear_then_flat():
    config = dataclasses.replace(
        dqn_presets.cartpole(),
        initial_collect_steps=100,
        epsilon_start=1.0,
        epsilon_end=0.1,
        epsilon_decay_steps=1_000,
    )
    env_step = tf.Variable(0, dtype=tf.int64)
    epsilon = epsilon_schedule(config, env_step)
    values = []
    for step in (0, 99, 100, 600, 1_100, 5_000):
        env_step.assign(step)
        values.append(float(epsilon()))
    assert values == pytest.approx([1.0, 1.0, 1.0, 0.55, 0.1, 0.1])


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"video_interval": -1}, "config.video_interval must be >= 0, got -1"),
        ({"video_interval": 100, "eval_interval": 0}, "records evaluation games"),
        ({"activation": "gelu"}, "config.activation must be one of relu, elu, tanh"),
        ({"stop_confirm_episodes": -3}, "config.stop_confirm_episodes must be >= 0, got -3"),
        ({"stop_at_eval_return": float("nan")}, "config.stop_at_eval_return must be a number"),
    ],
)
def test_shared_config_checks(changes, words):
    config = dataclasses.replace(dqn_presets.cartpole(), **changes)
    with pytest.raises(ValueError, match=words):
        config_checks.check_video_interval(config)
        config_checks.check_activation(config)
        config_checks.check_stop_rule(config)


@pytest.mark.parametrize(
    "address, problem",
    [
        ("localhost:8000", None),
        ("10.0.0.2:1", None),
        ("[::1]:8000", None),
        ("localhost", "expected host:port, like localhost:8000"),
        ("localhost:0", "port 0 is outside 1-65535"),
        ("localhost:65536", "port 65536 is outside 1-65535"),
        (":8000", "expected host:port, like localhost:8000"),
    ],
)
def test_address_problem(address, problem):
    assert cli.address_problem(address) == problem


def test_a_run_is_finished_only_at_its_summary_s_env_step(tmp_path, capsys):
    run = run_dir.RunDir(str(tmp_path / "run"), dqn_presets.cartpole())
    assert run_summary.already_finished(run, 500, 1_000) is None  # training left to do
    assert run_summary.already_finished(run, 1_000, 1_000) is None  # stopped: no summary yet
    with open(run.join("summary.json"), "w") as f:
        json.dump({"env_steps": 1_000, "final_eval": {"mean": 480.0}}, f)
    assert run_summary.already_finished(run, 1_000, 1_000)["env_steps"] == 1_000
    assert "this run finished at 1,000 env steps (final eval 480.0)" in capsys.readouterr().out
    assert run_summary.already_finished(run, 900, 1_000, stopped_by_rule=True) is None
    assert run_summary.already_finished(run, 1_000, 2_000) is None  # a larger budget trains on


class _Confirmations:
    """Stands for the confirming Evaluations: returns the given means, one per call."""

    def __init__(self, *means):
        self._means, self.calls = list(means), 0

    def run(self, step):
        self.calls += 1
        return {"mean": self._means.pop(0), "episodes": 100}


@pytest.mark.parametrize(
    "threshold, first, confirmations, stops, confirming_calls",
    [
        (0.0, 500.0, (), False, 0),  # no threshold: train the whole budget
        (490.0, 480.0, (), False, 0),  # not reached: no confirmation is played
        (490.0, 495.0, (470.0,), False, 1),  # reached, but the confirmation falls short
        (490.0, 495.0, (493.0,), True, 1),  # reached and confirmed
    ],
    ids=["off", "not_reached", "confirmation_short", "confirmed"],
)
def test_the_stop_rule_needs_an_evaluation_and_its_confirmation(
    threshold, first, confirmations, stops, confirming_calls
):
    confirming = _Confirmations(*confirmations)
    rule = evaluation.StopRule(threshold, confirming)
    assert rule.reached({"mean": first}, step=1000) is stops
    assert confirming.calls == confirming_calls
    if stops:
        assert rule.describe({"mean": first}) == (
            "evaluation reached 495.0, confirmed over 100 more episodes at 493.0 >= "
            "config.stop_at_eval_return=490"
        )


def test_without_confirmations_one_evaluation_stops():
    assert evaluation.StopRule(5.0, None).reached({"mean": 5.0}, step=300) is True
