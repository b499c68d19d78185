"""Fixtures for the unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml


@dataclass
class FakeCopier:
    """Stands in for ``copier.run_copy``: records each call and writes only the answers file."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def run_copy(self, src_path: str, dst_path: Path, **kwargs: Any) -> None:
        self.calls.append({"src_path": src_path, "dst_path": Path(dst_path), **kwargs})
        answers = {**(kwargs.get("user_defaults") or {}), **(kwargs.get("data") or {})}
        (Path(dst_path) / ".copier-answers.yml").write_text(
            "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
            + yaml.safe_dump({"_src_path": src_path, **answers}),
            encoding="utf-8",
        )

    @property
    def data(self) -> dict[str, Any]:
        """The forced answers of the last call."""
        return dict(self.calls[-1]["data"])


@pytest.fixture
def fake_copier(monkeypatch: pytest.MonkeyPatch) -> FakeCopier:
    """Replace Copier's rendering, for tests of what mlscaffold does around it."""
    import copier

    fake = FakeCopier()
    monkeypatch.setattr(copier, "run_copy", fake.run_copy)
    return fake
