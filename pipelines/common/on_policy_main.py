"""The main() the one-process on-policy entry points (REINFORCE, PPO, A2C) share: flags in, one
run out.

TensorFlow is imported only after the flags and the config are checked, so a bad one fails at
once.
"""

import importlib

from pipelines import registry
from pipelines.common import cli, config_flag, memory_check, run_dir, stop_request
from pipelines.common.root_dir_flag import ROOT_DIR


def run_pipeline(pipeline: str) -> None:
    """Defines --preset and --config from the entry point's presets (pipelines.registry) and
    runs its package's train.train with them; its config module's validate checks the config
    first."""
    entry = registry.get(pipeline)
    config_module = importlib.import_module(entry.config_module)
    preset_config = config_flag.define_config(entry.presets(), config_module.validate)
    config_flag.show_in_help(ROOT_DIR)

    def main(_argv):
        try:
            config = preset_config.value  # checked once, here: train() trusts it
            memory_check.check(config.env_id, config.num_parallel_envs + config.eval_episodes)
        except (ValueError, cli.UserError) as error:
            cli.fail(str(error))
        try:
            run_dir.check_not_busy(ROOT_DIR.value)
        except cli.UserError as error:
            cli.fail(str(error))
        stop_request.install()
        train = importlib.import_module(f"pipelines.{entry.package}.train")
        train.train(preset_config.value, root_dir=ROOT_DIR.value)

    cli.run(main)
