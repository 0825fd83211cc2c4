"""The main() every PPO entry point shares: flags in, one training run out.

TensorFlow is imported only after the flags and the config are checked, so a bad one fails at
once.
"""
from absl import flags

from pipelines.common import cli
from pipelines.ppo.config import validate

ROOT_DIR = flags.DEFINE_string("root_dir", None, "Directory of the run: checkpoints, summaries, "
                               "exported policies. Rerunning on the same directory resumes.")


def run_preset(preset) -> None:
    """Defines --config from `preset` and runs training with the command-line overrides."""
    config_flag = cli.define_config(preset)

    def main(_argv):
        try:
            validate(config_flag.value)
        except ValueError as error:
            cli.fail(str(error))
        from envs import _startup  # noqa: F401  (first: quiet TensorFlow start-up)
        from pipelines.ppo import train
        train.train(config_flag.value, root_dir=ROOT_DIR.value)
    cli.run(main)
