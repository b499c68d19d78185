"""Session-wide test setup: Copier ignores the user's own settings file; examples render once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import EXAMPLES, list_files


@pytest.fixture(scope="session", autouse=True)
def _isolated_copier_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point COPIER_SETTINGS_PATH at empty settings, for this process and its subprocesses."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    # An empty mapping: copier 9.19 rejects a file with no YAML document at all.
    settings.write_text("{}\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPIER_SETTINGS_PATH", str(settings))
        yield


def _fingerprint(project: Path) -> dict[str, str]:
    """Every file under ``project`` with a hash of its content (or its link target)."""
    found = {}
    for relative in list_files(project):
        path = project / relative
        content = str(path.readlink()).encode() if path.is_symlink() else path.read_bytes()
        found[relative] = hashlib.sha256(content).hexdigest()
    return found


@pytest.fixture(scope="session")
def rendered_examples(
    _isolated_copier_settings: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Path]]:
    """Each example of ``examples/``, rendered once per session by ``new --answers-file``.

    Keyed by the example's name (its track). The projects are shared, so they are read-only:
    a test that changes a project works on a copy (``shutil.copytree(project, dest,
    symlinks=True)``). A test that changed one anyway fails the session at teardown.
    """
    # The same rendering as the expected file lists of tests/render/expected/.
    from tests.render.update_expected import render_example

    root = tmp_path_factory.mktemp("examples")
    projects = {example.stem: render_example(example, root / example.stem) for example in EXAMPLES}
    before = {name: _fingerprint(project) for name, project in projects.items()}
    yield projects
    changed = [name for name, project in projects.items() if _fingerprint(project) != before[name]]
    assert changed == [], f"a test changed the shared rendered examples {changed}; copy them first"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tests last, so the fast layers report first."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)
