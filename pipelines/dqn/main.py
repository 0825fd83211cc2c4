"""The main() every DQN entry point shares: flags in, one training run out."""
from absl import flags

from pipelines.common import cli
from pipelines.dqn import train

ROOT_DIR = flags.DEFINE_string("root_dir", None, "Directory of the run: checkpoints, summaries, "
                               "exported policies. Rerunning on the same directory resumes.")
REPLAY_SERVER = flags.DEFINE_string("replay_server", "", "host:port of an external Reverb server; "
                                    "empty starts an embedded one in this process.")


def run_preset(preset) -> None:
    """Defines --config from `preset` and runs training with the command-line overrides."""
    config_flag = cli.define_config(preset)

    def main(_argv):
        train.train(config_flag.value, root_dir=ROOT_DIR.value,
                    replay_server=REPLAY_SERVER.value)
    cli.run(main)
