"""The main() every DQN entry point shares: flags in, one training run out."""
from pipelines.common import cli
from pipelines.dqn import train


def run_preset(preset) -> None:
    """Defines --config from `preset` and runs training with the command-line overrides."""
    config_flag = cli.define_config(preset)

    def main(_argv):
        train.train(config_flag.value, root_dir=cli.ROOT_DIR.value,
                    replay_server=cli.REPLAY_SERVER.value)
    cli.run(main)
