"""The memory estimate refuses runs that plainly cannot fit, and only those."""

import pytest

from pipelines.common import memory_check

GIB = 2**30


def test_atari_environments_and_replay_weigh_far_more_than_classic_ones():
    atari = memory_check.estimate_bytes("BreakoutNoFrameskip-v4", 10, 100_000)
    classic = memory_check.estimate_bytes("CartPole-v1", 10, 100_000)
    assert classic < atari
    # The nature2015 preset's 1M Atari replay: its measured 1.56 GiB, TensorFlow aside.
    replay = memory_check.estimate_bytes("BreakoutNoFrameskip-v4", 0, 1_000_000)
    assert 1.5 * GIB < replay - memory_check.estimate_bytes("BreakoutNoFrameskip-v4", 0) < 1.7 * GIB


def test_what_fits_passes_and_what_plainly_does_not_is_refused_in_one_line():
    memory_check.check("BreakoutNoFrameskip-v4", 10, 1_000_000, available=8 * GIB)
    with pytest.raises(ValueError) as refused:
        memory_check.check("BreakoutNoFrameskip-v4", 10, 10_000_000, available=8 * GIB)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(
        "10 environments and a replay of 10,000,000 transitions of BreakoutNoFrameskip-v4 need "
        "at least 16."
    )
    assert message.endswith(
        "GiB of memory, more than the 8.0 GiB this machine has: lower "
        "config.num_parallel_envs or config.replay_capacity"
    )
    with pytest.raises(ValueError, match="^100,000 environments of BreakoutNoFrameskip-v4"):
        memory_check.check("BreakoutNoFrameskip-v4", 100_000, available=8 * GIB)


def test_this_machines_memory_is_known():
    available = memory_check.available_bytes()
    assert available is not None and available > GIB
