"""The flags of an entry point whose run can be split into roles (DQN, IMPALA): the run's
directory, the Reverb server's address, and which role this process plays."""

from absl import flags

from pipelines.common.root_dir_flag import ROOT_DIR

__all__ = [
    "ROOT_DIR",
    "REPLAY_SERVER",
    "ROLE",
    "PORT",
    "TASK",
    "EXIT_WHEN_FINISHED",
    "REPLAY_EXPOSE",
]

REPLAY_SERVER = flags.DEFINE_string(
    "replay_server",
    "",
    "host:port of an external Reverb server; empty starts an embedded one in this process.",
)
ROLE = flags.DEFINE_enum(
    "role",
    "all",
    ["all", "replay", "collect", "train"],
    "all: the whole run in this process. A scaled-out run is one 'replay' "
    "server, any number of 'collect' actors and one 'train' learner.",
)
PORT = flags.DEFINE_integer(
    "port",
    0,
    "--role=replay: the server's port (0 picks a free one).",
    lower_bound=0,
    upper_bound=65535,
)
TASK = flags.DEFINE_integer(
    "task", 0, "--role=collect: this collector's index (0, 1, ...).", lower_bound=0
)
EXIT_WHEN_FINISHED = flags.DEFINE_boolean(
    "exit_when_finished",
    False,
    "--role=replay: once the learner has finished, give the collectors 30 s to see it, then "
    "checkpoint and exit 0 (for platforms where a run ends when all its processes have, such as "
    "Kubernetes Jobs). pipelines.launch stops the server itself.",
)
REPLAY_EXPOSE = flags.DEFINE_boolean(
    "replay_expose",
    False,
    "Serve this process's Reverb server on every network interface "
    "instead of loopback only (for collectors on other machines). Reverb has no authentication: "
    "only on a network you trust.",
)
