"""docs/presets.md straight from the preset code: every entry point's presets, side by side, with
each setting's documentation from its config dataclass.

    python -m benchmarks.presets_page [PAGE]      # PAGE: docs/presets.md by default

The entry points and their presets come from pipelines.registry, in its order.
"""

import ast
import dataclasses
import inspect
import os
from typing import Dict

from pipelines import registry
from pipelines.common import config_flag

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def field_docs(config_class) -> Dict[str, str]:
    """field -> the docstring written under it in its dataclass (base classes included)."""
    docs: Dict[str, str] = {}
    for cls in reversed(config_class.__mro__):
        if not dataclasses.is_dataclass(cls):
            continue
        tree = ast.parse(inspect.getsource(cls))
        body = tree.body[0].body  # the class's statements
        for statement, following in zip(body, body[1:]):
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[statement.target.id] = " ".join(following.value.value.split())
    return docs


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1_000:
        return f"{value:,}"
    return str(value)


def section(pipeline: str) -> str:
    table = registry.get(pipeline).presets()
    configs = {name: config_flag.choose_preset(table, name) for name in table}
    docs = field_docs(type(next(iter(configs.values()))))
    lines = [f"## `pipelines.{pipeline}`", ""]
    for i, name in enumerate(table):
        default = " (the default)" if i == 0 else ""
        lines.append(f"- `{name}`{default}: {config_flag.provenance(table[name])}")
    lines += [
        "",
        "| setting | " + " | ".join(f"`{name}`" for name in table) + " | what it is |",
        "| --- | " + " | ".join("---" for _ in table) + " | --- |",
    ]
    for field in dataclasses.fields(next(iter(configs.values()))):
        if field.name in ("name", "preset"):
            continue
        values = [_value(getattr(config, field.name)) for config in configs.values()]
        cells = [f"**{v}**" if len(set(values)) > 1 else v for v in values]
        lines.append(
            f"| `{field.name}` | " + " | ".join(cells) + f" | {docs.get(field.name, '')} |"
        )
    return "\n".join(lines) + "\n"


def page() -> str:
    text = (
        "# Presets\n\n"
        "Every entry point's `--preset` choices with all their settings, made from the preset "
        "code by `python -m benchmarks.presets_page`. Values that differ between an entry "
        "point's presets are in bold. Any setting can be changed with "
        "`--config.<setting>=value`. Units: an *env step* is one agent step (4 frames on "
        "Atari); a *train step* is one gradient update.\n\n"
    )
    return text + "\n".join(section(name) for name in registry.PIPELINES)


def main(argv) -> None:
    # No absl flags: the tests import this module beside others that define --page.
    path = argv[1] if len(argv) > 1 else os.path.join("docs", "presets.md")
    with open(path, "w") as f:
        f.write(page())
    print(f"wrote {path}")


if __name__ == "__main__":
    import sys

    main(sys.argv)
