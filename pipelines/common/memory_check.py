"""Refuses, before any heavy work, a run whose environments and replay plainly cannot fit in the
memory this process may use (the machine's, or its container's limit when lower).

The estimate is a floor, not a forecast: the resident memory each part was measured to take, so
a refused run is one that could not have fit, and a run that passes may still need more.
"""

import os
from typing import Optional

import envs

# Resident memory per environment: an ALE game with its preprocessing and frame stack, and a
# classic-control game (its Python objects and the driver's buffers).
_ATARI_ENV_BYTES = 1.2 * 2**20
_CLASSIC_ENV_BYTES = 12 * 2**10
# Per stored transition: Atari replay keeps each 84x84 frame once, in compressed chunks
# (docs/dqn.md, `python -m benchmarks.replay_memory`); classic-control steps are a few floats.
_ATARI_TRANSITION_BYTES = 1_680
_CLASSIC_TRANSITION_BYTES = 100
# TensorFlow and the networks, before any environment or replay.
_BASE_BYTES = 0.5 * 2**30
_CGROUP_LIMIT = "/sys/fs/cgroup/memory.max"


def available_bytes() -> Optional[int]:
    """The physical memory, or the container's limit when it is lower; None when unknown."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None
    try:
        with open(_CGROUP_LIMIT) as f:
            limit = f.read().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def estimate_bytes(env_id: str, num_envs: int, replay_capacity: int = 0) -> float:
    atari = envs.is_atari(env_id)
    per_env = _ATARI_ENV_BYTES if atari else _CLASSIC_ENV_BYTES
    per_transition = _ATARI_TRANSITION_BYTES if atari else _CLASSIC_TRANSITION_BYTES
    return _BASE_BYTES + num_envs * per_env + replay_capacity * per_transition


def check(
    env_id: str,
    num_envs: int,
    replay_capacity: int = 0,
    available: Optional[int] = None,
) -> None:
    """Raises ValueError (one line) when num_envs environments of env_id and a replay of
    replay_capacity transitions need more than the available memory."""
    available = available if available is not None else available_bytes()
    if available is None:
        return
    needed = estimate_bytes(env_id, num_envs, replay_capacity)
    if needed <= available:
        return
    parts = [f"{num_envs:,} environments"]
    if replay_capacity:
        parts.append(f"a replay of {replay_capacity:,} transitions")
    raise ValueError(
        f"{' and '.join(parts)} of {env_id} need at least {needed / 2**30:.1f} GiB of memory, "
        f"more than the {available / 2**30:.1f} GiB this machine has: lower "
        "config.num_parallel_envs" + (" or config.replay_capacity" if replay_capacity else "")
    )
