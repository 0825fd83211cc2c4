"""The main() every DQN entry point shares: flags in, one run (or one role of a run) out.

TensorFlow is imported only after the flags are checked: a bad flag fails at once, and a process
that hosts a Reverb server can restart itself confined to loopback before anything heavy loads.
"""

from absl import flags

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
from pipelines.dqn.config import DqnConfig, validate
from pipelines.dqn.presets import presets

DISCARD_DAMAGED_REPLAY = flags.DEFINE_boolean(
    "discard_damaged_replay",
    False,
    "A replay checkpoint that cannot be restored is moved aside to <replay dir>_damaged/ and the "
    "replay refills, instead of the run being refused (the networks' checkpoint is kept).",
)


def check_memory(config: DqnConfig, role: str, external_replay: bool) -> None:
    """The environments and replay this role's process holds must fit in memory."""
    evaluation_envs = config.eval_episodes if config.eval_interval else 0
    num_envs = {
        "all": config.num_parallel_envs + evaluation_envs,
        "collect": config.num_parallel_envs,
        "train": evaluation_envs,
        "replay": 0,
    }[role]
    holds_replay = role == "replay" or (role == "all" and not external_replay)
    memory_check.check(config.env_id, num_envs, config.replay_capacity if holds_replay else 0)


def run_pipeline(pipeline: str) -> None:
    """Defines --preset and --config for a DQN entry point and runs the chosen role with them."""
    preset_config = config_flag.define_config(presets(pipeline), validate)
    config_flag.show_in_help(
        ROOT_DIR,
        REPLAY_SERVER,
        ROLE,
        PORT,
        TASK,
        EXIT_WHEN_FINISHED,
        REPLAY_EXPOSE,
        DISCARD_DAMAGED_REPLAY,
    )

    def main(_argv):
        root_dir, role = ROOT_DIR.value, ROLE.value
        try:
            config = preset_config.value  # checked once, here: the roles trust it
            check_memory(config, role, bool(REPLAY_SERVER.value))
        except (ValueError, cli.UserError) as error:
            cli.fail(str(error))
        if REPLAY_SERVER.value and cli.address_problem(REPLAY_SERVER.value):
            cli.fail(
                f"--replay_server={REPLAY_SERVER.value}: {cli.address_problem(REPLAY_SERVER.value)}"
            )
        if role in ("all", "train"):
            try:
                run_dir.check_not_busy(root_dir)
            except cli.UserError as error:
                cli.fail(str(error))
        hosts_server = role == "replay" or (role == "all" and not REPLAY_SERVER.value)
        if hosts_server and not REPLAY_EXPOSE.value:
            loopback.confine_to_loopback()
        stop_request.install()
        from pipelines.dqn import collect_role, learner_role, replay_role, single_process

        if role == "all":
            single_process.train(
                config,
                root_dir=root_dir,
                replay_server=REPLAY_SERVER.value,
                discard_damaged_replay=DISCARD_DAMAGED_REPLAY.value,
            )
        elif role == "replay":
            replay_role.serve(
                config,
                root_dir,
                PORT.value,
                DISCARD_DAMAGED_REPLAY.value,
                exit_when_finished=EXIT_WHEN_FINISHED.value,
            )
        elif role == "collect":
            collect_role.collect(config, root_dir, REPLAY_SERVER.value, TASK.value)
        else:
            learner_role.learn(config, root_dir, REPLAY_SERVER.value)

    cli.run(main)
