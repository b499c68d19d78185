"""Safety: the audit reads a bounded set of files and reports every file it skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlscaffold._audit import audit_repository, repository
from mlscaffold._audit.repository import Repo
from tests.unit.test_audit import FAKE_AWS_KEY, audit, by_id, write


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    write(tmp_path, {"README.md": "# Hostile\n", "src/app.py": "x = 1\n"})
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "etc").symlink_to("/etc")
    (tmp_path / "passwd").symlink_to("/etc/passwd")
    with (tmp_path / "huge.py").open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" * 10)
    locked = tmp_path / "locked.py"
    locked.write_text(f"KEY = '{FAKE_AWS_KEY}'\n")
    locked.chmod(0)
    deep = tmp_path.joinpath(*["d"] * (repository.MAX_DEPTH + 2))
    deep.mkdir(parents=True)
    (deep / "deep.py").write_text(f"KEY = '{FAKE_AWS_KEY}'\n")
    return tmp_path


def test_hostile_tree_is_audited_and_skips_are_reported(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = repository._read_bytes

    def denied(path: Path, limit: int) -> bytes:
        # As root chmod 000 does not stop reading; the read fails as it would for a user.
        if path.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, limit)

    monkeypatch.setattr(repository, "_read_bytes", denied)

    report = audit_repository(hostile)

    skipped = report.skipped
    assert skipped["loop"] == "symlink loop"
    assert skipped["a"] == "symlink loop"
    assert skipped["etc"] == "symlink leaves the tree"
    assert skipped["passwd"] == "symlink leaves the tree"
    assert skipped["huge.py"] == "over 2 MB"
    assert skipped["blob.bin"] == "binary"
    assert skipped["locked.py"] == "unreadable"
    assert any(reason == "too deep" for reason in skipped.values())
    assert by_id(report)["no-secrets"].passed  # the unreadable and too-deep keys are not read
    assert report.skipped_summary.startswith(f"{len(skipped)} files (")
    assert "symlink loop: 3" in report.skipped_summary


def test_skips_are_printed(hostile: Path) -> None:
    out = audit(hostile).stdout

    assert "Skipped: " in out
    assert "symlink leaves the tree" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_as_a_user(tmp_path: Path) -> None:
    locked = tmp_path / "locked.py"
    locked.write_text("x = 1\n")
    locked.chmod(0)

    assert audit_repository(tmp_path).skipped["locked.py"] == "unreadable"


def test_a_symlink_inside_the_tree_is_read(tmp_path: Path) -> None:
    write(tmp_path, {"real/settings.py": f"KEY = '{FAKE_AWS_KEY}'\n"})
    (tmp_path / "alias.py").symlink_to(tmp_path / "real/settings.py")

    check = by_id(audit_repository(tmp_path))["no-secrets"]

    assert "alias.py:1: AWS access key ID" in check.evidence


def test_nothing_is_read_outside_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"secret.py": f"KEY = '{FAKE_AWS_KEY}'\n"})
    root = tmp_path / "repo"
    write(root, {"README.md": "# x\n"})
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "dir").symlink_to(outside)

    repo = Repo.open(root.resolve())

    assert repo.text("link.py") is None
    assert "dir/secret.py" not in repo.files
    assert by_id(audit_repository(root))["no-secrets"].passed


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")

    assert audit_repository(tmp_path).skipped["pipe"] == "not a regular file"
