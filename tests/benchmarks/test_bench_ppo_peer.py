"""The PPO peer benchmark's pieces that need no bench venv: CleanRL's iterations timed from its
"SPS:" lines, and our side measured on a real tiny run as benchmarks.ppo_peer measures it."""

import io

import pytest

from benchmarks import throughput
from benchmarks.peers import cleanrl_ppo


def test_cleanrl_iterations_are_timed_from_their_sps_lines():
    out = io.StringIO()
    timed = cleanrl_ppo._TimedLines(out)
    for line in ["global_step=8, episodic_return=1\n", "SPS: 90\n", "SPS: 95\n", "SPS: 99\n"]:
        timed.write(line)
    assert len(timed.times) == 3 and "episodic_return" in out.getvalue()
    # Iterations end at 1024, 2048, 3072 env steps; the window opens at the first >= 2000.
    rate, first, last = cleanrl_ppo.window_rate([10.0, 12.0, 14.0], window_start=2000)
    assert (first, last) == (2048, 3072) and rate == pytest.approx(1024 / 2.0)
    with pytest.raises(SystemExit):
        cleanrl_ppo.window_rate([10.0, 12.0], window_start=2000)


def test_ours_is_measured_over_the_window_of_a_real_run(tmp_path):
    """A tiny Pong PPO run with summaries at every 1,024 env steps, measured from 2,048 on."""
    measured = throughput.ppo_rate("pong_ppo", 5120, 2048, "ale_vector", str(tmp_path))
    assert measured["window"][0] >= 2048 and measured["window"][1] >= 4096
    assert measured["env_steps_per_second"] > 0


def test_every_round_trains_in_its_own_folders(monkeypatch):
    """A later round on an earlier round's root_dir would resume a finished run and time nothing."""
    folders = []

    def ours(pipeline, steps, start, backend, work):
        folders.append((backend, work))
        return {"env_steps_per_second": 100.0}

    def cleanrl(pipeline, steps, start, cleanrl_dir, work):
        folders.append(("cleanrl", work))
        return {"env_steps_per_second": 50.0}

    monkeypatch.setattr(throughput, "ppo_rate", ours)
    monkeypatch.setattr(throughput, "cleanrl_ppo_rate", cleanrl)
    rates = throughput.ppo_peer_rounds("pong_ppo", 5120, 2048, "/nowhere", rounds=2)
    assert rates == {
        "ours_ale_vector": [100.0, 100.0],
        "ours_python": [100.0, 100.0],
        "cleanrl": [50.0, 50.0],
    }
    for name in ("ale_vector", "python", "cleanrl"):
        assert len({work for backend, work in folders if backend == name}) == 2
