"""Session-wide test setup: Copier ignores the user's own settings file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_copier_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point COPIER_SETTINGS_PATH at empty settings, for this process and its subprocesses."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    # An empty mapping: copier 9.19 rejects a file with no YAML document at all.
    settings.write_text("{}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPIER_SETTINGS_PATH", str(settings))
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tests last, so the fast layers report first."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)
