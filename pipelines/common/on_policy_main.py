"""The main() every on-policy entry point (REINFORCE, PPO) shares: flags in, one run out.

TensorFlow is imported only after the flags and the config are checked, so a bad one fails at
once.
"""

import importlib
from typing import Optional

from absl import flags

from pipelines.common import cli, memory_check, run_dir, stop_request

ROOT_DIR = flags.DEFINE_string(
    "root_dir",
    None,
    "Directory of the run: checkpoints, summaries, "
    "exported policies. Rerunning on the same directory resumes.",
)


def run_pipeline(pipeline: str, package: str, train_package: Optional[str] = None) -> None:
    """Defines --preset and --config from `package`.config.presets(pipeline) and runs
    `train_package`.train.train (default: `package`'s) with them; `package`.config.validate
    checks the config first."""
    config_module = importlib.import_module(f"{package}.config")
    config_flag = cli.define_config(config_module.presets(pipeline))
    cli.show_in_help(ROOT_DIR)

    def main(_argv):
        config = config_flag.value
        try:
            config_module.validate(config)
            memory_check.check(config.env_id, config.num_parallel_envs + config.eval_episodes)
        except ValueError as error:
            cli.fail(str(error))
        try:
            run_dir.check_not_busy(ROOT_DIR.value)
        except cli.UserError as error:
            cli.fail(str(error))
        stop_request.install()
        train = importlib.import_module(f"{train_package or package}.train")
        train.train(config_flag.value, root_dir=ROOT_DIR.value)

    cli.run(main)
