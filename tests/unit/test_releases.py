"""Template releases: the registry, what a checkout is, the bundle a wheel carries, and sources.

Each test builds a small released template repository (tests.support.tiny_template_at) in a
temporary folder; nothing reads the network.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
import yaml

from mlscaffold._releases.bundle import IDENTITY, write_bundle
from mlscaffold._releases.identify import identify
from mlscaffold._releases.registry import parse_registry
from mlscaffold._releases.sources import BundleSource, GitSource
from mlscaffold.errors import ReleaseError
from tests.support import REPO_ROOT, append, commit_all, isolated_git, release, sh, tiny_template_at

SHA = "62651f19d3255f63e0470c6f09730e2d008e0af6"


@pytest.fixture(autouse=True)
def _git_identity(tmp_path: Path) -> Iterator[None]:
    with isolated_git(tmp_path):
        yield


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Releases 0.1.0 and 0.2.0 of the small template, in the registry only."""
    repo = tiny_template_at(tmp_path / "mlscaffold", tag=False)
    append(repo / "templates" / "project" / "docs" / "runbook.md.jinja", "\nNew section.\n")
    release(repo, "0.2.0")
    return repo


def registry(repo: Path) -> list[dict[str, str]]:
    loaded = yaml.safe_load((repo / "templates" / "releases.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return loaded


# The registry


def test_this_repositorys_registry_records_release_0_1_0() -> None:
    text = (REPO_ROOT / "templates" / "releases.yml").read_text(encoding="utf-8")

    releases = parse_registry(text, "templates/releases.yml")

    assert releases[0].tag == "v0.1.0"
    assert releases[0].commit == SHA
    assert [r.version for r in releases] == sorted(r.version for r in releases)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("- version: v0.1.0\n  commit: " + SHA + "\n  date: '2026-11-26'\n", "without a leading"),
        ("- version: '0.1.0'\n  commit: 62651f1\n  date: '2026-11-26'\n", "full 40-character"),
        ("- version: '0.1.0'\n  commit: " + SHA + "\n  date: 26/11/2026\n", "YYYY-MM-DD"),
        ("- version: '0.1.0'\n  commit: " + SHA + "\n  date: '2026-11-26'\n  tag: x\n", "unknown"),
        (
            "- {version: '0.1.0', commit: " + SHA + ", date: '2026-11-26'}\n"
            "- {version: '0.1.0', commit: " + "a" * 40 + ", date: '2026-11-27'}\n",
            "listed twice",
        ),
        ("version: 0.1.0\n", "must be a YAML list"),
        ("- [\n", "not valid YAML"),
    ],
    ids=["v-prefix", "short-commit", "date", "unknown-key", "twice", "mapping", "yaml"],
)
def test_malformed_registry_is_refused_with_the_fix(text: str, fragment: str) -> None:
    with pytest.raises(ReleaseError, match=re.escape(fragment)):
        parse_registry(text, "releases.yml")


# What a checkout is


def test_checkout_whose_template_equals_a_release_is_that_release(repo: Path) -> None:
    # HEAD is the registry commit after the release: only the registry differs.
    identity = identify(repo)

    assert identity.label == "v0.2.0"
    assert identity.release == "0.2.0"
    assert identity.note is None


def test_a_commit_that_changes_only_the_generator_is_still_the_release(repo: Path) -> None:
    (repo / "generator.py").write_text("print('cli')\n", encoding="utf-8")
    commit_all(repo, "Generator change")

    assert identify(repo).label == "v0.2.0"


def test_template_change_after_a_release_is_described_from_it(repo: Path) -> None:
    append(repo / "copier.yml", "\n")
    commit_all(repo, "Unreleased change")
    head = sh("git", "rev-parse", "HEAD", cwd=repo).strip()

    identity = identify(repo)

    # Two commits past the release commit: the registry entry and the change.
    assert identity.label == f"v0.2.0-2-g{head[:12]}"
    assert identity.release is None


def test_uncommitted_template_change_is_noted(repo: Path) -> None:
    append(repo / "templates" / "project" / "README.md.jinja", "draft\n")

    identity = identify(repo)

    assert identity.label == "v0.2.0"
    assert identity.note is not None
    assert "uncommitted template changes" in identity.note


def test_checkout_with_no_release_in_its_history_is_its_commit(tmp_path: Path) -> None:
    repo = tiny_template_at(tmp_path / "t", tag=False)
    (repo / "templates" / "releases.yml").unlink()
    commit_all(repo, "No registry")

    assert re.fullmatch(r"[0-9a-f]{12}", identify(repo).label)


# Sources and the bundle


def test_git_source_resolves_tags_short_commits_and_described_commits(repo: Path) -> None:
    source = GitSource.open(repo, "the test repository")
    first = registry(repo)[0]["commit"]

    assert [r.tag for r in source.releases] == ["v0.1.0", "v0.2.0"]
    assert source.resolve("v0.1.0").commit == first
    assert source.resolve(first[:7]).release == source.releases[0]
    described = source.resolve(f"v0.1.0-1-g{registry(repo)[1]['commit'][:12]}")
    assert described.release == source.releases[1]


@pytest.mark.parametrize(
    ("label", "fragment"),
    [("v9.9.9", "not among the releases"), ("0" * 12, "does not have"), ("main", "neither")],
)
def test_git_source_refuses_what_it_does_not_have(repo: Path, label: str, fragment: str) -> None:
    source = GitSource.open(repo, "the test repository")

    with pytest.raises(ReleaseError, match=fragment):
        source.resolve(label)


def test_bundle_holds_every_release_and_says_what_the_template_is(
    repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"

    write_bundle(repo, out)
    source = BundleSource.open(out)

    assert [r.tag for r in source.releases] == ["v0.1.0", "v0.2.0"]
    assert yaml.safe_load((out / IDENTITY).read_text(encoding="utf-8"))["label"] == "v0.2.0"
    for entry, expected in zip(registry(repo), ("", "New section."), strict=True):
        with tarfile.open(fileobj=BytesIO(source.archive(entry["commit"]))) as tar:
            member = tar.extractfile("templates/project/docs/runbook.md.jinja")
            assert member is not None
            assert expected in member.read().decode()
    # The same releases give the same bytes, so wheels are reproducible.
    again = tmp_path / "again"
    write_bundle(repo, again)
    assert (again / "0.1.0.tar.gz").read_bytes() == (out / "0.1.0.tar.gz").read_bytes()


def test_bundle_refuses_a_commit_between_releases(repo: Path, tmp_path: Path) -> None:
    write_bundle(repo, tmp_path / "bundle")
    source = BundleSource.open(tmp_path / "bundle")

    with pytest.raises(ReleaseError, match="holds only releases"):
        source.resolve("v0.1.0-3-gabcdef123456")


def test_shallow_clone_cannot_be_bundled_and_says_how_to_fix_it(repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    sh("git", "clone", "--quiet", "--depth", "1", f"file://{repo}", shallow, cwd=tmp_path)

    with pytest.raises(ReleaseError, match="shallow clone") as caught:
        write_bundle(shallow, tmp_path / "bundle")

    assert "git fetch --unshallow" in str(caught.value)
    assert "v0.1.0" in str(caught.value)


def test_folder_without_git_cannot_be_bundled(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="not a git clone"):
        write_bundle(tmp_path, tmp_path / "bundle")
