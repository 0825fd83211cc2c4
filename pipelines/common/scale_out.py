"""What the separate processes of a scaled-out run (DQN's or IMPALA's: a Reverb server,
collectors, one learner) share through the server, and how they keep reaching it.

Besides the algorithm's own tables, the server holds the `variables` table (TF-Agents'
ReverbVariableContainer layout: one item): the policy's weights, the train and env step
counters and a `finished` flag, pushed by the learner and pulled by the collectors. A client
that loses the server waits for it to come back, RECONNECT_SECONDS at most.
"""

import os
import sys
import threading
import time
from typing import Dict, Optional

import reverb
import tensorflow as tf
from tf_agents.experimental.distributed import reverb_variable_container

from pipelines.common import environments, reverb_server, run_dir, stop_request
from pipelines.common.cli import UserError

VARIABLES_TABLE = reverb_variable_container.DEFAULT_TABLE
# Collector tasks are 0 .. MAX_COLLECTORS - 1 (DQN's learner keeps a count for each in a
# fixed-size checkpointed variable).
MAX_COLLECTORS = 256
# How long a client keeps trying to reach a restarted or vanished replay server.
RECONNECT_SECONDS = 60.0
_WATCH_SECONDS = 5.0
# What a vanished or restarting server raises in a client.
SERVER_ERRORS = (
    tf.errors.UnavailableError,
    tf.errors.CancelledError,
    tf.errors.AbortedError,
    tf.errors.DeadlineExceededError,
    reverb.errors.DeadlineExceededError,
    RuntimeError,
    ConnectionError,
)


def server_environment(config, root_dir: str, folder: str):
    """The replay server's run folder under root_dir (checked against config as any run's is) and
    one environment, for the specs its tables are built from."""
    if not root_dir:
        raise UserError("--root_dir is required")
    try:
        environment = environments.make_environments(config, 1, config.seed, training=True)[0]
    except ValueError as error:  # e.g. an unknown env id
        raise UserError(str(error)) from None
    return environment, run_dir.RunDir(os.path.join(root_dir, folder), config)


def start_server(tables, port: int, **kwargs) -> reverb.Server:
    """reverb_server.start_server on `port` (0: any free one); a port it cannot take is a
    UserError."""
    try:
        return reverb_server.start_server(tables, port=port or None, **kwargs)
    except RuntimeError as error:  # e.g. the port is taken
        raise UserError(f"cannot start the replay server on port {port}: {error}") from None


def shared_variables(
    policy, train_step: tf.Variable, env_step: tf.Variable, finished: tf.Variable
) -> Dict:
    """The nest the learner pushes and the collectors pull."""
    return {
        "policy": policy.variables(),
        "train_step": train_step,
        "env_step": env_step,
        "finished": finished,
    }


def variables_table(variables: Dict) -> reverb.Table:
    """A one-item table for `variables` (what ReverbVariableContainer expects: max_size 1)."""
    signature = tf.nest.map_structure(lambda v: tf.TensorSpec(v.shape, v.dtype), variables)
    return one_item_table(VARIABLES_TABLE, signature)


def one_item_table(name: str, signature) -> reverb.Table:
    """A table holding one item, its latest value: each insert replaces it, and sampling reads
    it without removing it (readers wait until the first insert)."""
    return reverb.Table(
        name,
        sampler=reverb.selectors.Uniform(),
        remover=reverb.selectors.Fifo(),
        max_size=1,
        max_times_sampled=0,
        rate_limiter=reverb.rate_limiters.MinSize(1),
        signature=signature,
    )


class SharedVariables:
    """The collectors' and learner's side of the `variables` table."""

    def __init__(self, address: str, variables: Dict):
        self.variables = variables
        self._container = reverb_variable_container.ReverbVariableContainer(
            address, table_names=[VARIABLES_TABLE]
        )

    def push(self) -> None:
        try:
            self._container.push(self.variables, VARIABLES_TABLE)
        except tf.errors.InternalError as error:
            # Reverb reports a server lost in the middle of an insert as an internal error
            # ("Error when confirming that all items written to table"): the roles reconnect
            # on UnavailableError.
            raise tf.errors.UnavailableError(None, None, f"pushing the weights: {error.message}")

    def pull(self) -> None:
        self._container.update(self.variables, VARIABLES_TABLE)

    @property
    def finished(self) -> bool:
        return bool(self.variables["finished"].numpy())


def reset_shared_variables(address: str, variables: Dict, restored: bool) -> None:
    """At a server's start: the untrained `variables` when its checkpoint held none, so that
    collectors can start at once; otherwise the restored ones with `finished` cleared. The flag
    belongs to one learner's run: the same command with a larger budget extends a finished run,
    and collectors started before its learner would otherwise see the old flag and stop. A learner
    that has nothing left to do sets it again at its start."""
    shared = SharedVariables(address, variables)
    if restored:
        shared.pull()
        if not shared.finished:
            return
        variables["finished"].assign(False)
    shared.push()


class FinishWatch:
    """A server's view of the learner's `finished` flag, for --exit_when_finished: `due()` turns
    true grace_seconds after the flag was first seen set (time for every collector to see
    it at its next pull). The server cleared any restored flag before it started watching."""

    def __init__(self, address: str, variables: Dict, grace_seconds: float = 30.0):
        self._shared = SharedVariables(address, variables)
        self._grace = grace_seconds
        self._finished_at: Optional[float] = None
        self._next_pull = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if self._finished_at is None and now >= self._next_pull:
            self._next_pull = now + _WATCH_SECONDS
            self._shared.pull()
            if self._shared.finished:
                self._finished_at = now
                print(
                    f"the learner has finished; the server stops in {self._grace:.0f} s "
                    "(--exit_when_finished)",
                    flush=True,
                )
        return self._finished_at is not None and now - self._finished_at >= self._grace


def wait_for_server(
    address: str, seconds: float = RECONNECT_SECONDS, stop_early=lambda: False
) -> Optional[reverb.Client]:
    """A client once the server at `address` answers again, or None after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop_early():
        try:
            return reverb_server.connect(address, timeout_seconds=min(5.0, seconds))
        except ConnectionError:
            time.sleep(1.0)
    return None


def check_collector_flags(replay_server: str, task: int) -> None:
    """Raises ValueError for a collector's --replay_server or --task that no run can use."""
    if not replay_server:
        raise ValueError("--role=collect needs --replay_server=host:port")
    if not 0 <= task < MAX_COLLECTORS:
        raise ValueError(f"--task must be in [0, {MAX_COLLECTORS}), got {task}")


def reconnect(address: str, who: str) -> reverb.Client:
    """After a lost replay server: a client once it answers again; UserError (ends the process
    with one line) if it has not within RECONNECT_SECONDS."""
    print(
        f"{who}: lost the replay server at {address}; reconnecting "
        f"(up to {RECONNECT_SECONDS:.0f} s)",
        flush=True,
    )
    client = wait_for_server(address)
    if client is None:
        raise UserError(
            f"replay server {address} unreachable for {RECONNECT_SECONDS:.0f} s; {who} stops"
        )
    return client


def watch_server(address: str, who: str, consequence: str) -> None:
    """Ends this process with one clear line once the server at `address` has not answered for
    RECONNECT_SECONDS. A restarted server is rejoined on its own (gRPC reconnects), but a Reverb
    call blocked on a server that never returns would wait forever."""

    def watch():
        client = reverb.Client(address)
        lost_since = None
        while True:
            time.sleep(_WATCH_SECONDS)
            try:
                client.server_info(timeout=int(_WATCH_SECONDS))
                if lost_since is not None:
                    print(f"{who}: replay server {address} is back", flush=True)
                lost_since = None
            except Exception:  # Reverb raises bare gRPC/absl error types here
                now = time.monotonic()
                if lost_since is None:
                    lost_since = now
                    print(
                        f"{who}: replay server {address} not answering; waiting up to "
                        f"{RECONNECT_SECONDS:.0f} s for it",
                        flush=True,
                    )
                elif now - lost_since >= RECONNECT_SECONDS or stop_request.requested():
                    # A stop requested while the server is gone would otherwise wait out the
                    # whole RECONNECT_SECONDS: the main thread never reaches its next check.
                    why = f"unreachable for {now - lost_since:.0f} s"
                    if stop_request.requested():
                        why += " when a stop was requested"
                    sys.stderr.write(
                        f"error: replay server {address} {why}; {who} stops ({consequence})\n"
                    )
                    sys.stderr.flush()
                    os._exit(1)  # the main thread may be blocked inside Reverb

    threading.Thread(target=watch, name="replay-server-watch", daemon=True).start()
