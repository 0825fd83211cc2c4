"""Per-game Atari options: the one table saying which wrappers a game needs.

Keyed by game name, so `BreakoutNoFrameskip-v4` and `ALE/Breakout-v5` share a row. A row only
overrides envs.options.ATARI_DEFAULTS, and every value can be overridden again in envs.load().
Each row says how it was checked (NoFrameskip-v4 ids, 4 frames per agent step, seed 0).
"""

from types import MappingProxyType
from typing import Any, Mapping

GAME_OPTIONS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        # Serves only on FIRE, at the start and after each lost life: a NOOP-only game changes no
        # pixel in 2000 agent steps. With one FIRE after each life loss, it ends in 120 steps.
        "Breakout": MappingProxyType({"auto_fire": True}),
        # Ignores the joystick for the first 32 agent steps of a game and for 15 after a lost life
        # (measured: the first step whose action changes the screen). 40 is the Hands-On ML seed's
        # value; it overshoots by 8 steps at the start and 25 after a life loss.
        "SpaceInvaders": MappingProxyType({"skip_start": 40}),
        # Checked and left out: Pong does not need FIRE (the opponent serves; a NOOP-only game
        # ends 0-21 after 763 steps). Tennis needs FIRE for each of the agent's serves, not once
        # per life, which AutoFire does not cover. Riverraid does not start on FIRE either.
    }
)
