"""Every entry point in one table: its algorithm, its game, its presets, its stop score and
whether it scales out.

An entry point is the module pipelines/<name>.py, a few lines that hand its name to its
package's main; everything else about it is here. Its presets are presets(<name>) of its
presets module (pipelines/<package>/presets.py, or for A2C pipelines/ppo/a2c.py), the default
first. Importing this module loads nothing heavy.
"""

import dataclasses
import importlib
from typing import Callable, Dict, Optional

ALGORITHMS = ("dqn", "ppo", "a2c", "impala", "reinforce")


@dataclasses.dataclass(frozen=True)
class Pipeline:
    name: str
    """The entry point: python -m pipelines.<name>."""
    algorithm: str
    """Its algorithm, one of ALGORITHMS."""
    env_id: str
    """The game it trains on."""
    fast_stop_score: Optional[float] = None
    """The evaluation score at which its `fast` preset stops (once confirmed), if it has one."""
    scales_out: bool = False
    """Whether pipelines.launch runs it as a replay server, collectors and a learner."""

    @property
    def is_atari(self) -> bool:
        return self.env_id.endswith("NoFrameskip-v4")

    @property
    def package(self) -> str:
        """The package under pipelines/ that runs it: A2C is PPO's pipeline with A2C's presets."""
        return "ppo" if self.algorithm == "a2c" else self.algorithm

    @property
    def presets_module(self) -> str:
        """The module whose presets(name) gives its --preset choices."""
        if self.algorithm == "a2c":
            return "pipelines.ppo.a2c"
        return f"pipelines.{self.package}.presets"

    @property
    def config_module(self) -> str:
        """The module whose validate(config) checks its config."""
        if self.algorithm == "a2c":
            return "pipelines.ppo.a2c"
        return f"pipelines.{self.package}.config"

    def presets(self) -> Dict[str, Callable]:
        """The --preset choices, the default first."""
        return importlib.import_module(self.presets_module).presets(self.name)


_PONG, _BREAKOUT = "PongNoFrameskip-v4", "BreakoutNoFrameskip-v4"
# The fast presets stop at a confirmed evaluation of these: the targets (Pong +18 and Breakout
# 30 on fresh games) with a margin.
_PONG_STOP, _BREAKOUT_STOP = 19.0, 35.0

PIPELINES: Dict[str, Pipeline] = {
    p.name: p
    for p in (
        Pipeline("pong_dqn", "dqn", _PONG, _PONG_STOP, scales_out=True),
        Pipeline("breakout_dqn", "dqn", _BREAKOUT, _BREAKOUT_STOP, scales_out=True),
        Pipeline("spaceinvaders_dqn", "dqn", "SpaceInvadersNoFrameskip-v4", scales_out=True),
        Pipeline("cartpole_dqn", "dqn", "CartPole-v1", scales_out=True),
        Pipeline("lunarlander_dqn", "dqn", "LunarLander-v3", scales_out=True),
        Pipeline("pong_ppo", "ppo", _PONG, _PONG_STOP),
        Pipeline("breakout_ppo", "ppo", _BREAKOUT, _BREAKOUT_STOP),
        Pipeline("cartpole_a2c", "a2c", "CartPole-v1"),
        Pipeline("pong_a2c", "a2c", _PONG, _PONG_STOP),
        Pipeline("breakout_a2c", "a2c", _BREAKOUT, _BREAKOUT_STOP),
        Pipeline("cartpole_impala", "impala", "CartPole-v1", scales_out=True),
        Pipeline("pong_impala", "impala", _PONG, _PONG_STOP, scales_out=True),
        Pipeline("breakout_impala", "impala", _BREAKOUT, _BREAKOUT_STOP, scales_out=True),
        Pipeline("cartpole_reinforce", "reinforce", "CartPole-v1"),
        Pipeline("lunarlander_reinforce", "reinforce", "LunarLander-v3"),
    )
}


def get(name: str) -> Pipeline:
    """The entry point called name (KeyError for an unknown one)."""
    return PIPELINES[name]


def of_algorithm(algorithm: str, atari: Optional[bool] = None):
    """The entry points of an algorithm (only the Atari ones, or none of them, with atari)."""
    return [
        p
        for p in PIPELINES.values()
        if p.algorithm == algorithm and (atari is None or p.is_atari == atari)
    ]
