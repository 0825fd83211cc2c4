"""The main() every IMPALA entry point shares: flags in, one run (or one role of a run) out.

TensorFlow is imported only after the flags are checked: a bad flag fails at once, and a process
that hosts a Reverb server can restart itself confined to loopback before anything heavy loads.
"""

from pipelines.common import cli, config_flag, loopback, memory_check, run_dir, stop_request
from pipelines.common.role_flags import (
    EXIT_WHEN_FINISHED,
    PORT,
    REPLAY_EXPOSE,
    REPLAY_SERVER,
    ROLE,
    ROOT_DIR,
    TASK,
)
from pipelines.impala.config import validate
from pipelines.impala.presets import presets


def run_pipeline(pipeline: str) -> None:
    """Defines --preset and --config for an IMPALA entry point and runs the chosen role."""
    preset_config = config_flag.define_config(presets(pipeline), validate)
    config_flag.show_in_help(
        ROOT_DIR, REPLAY_SERVER, ROLE, PORT, TASK, EXIT_WHEN_FINISHED, REPLAY_EXPOSE
    )

    def main(_argv):
        root_dir, role, address = ROOT_DIR.value, ROLE.value, REPLAY_SERVER.value
        try:
            config = preset_config.value  # checked once, here: the roles trust it
            if role in ("all", "collect"):
                memory_check.check(config.env_id, config.num_parallel_envs + config.eval_episodes)
        except (ValueError, cli.UserError) as error:
            cli.fail(str(error))
        if role == "all" and address:
            cli.fail("--role=all runs its own server: drop --replay_server, or pick a role")
        if address and cli.address_problem(address):
            cli.fail(f"--replay_server={address}: {cli.address_problem(address)}")
        if role in ("all", "train"):
            try:
                run_dir.check_not_busy(root_dir)
            except cli.UserError as error:
                cli.fail(str(error))
        if role in ("all", "replay") and not REPLAY_EXPOSE.value:
            loopback.confine_to_loopback()
        stop_request.install()
        from pipelines.impala import collect_role, learner_role, replay_role, single_process

        if role == "all":
            single_process.train(config, root_dir)
        elif role == "replay":
            replay_role.serve(config, root_dir, PORT.value, EXIT_WHEN_FINISHED.value)
        elif role == "collect":
            collect_role.collect(config, root_dir, address, TASK.value)
        else:
            learner_role.learn(config, root_dir, address)

    cli.run(main)
