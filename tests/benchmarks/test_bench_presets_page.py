"""docs/presets.md is the preset code's: regenerated, it is unchanged."""

import os

from benchmarks import presets_page


def test_the_presets_page_is_up_to_date():
    with open(os.path.join(presets_page.REPO, "docs", "presets.md")) as f:
        assert f.read() == presets_page.page(), (
            "docs/presets.md is stale: run python -m benchmarks.presets_page"
        )


def test_every_entry_point_and_preset_is_on_it():
    page = presets_page.page()
    assert "## `pipelines.pong_impala`" in page and "## `pipelines.cartpole_reinforce`" in page
    assert "- `fast` (the default):" in page and "- `schulman2017`:" in page
    # A setting with its documentation from the config dataclass.
    assert "| `n_step` |" in page and "Steps of reward summed before bootstrapping." in page
