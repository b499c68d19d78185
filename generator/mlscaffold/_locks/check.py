"""Does a lock match its ``pyproject.toml``? ``mlscaffold locks check`` and the tests ask.

uv's own answer (``uv lock --check``) needs a Python of the version the project requires; this one
needs neither uv nor that Python nor the network, so it can check every track and Python version
the template offers, on any machine, in well under a second. It compares what uv compares to
decide that a lock is current: the project's name, version and ``requires-python``, each
dependency and extra it declares (name, extras, version specifier and environment marker, markers
compared by what they select, not how they are written), and the extras it provides. It also
checks that each declared dependency has a locked version that satisfies it, and that no locked
package takes the project's own name.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from mlscaffold._locks import LockError

# One declared dependency: name, extras, specifier, URL and what its marker selects.
_Key = tuple[str, tuple[str, ...], str, str, tuple[bool, ...]]

_WHEEL_LINE = re.compile(r"^[ \t]+\{ url = .*\n", re.MULTILINE)
_PYTHONS = [f"3.{minor}" for minor in range(9, 16)]
_PLATFORMS = [
    ("linux", "Linux", "posix"),
    ("darwin", "Darwin", "posix"),
    ("win32", "Windows", "nt"),
    ("emscripten", "Emscripten", "posix"),
]
_MACHINES = ["x86_64", "aarch64"]
_IMPLEMENTATIONS = [("cpython", "CPython"), ("pypy", "PyPy")]


def check_project(project: Path) -> list[str]:
    """The ways ``project``'s ``uv.lock`` does not match its ``pyproject.toml`` (none: current).

    The pip constraints (``constraints.txt``) are compared with the lock too, when there are any.

    Raises:
        LockError: A file is missing or not valid TOML.
    """
    texts = {}
    for name in ("pyproject.toml", "uv.lock", "constraints.txt"):
        path = project / name
        if name == "constraints.txt" and not path.exists():
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise LockError(f"cannot read {path} ({exc.strerror or exc})") from exc
    problems = compare(texts["pyproject.toml"], texts["uv.lock"])
    if "constraints.txt" in texts:
        problems += compare_constraints(texts["uv.lock"], texts["constraints.txt"])
    return problems


def compare_constraints(lock_text: str, constraints_text: str) -> list[str]:
    """The ways pip constraints (``uv export`` of a lock) pin other versions than the lock.

    Raises:
        LockError: The lock is not valid TOML.
    """
    lock = _parsed_lock(lock_text)
    locked = {
        (str(p.get("name")), str(p.get("version")))
        for p in lock.get("package", [])
        if isinstance(p, dict) and "registry" in p.get("source", {})
    }
    pinned = set()
    for line in constraints_text.splitlines():
        requirement = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pinned.add((canonicalize_name(name), version.strip()))
    problems = [
        f"constraints.txt pins {name}=={version}, which the lock does not hold"
        for name, version in sorted(pinned - locked)
    ]
    problems += [
        f"constraints.txt lacks {name}=={version}, which the lock holds"
        for name, version in sorted(locked - pinned)
    ]
    return problems


def compare(pyproject_text: str, lock_text: str) -> list[str]:
    """The ways a lock does not match a ``pyproject.toml``, each a sentence naming the difference.

    Raises:
        LockError: Either text is not valid TOML, or ``pyproject.toml`` has no ``[project]``.
    """
    pyproject = _toml(pyproject_text, "pyproject.toml")
    lock = _parsed_lock(lock_text)
    project = pyproject.get("project")
    if not isinstance(project, dict) or "name" not in project:
        raise LockError("pyproject.toml has no [project] table with a name")
    name = canonicalize_name(str(project["name"]))
    problems = []
    declared = str(project.get("requires-python", ""))
    locked = str(lock.get("requires-python", ""))
    if SpecifierSet(declared) != SpecifierSet(locked):
        problems.append(f"requires-python: the lock has {locked!r}, pyproject.toml {declared!r}")
    packages = [p for p in lock.get("package", []) if isinstance(p, dict)]
    own = [p for p in packages if p.get("source") in ({"editable": "."}, {"virtual": "."})]
    if len(own) != 1:
        return [*problems, "the lock has no single entry for the project itself (source '.')"]
    entry = own[0]
    if entry.get("name") != name:
        problems.append(f"the lock's project is named {entry.get('name')!r}, not {name!r}")
    if "version" in project and entry.get("version") != project["version"]:
        problems.append(
            f"the lock has the project at version {entry.get('version')!r}, pyproject.toml at "
            f"{project['version']!r}"
        )
    clash = [p for p in packages if p is not entry and p.get("name") == name]
    if clash:
        problems.append(f"a locked library is named {name!r} too, like the project")
    metadata = entry.get("metadata", {})
    extras = project.get("optional-dependencies", {})
    problems += _compare_requirements(project, extras, metadata.get("requires-dist", []))
    provided = {canonicalize_name(e) for e in metadata.get("provides-extras", [])}
    wanted = {canonicalize_name(e) for e in extras}
    if provided != wanted:
        problems.append(
            f"extras: the lock provides {sorted(provided)}, pyproject.toml declares "
            f"{sorted(wanted)}"
        )
    groups = pyproject.get("dependency-groups", {})
    if groups or metadata.get("requires-dev"):
        recorded = metadata.get("requires-dev", {})
        for group in sorted(set(groups) | set(recorded)):
            problems += _compare_lists(
                f"dependency group {group!r}",
                [Requirement(r) for r in groups.get(group, []) if isinstance(r, str)],
                recorded.get(group, []),
                (),
            )
    problems += _unsatisfied(project, extras, packages)
    return problems


def _compare_requirements(
    project: Mapping[str, Any], extras: Mapping[str, list[str]], recorded: list[dict[str, Any]]
) -> list[str]:
    wanted = [Requirement(r) for r in project.get("dependencies", [])]
    for extra, requirements in extras.items():
        for text in requirements:
            requirement = Requirement(text)
            own = f"({requirement.marker}) and " if requirement.marker else ""
            requirement.marker = Marker(f"{own}extra == '{extra}'")
            wanted.append(requirement)
    return _compare_lists("dependencies", wanted, recorded, tuple(extras))


def _compare_lists(
    what: str, wanted: list[Requirement], recorded: list[dict[str, Any]], extras: tuple[str, ...]
) -> list[str]:
    names = tuple(canonicalize_name(e) for e in extras)
    expected = {_key(r, names): str(r) for r in wanted}
    found = {_key(_from_lock(item), names): _shown(item) for item in recorded}
    problems = [
        f"{what}: pyproject.toml declares {text!r}, which the lock does not record"
        for key, text in expected.items()
        if key not in found
    ]
    problems += [
        f"{what}: the lock records {text}, which pyproject.toml does not declare"
        for key, text in found.items()
        if key not in expected
    ]
    return problems


def _unsatisfied(
    project: Mapping[str, Any], extras: Mapping[str, list[str]], packages: list[dict[str, Any]]
) -> list[str]:
    versions: dict[str, list[Version]] = {}
    for package in packages:
        try:
            version = Version(str(package.get("version")))
        except InvalidVersion:
            continue
        versions.setdefault(str(package.get("name")), []).append(version)
    problems = []
    every = [*project.get("dependencies", []), *itertools.chain(*extras.values())]
    for text in every:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if requirement.url:
            continue
        candidates = versions.get(name, [])
        if not any(requirement.specifier.contains(v, prereleases=True) for v in candidates):
            have = ", ".join(str(v) for v in candidates) or "none"
            problems.append(f"{text!r}: no locked version satisfies it (locked: {have})")
    return problems


def _from_lock(item: Mapping[str, Any]) -> Requirement:
    extras = f"[{','.join(item['extras'])}]" if item.get("extras") else ""
    text = f"{item['name']}{extras}{item.get('specifier', '')}"
    if item.get("url"):
        text = f"{item['name']}{extras} @ {item['url']}"
    if item.get("marker"):
        text += f" ; {item['marker']}"
    return Requirement(text)


def _shown(item: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k} = {v!r}" for k, v in item.items()) + "}"


def _key(requirement: Requirement, extras: tuple[str, ...]) -> _Key:
    marker = str(requirement.marker) if requirement.marker else ""
    return (
        canonicalize_name(requirement.name),
        tuple(sorted(canonicalize_name(e) for e in requirement.extras)),
        str(requirement.specifier),
        requirement.url or "",
        _selects(marker, extras),
    )


@functools.lru_cache(maxsize=256)
def _selects(marker: str, extras: tuple[str, ...]) -> tuple[bool, ...]:
    """Which of a grid of environments (Python, platform, machine, extra) the marker selects."""
    if not marker:
        return ()
    parsed = Marker(marker)
    return tuple(parsed.evaluate(environment) for environment in _environments(extras))


def _environments(extras: Iterable[str]) -> list[dict[str, str]]:
    found = []
    grid = itertools.product(_PYTHONS, _PLATFORMS, _MACHINES, _IMPLEMENTATIONS, ["", *extras])
    for python, (platform, system, os_name), machine, (implementation, python_impl), extra in grid:
        found.append(
            {
                "python_version": python,
                "python_full_version": f"{python}.0",
                "sys_platform": platform,
                "platform_system": system,
                "os_name": os_name,
                "platform_machine": machine,
                "implementation_name": implementation,
                "platform_python_implementation": python_impl,
                "extra": extra,
            }
        )
    return found


@functools.lru_cache(maxsize=4)
def _parsed_lock(text: str) -> dict[str, Any]:
    """A lock as TOML, without its file lists (the URLs and hashes of each wheel: most of it)."""
    return _toml(_WHEEL_LINE.sub("", text), "uv.lock")


def _toml(text: str, what: str) -> dict[str, Any]:
    try:
        module = importlib.import_module("tomllib")
    except ModuleNotFoundError:
        try:
            module = importlib.import_module("tomli")
        except ModuleNotFoundError:
            raise LockError(
                "checking a lock needs Python 3.11 or later, or the tomli package "
                "(pip install tomli)"
            ) from None
    try:
        loaded: dict[str, Any] = module.loads(text)
    except module.TOMLDecodeError as exc:
        raise LockError(f"{what} is not valid TOML: {exc}") from exc
    return loaded
