"""--preset and --config.<field>=value: a run's config read from the command line, checked
once, when it is read; and which library flags an entry point's --help lists."""

import dataclasses
import difflib
import sys
from typing import Callable, Dict, List, Optional

from absl import flags
from ml_collections import config_flags

from pipelines.common.cli import UserError, fail


def choose_preset(presets: Dict[str, Callable], name: str):
    """The config of preset `name`, recording its name in the config's `preset` field."""
    return dataclasses.replace(presets[name](), preset=name)


def provenance(factory: Callable) -> str:
    """The first paragraph of the preset's docstring, on one line."""
    doc = (getattr(factory, "func", factory).__doc__ or "").strip()
    return " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())


def flag_in_argv(argv: List[str], name: str, default: str) -> str:
    """--name as absl will read it (the last one given), read before absl parses, for flags that
    decide which other flags exist or what their defaults are (--preset: those of --config)."""
    chosen = default
    for i, arg in enumerate(argv):
        if arg.startswith(f"--{name}="):
            chosen = arg.split("=", 1)[1]
        elif arg == f"--{name}" and i + 1 < len(argv):
            chosen = argv[i + 1]
    return chosen


class PresetConfig:
    """The --config flag over the chosen --preset; `.value` is the config to run, checked here
    once (a UserError names what is wrong): the code that runs it trusts it."""

    def __init__(self, config_flag, preset_flag, validate: Optional[Callable] = None):
        self._config, self._preset, self._validate = config_flag, preset_flag, validate

    @property
    def value(self):
        config = self._config.value
        if config.preset != self._preset.value:
            raise UserError("choose settings with --preset=NAME; config.preset only records it")
        if self._validate is not None:
            try:
                self._validate(config)
            except ValueError as error:
                raise UserError(str(error)) from None
        return config


# Config fields that were renamed or merged: the old name is refused with what replaces it.
RENAMED_FIELDS = {
    "anneal_learning_rate": "set config.learning_rate_end, the rate at num_env_steps "
    "(0.0 anneals to 0; learning_rate's own value keeps it fixed)",
}


def define_config(
    presets: Dict[str, Callable], validate: Optional[Callable] = None
) -> PresetConfig:
    """--preset=NAME (the first is the default) and --config.<field>=value overrides on top of the
    chosen preset; an unknown preset or field fails in one line, and `validate` (raising
    ValueError) checks the result when it is read."""
    names = list(presets)
    preset_flag = flags.DEFINE_enum(
        "preset",
        names[0],
        names,
        "Named settings, overridable with --config.<field>=value: "
        + "; ".join(f"{name}: {provenance(presets[name])}" for name in names),
    )
    chosen = flag_in_argv(sys.argv[1:], "preset", names[0])
    # An unknown name: absl refuses it, listing the valid ones, when it parses the flags.
    preset = choose_preset(presets, chosen if chosen in presets else names[0])
    try:
        config_flag = config_flags.DEFINE_config_dataclass("config", preset)
    except KeyError as error:  # ml_collections parses overrides here and raises KeyError
        field = str(error).split("Field ")[-1].split(" not found")[0]
        if field in RENAMED_FIELDS:
            fail(f"config.{field} is no more: {RENAMED_FIELDS[field]}")
        close = difflib.get_close_matches(field, list(preset.__dataclass_fields__), n=2)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        fail(f"unknown config field '{field}'{hint}")
    show_in_help(preset_flag, config_flag)
    return PresetConfig(config_flag, preset_flag, validate)


def show_in_help(*holders) -> None:
    """Lists flags defined in library modules under the entry point's own --help (absl's --help
    shows only the main module's flags)."""
    for holder in holders:
        flags.FLAGS.register_flag_by_module(sys.argv[0], flags.FLAGS[holder.name])
