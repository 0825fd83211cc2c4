"""pipelines.registry is the one place an entry point is declared: it and the entry modules
agree, every entry's presets load with its game, and the scalable ones take the role flags."""

import glob
import os

import pytest

from pipelines import registry
from pipelines.common import config_flag

PIPELINES_DIR = os.path.dirname(registry.__file__)


def test_every_entry_module_is_registered_and_every_entry_has_a_module():
    modules = {
        os.path.basename(path)[: -len(".py")]
        for path in glob.glob(os.path.join(PIPELINES_DIR, "*_*.py"))
        if path.rsplit("_", 1)[1][: -len(".py")] in registry.ALGORITHMS
    }
    assert modules == set(registry.PIPELINES)
    for name in registry.PIPELINES:
        with open(os.path.join(PIPELINES_DIR, f"{name}.py")) as f:
            assert f'"{name}"' in f.read(), f"pipelines/{name}.py does not pass its own name"


@pytest.mark.parametrize("name", sorted(registry.PIPELINES))
def test_each_entry_s_presets_train_its_game(name):
    entry = registry.get(name)
    assert entry.algorithm in registry.ALGORITHMS
    table = entry.presets()
    for preset in table:
        config = config_flag.choose_preset(table, preset)
        assert config.env_id == entry.env_id and config.name == name
    fast = config_flag.choose_preset(table, list(table)[0])
    if entry.fast_stop_score is not None:
        assert list(table)[0] == "fast" and fast.stop_at_eval_return == entry.fast_stop_score


def test_the_scalable_entries_are_the_ones_with_roles():
    """pipelines.launch runs an entry point as roles: its algorithm's main takes --role."""
    for entry in registry.PIPELINES.values():
        main = os.path.join(PIPELINES_DIR, entry.package, "main.py")
        has_roles = os.path.exists(main) and "role_flags" in open(main).read()
        assert entry.scales_out == has_roles, entry.name


def test_the_readme_lists_every_entry_point_and_no_other():
    """The README's pipeline table is checked against the registry."""
    with open(os.path.join(os.path.dirname(PIPELINES_DIR), "README.md")) as f:
        readme = f.read()
    table = readme.split("## Pipelines", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `pipelines.")]
    listed = {
        word.strip("`,").split(".", 1)[1]
        for row in rows
        for word in row.split("|")[1].split()
        if word.strip("`,").startswith("pipelines.")
    }
    assert listed == set(registry.PIPELINES)


# Below every algorithm: what they share (common/) and the after-run tools (tools/: play, video,
# curves), which training also uses for its evaluation videos.
SHARED_PACKAGES = ["common", "tools"]


def test_no_algorithm_package_imports_another():
    """pipelines/<algorithm>/ may import the shared packages, pipelines.registry and itself,
    never another algorithm's package: what two algorithms share lives below them."""
    packages = sorted(
        name
        for name in os.listdir(PIPELINES_DIR)
        if os.path.isfile(os.path.join(PIPELINES_DIR, name, "__init__.py"))
        and name not in SHARED_PACKAGES
    )
    assert {"dqn", "ppo", "impala", "reinforce", "tabular"} <= set(packages)
    crossing = []
    for package in packages + SHARED_PACKAGES:
        for path in glob.glob(os.path.join(PIPELINES_DIR, package, "*.py")):
            with open(path) as f:
                source = f.read()
            for other in packages:
                if other != package and (
                    f"pipelines.{other}" in source or f"from pipelines import {other}" in source
                ):
                    crossing.append(f"{os.path.relpath(path, PIPELINES_DIR)} uses {other}")
    assert not crossing


def test_the_shared_packages_are_layered():
    """common/ is the bottom layer: the after-run tools (tools/) build on it, never the reverse,
    so a training run imports none of them."""
    upward = []
    for path in glob.glob(os.path.join(PIPELINES_DIR, "common", "*.py")):
        with open(path) as f:
            source = f.read()
        if "pipelines.tools" in source or "from pipelines import tools" in source:
            upward.append(os.path.relpath(path, PIPELINES_DIR))
    assert not upward


def test_root_dir_is_defined_once():
    """Every entry point's --root_dir is pipelines/common/root_dir_flag.py's, one help text."""
    defining = []
    for path in glob.glob(os.path.join(PIPELINES_DIR, "**", "*.py"), recursive=True):
        with open(path) as f:
            source = " ".join(f.read().split())
        if 'DEFINE_string( "root_dir"' in source or 'DEFINE_string("root_dir"' in source:
            defining.append(os.path.relpath(path, PIPELINES_DIR))
    assert defining == [os.path.join("common", "root_dir_flag.py")]
