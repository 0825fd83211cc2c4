"""The suite's own logic: measurement records, JSON lines, the table, the plot, the machine."""

import json
import os

import pytest

from benchmarks import report


def test_measurement_has_the_fields_and_ratio_ours_over_peer():
    record = report.measurement(
        "dqn_training_cartpole", 300.0, 120.0, "sb3", "env steps/s", envs=8, env_steps=6000
    )
    assert record == {
        "name": "dqn_training_cartpole",
        "ours": 300.0,
        "peer": 120.0,
        "peer_name": "sb3",
        "ratio": 2.5,
        "unit": "env steps/s",
        "better": "higher",
        "envs": 8,
        "env_steps": 6000,
    }
    assert report.settings_of(record) == {"envs": 8, "env_steps": 6000}


def test_ratio_stays_ours_over_peer_when_lower_is_better():
    record = report.measurement(
        "atari_replay_bytes_per_transition",
        1680,
        6373,
        "tf_agents_observer",
        "bytes",
        better="lower",
    )
    assert record["ratio"] == pytest.approx(0.26)
    assert report.measurement("x", 1.0, 0.0, "p", "s")["ratio"] is None
    with pytest.raises(ValueError):
        report.measurement("x", 1.0, 2.0, "p", "s", better="faster")


def test_json_line_is_one_line_that_reads_back():
    record = report.measurement(
        "a", 1.5, 3.0, "peer", "s", better="lower", returns=[499.5, 358.0], note="two\nlines"
    )
    line = report.json_line(record)
    assert "\n" not in line
    assert json.loads(line) == record


def test_last_json_line_skips_logs_and_broken_lines():
    output = 'INFO starting\n{"a": 1}\nwarning: {not json\n{"b": 2}\ndone\n'
    assert report.last_json_line(output) == {"b": 2}
    assert report.json_lines(output) == [{"a": 1}, {"b": 2}]
    with pytest.raises(ValueError):
        report.last_json_line("no json here\n")


def test_markdown_table_has_a_row_per_measurement_with_ratio_direction_and_settings():
    records = [
        report.measurement("dqn_training_breakout", 90.0, 45.5, "sb3", "env steps/s", envs=4),
        report.measurement(
            "cartpole_solve_median_seconds",
            60.0,
            120.0,
            "sb3_rl_zoo",
            "s",
            better="lower",
            seeds=[0, 1],
        ),
    ]
    lines = report.markdown_table(records).splitlines()
    assert lines[0].startswith("| measurement | ours | peer | ours / peer |")
    assert len(lines) == 2 + len(records)
    assert (
        "| dqn_training_breakout | 90 | sb3: 45.5 | 1.98 (↑ better) | env steps/s | envs=4 |"
        == lines[2]
    )
    assert "0.50 (↓ better)" in lines[3] and "seeds=[0, 1]" in lines[3]


def test_markdown_report_names_the_command_and_machine():
    machine = {
        "cpu": "Some CPU",
        "cores": 2,
        "python": "3.11.7",
        "system": "Linux 6",
        "load_average": 3.2,
        "load_average_end": 4.5,
        "commit": "abc1234",
        "date": "2026-12-05",
    }
    text = report.markdown_report(
        [report.measurement("a", 2.0, 1.0, "p", "env steps/s")],
        "make bench ARGS=--quick",
        machine,
        "steps_per_second.png",
    )
    assert "`make bench ARGS=--quick`" in text
    assert "Some CPU, 2 cores" in text
    assert "load average 3.2 at the start, 4.5 at the end" in text
    assert "Made at commit abc1234 on 2026-12-05" in text
    assert "![env steps per second per library](steps_per_second.png)" in text


def test_machine_reads_cpu_model_and_cores():
    machine = report.machine()
    assert machine["cores"] == os.cpu_count()
    assert machine["cpu"] and machine["cpu"] != "unknown"
    assert machine["load_average"] >= 0


def test_plot_of_steps_per_second_is_a_png_and_skips_other_units(tmp_path):
    records = [
        report.measurement("dqn_training_cartpole", 300.0, 120.0, "sb3", "env steps/s"),
        report.measurement("atari_collection", 250.0, 1000.0, "envpool", "env steps/s"),
        report.measurement("replay", 1680, 6373, "tf_agents", "bytes", better="lower"),
    ]
    path = str(tmp_path / "plot.png")
    assert report.plot_steps_per_second(records, path)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["plot.png"]
    assert not report.plot_steps_per_second(records[2:], str(tmp_path / "none.png"))
    assert not os.path.exists(tmp_path / "none.png")


def test_a_side_without_a_figure_has_no_ratio_and_shows_a_dash():
    record = report.measurement(
        "cartpole_solve_worst_seconds", None, 141.0, "sb3_rl_zoo", "s", better="lower"
    )
    assert record["ratio"] is None
    assert (
        "| cartpole_solve_worst_seconds | – | sb3_rl_zoo: 141 | – | s |"
        in report.markdown_table([record])
    )


def test_a_cpu_is_named_with_the_vector_units_its_record_lists():
    record = {"cpu": "AMD EPYC", "cores": 2}
    assert report.cpu_label(record) == "AMD EPYC (2)"  # a record from before cpu_features
    assert report.cpu_label({**record, "cpu_features": ["avx2", "fma"]}) == "AMD EPYC, AVX2 (2)"
    native = {**record, "cpu_features": ["avx2", "fma", "avx512f", "avx512_bf16"]}
    assert report.cpu_label(native) == "AMD EPYC, AVX-512 + BF16 (2)"
    assert set(report.cpu_features()) <= set(report.NOTABLE_CPU_FLAGS)
    assert report.machine()["cpu_features"] == report.cpu_features()
