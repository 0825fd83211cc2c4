"""Environment ids: registering ours and ALE's, telling Atari ids apart, unknown-id suggestions."""

from __future__ import annotations

import difflib
import functools
import re

import ale_py
import gymnasium as gym
from gymnasium.envs.registration import EnvSpec, parse_env_id

OUR_ENVS = {
    # id: (entry point, default max_episode_steps)
    "GridWorld-v0": ("envs.gridworld:GridWorldEnv", 100),
    "ThreeStateMDP-v0": ("envs.mdp:ThreeStateMDPEnv", 100),  # never terminates: truncate
}
_ATARI_ENTRY_POINT = "ale_py.env:AtariEnv"
_ATARI_NAME_SUFFIX = re.compile(r"(NoFrameskip|Deterministic)$")
# Loose enough for anything a user types: optional namespace, optional version.
_ID_PARTS = re.compile(r"(?:(?P<namespace>.*)/)?(?P<name>.*?)(?:-v(?P<version>\d+))?")


def register_all() -> None:
    """Registers ALE's Atari ids and ours with gymnasium (idempotent)."""
    # ALE prints a version banner per game it loads; errors still show.
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
    gym.register_envs(ale_py)
    for env_id, (entry_point, max_episode_steps) in OUR_ENVS.items():
        if env_id not in gym.registry:
            gym.register(env_id, entry_point=entry_point, max_episode_steps=max_episode_steps)


def find_spec(env_id: str) -> EnvSpec:
    """The registered spec of `env_id`, or a ValueError that suggests close ids."""
    if not isinstance(env_id, str):
        raise ValueError(f"environment id must be a str like 'CartPole-v1', not {env_id!r}")
    spec = gym.registry.get(env_id)
    if spec is None:
        raise ValueError(_unknown_id_message(env_id))
    return spec


def is_atari(env_id: str) -> bool:
    """Whether `env_id` is an ALE Atari game (so Atari preprocessing and options apply)."""
    return find_spec(env_id).entry_point == _ATARI_ENTRY_POINT


def game_name(env_id: str) -> str:
    """The game an Atari id plays, as GAME_OPTIONS keys it: 'ALE/Breakout-v5' -> 'Breakout'."""
    spec = find_spec(env_id)
    if spec.entry_point != _ATARI_ENTRY_POINT:
        raise ValueError(f"'{env_id}' is not an Atari game")
    return _ATARI_NAME_SUFFIX.sub("", spec.name)


def _unknown_id_message(env_id: str) -> str:
    message = f"unknown environment '{env_id}'"
    suggestions = _suggest(env_id)
    if suggestions:
        quoted = [f"'{s}'" for s in suggestions]
        options = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        return f"{message}; did you mean {options}?"
    return f"{message}; gymnasium.pprint_registry() lists the known ids"


def _suggest(env_id: str, limit: int = 2) -> list[str]:
    """Up to `limit` registered ids for the game or env `env_id` seems to mean.

    Matches on the name alone (namespace, version and Atari suffixes dropped), case-insensitively,
    so 'Breakout-v9' finds the Breakout ids and 'cartpole' finds 'CartPole-v1'.
    """
    by_name = _ids_by_name(len(gym.registry))
    parts = _ID_PARTS.fullmatch(env_id)
    assert parts is not None  # the pattern matches any string
    name = _ATARI_NAME_SUFFIX.sub("", parts["name"]).lower()
    names = [name] if name in by_name else difflib.get_close_matches(name, by_name, n=limit)
    suggestions = [env for close in names for env in by_name[close]]
    return suggestions[:limit]


@functools.lru_cache(maxsize=1)
def _ids_by_name(registry_size: int) -> dict[str, list[str]]:
    """Lower-cased env name -> the ids worth suggesting for it, best first.

    Atari games get the two ids we recommend ('BreakoutNoFrameskip-v4', 'ALE/Breakout-v5');
    other envs their newest un-namespaced version ('CartPole-v1', not 'phys2d/CartPole-v0').
    Cached per registry size, so ids registered later are still found.
    """
    best: dict[str, tuple[tuple[bool, int], str]] = {}
    atari_games: set[str] = set()
    for env_id, spec in gym.registry.items():
        namespace, name, version = parse_env_id(env_id)
        if spec.entry_point == _ATARI_ENTRY_POINT:
            atari_games.add(_ATARI_NAME_SUFFIX.sub("", name))
            continue
        rank = (namespace is None, version or 0)
        if name.lower() not in best or rank > best[name.lower()][0]:
            best[name.lower()] = (rank, env_id)
    ids = {key: [env_id] for key, (_, env_id) in best.items()}
    for game in atari_games:  # 'Blackjack' is both a toy-text env and an Atari game: keep both
        recommended = (f"{game}NoFrameskip-v4", f"ALE/{game}-v5")
        ids.setdefault(game.lower(), []).extend(i for i in recommended if i in gym.registry)
    return ids
