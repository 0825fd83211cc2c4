"""--replay_server: the run writes to and trains from a Reverb server it did not start."""

import os

import pipeline_cli
import pytest

import envs
from pipelines.common import reverb_server
from pipelines.dqn import presets as dqn_presets
from pipelines.dqn import replay


@pytest.fixture
def cartpole_server():
    """A Reverb server on a free loopback port with the table a CartPole run writes to."""
    preset = dqn_presets.cartpole()
    step_spec = replay.stored_step_spec(
        replay.collect_data_spec(envs.load(preset.env_id)), frame_stack=1
    )
    table = replay.make_table(
        step_spec, pipeline_cli.CLASSIC["replay_capacity"], replay.window_length(1, preset.n_step)
    )
    server = reverb_server.start_server([table])
    yield server
    server.stop()


def test_run_on_an_external_replay_server(cartpole_server, tmp_path):
    root_dir = str(tmp_path / "run")
    result = pipeline_cli.run(
        "cartpole_dqn",
        root_dir,
        pipeline_cli.CLASSIC,
        f"--replay_server=localhost:{cartpole_server.port}",
    )
    assert result.returncode == 0, result.stderr
    summary = pipeline_cli.read_json(os.path.join(root_dir, "summary.json"))
    assert summary["env_steps"] >= pipeline_cli.CLASSIC["num_env_steps"]
    assert summary["train_steps"] > 0

    info = cartpole_server.localhost_client().server_info()[replay.TABLE]
    # n-step items never cross an episode end, so a little fewer items than env steps.
    assert 0.5 * summary["env_steps"] < info.current_size <= summary["env_steps"]
    assert info.rate_limiter_info.insert_stats.completed == info.current_size
    # Every train step drew a batch from this server.
    batch_size = pipeline_cli.CLASSIC["batch_size"]
    assert info.rate_limiter_info.sample_stats.completed >= summary["train_steps"] * batch_size
    # The embedded server, which saves its contents with each checkpoint, never started.
    assert not os.path.exists(os.path.join(root_dir, "replay"))
