"""Task resolution: what CI, commit hooks and people run, followed through the task runners.

Projects rarely call their tools directly: CI runs ``make test``, ``just lint``, ``mise run
test``, ``nox -s tests``, ``tox -e py``, ``uv run poe test``... This module reads every task
runner's definitions as text (nothing is imported or run) and resolves those calls to the command
lines the tasks hold, so that a check asks "does CI run pytest?" and gets the answer with the whole
chain as evidence: ``.github/workflows/ci.yml:30: mise run test -> mise.toml:4: uv run pytest``.

Recognised:

- task runners: make, just, mise (``[tasks]`` in ``mise.toml`` and file tasks), nox (sessions of
  ``noxfile.py``, read with :mod:`ast`), tox (``tox.ini``, ``tox.toml``, ``[tool.tox]``), poe
  (``[tool.poe.tasks]``), hatch scripts (``[tool.hatch.envs.*.scripts]``), pdm scripts
  (``[tool.pdm.scripts]``), invoke (``@task`` functions of ``tasks.py``), Task
  (``Taskfile.yml``), npm scripts (``package.json``) and shell scripts called by path;
- commit hook managers, resolved the same way: pre-commit (and prek), lefthook and husky;
- CI: the ``run:`` and ``uses:`` steps of GitHub Actions workflows and local composite actions,
  and the ``script:`` lists of GitLab CI (with its local includes).

Tasks calling tasks are followed up to :data:`MAX_DEPTH` levels, never in a loop.
"""

from __future__ import annotations

import ast
import configparser
import importlib
import json
import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from mlscaffold._audit.repository import Hit, Repo, line_hit

MAX_DEPTH = 4
"""How many task calls deep a command line is followed."""

RUNNERS = (
    "make",
    "just",
    "mise",
    "nox",
    "tox",
    "poe",
    "hatch",
    "pdm",
    "invoke",
    "task",
    "npm",
    "script",
)
"""The task runners, in the order evidence names them."""

HOOK_MANAGERS = ("pre-commit", "lefthook", "husky")
"""The commit hook managers."""


@dataclass(frozen=True)
class Task:
    """One task as its runner defines it.

    Attributes:
        runner: One of :data:`RUNNERS` or :data:`HOOK_MANAGERS`.
        name: The name it is called by.
        where: Its definition line.
        lines: The command lines it runs, each where it is written.
        calls: The other tasks of the same runner (and folder) it runs first or in turn.
    """

    runner: str
    name: str
    where: Hit
    lines: tuple[Hit, ...] = ()
    calls: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        """The folder of the file defining the task, ``""`` for the root."""
        parent = PurePosixPath(self.where.path).parent.as_posix()
        return "" if parent == "." else parent


@dataclass(frozen=True)
class Step:
    """A command line run by CI, a hook or a task, with the calls that lead to it.

    Attributes:
        hit: The command line, where it is written.
        via: The calling lines, outermost first.
    """

    hit: Hit
    via: tuple[Hit, ...] = ()

    @property
    def text(self) -> str:
        """The command line's text."""
        return self.hit.text

    def __str__(self) -> str:
        return " -> ".join(str(h) for h in (*self.via, self.hit))


@dataclass(frozen=True)
class Entry:
    """A command line where CI or a hook starts, and the folder it runs in.

    Attributes:
        hit: The command line.
        cwd: Its working folder, relative to the root (``""`` for the root).
    """

    hit: Hit
    cwd: str = ""


@dataclass
class TaskIndex:
    """Every task of the repository, by runner and name, and the resolution of command lines.

    Attributes:
        tasks: The tasks of each runner, in definition order.
    """

    tasks: dict[str, list[Task]] = field(default_factory=dict)

    def add(self, task: Task) -> None:
        """Record TASK."""
        self.tasks.setdefault(task.runner, []).append(task)

    def of(self, runner: str) -> list[Task]:
        """RUNNER's tasks, in definition order."""
        return self.tasks.get(runner, [])

    def find(self, runner: str, name: str, cwd: str = "") -> list[Task]:
        """RUNNER's tasks called NAME: those defined in CWD, else at the root, else anywhere."""
        named = [t for t in self.of(runner) if _same_name(runner, t.name, name)]
        for folder in (cwd, ""):
            here = [t for t in named if t.folder == folder]
            if here:
                return here
        return named[:1]

    def resolve(self, entries: Iterable[Entry]) -> list[Step]:
        """Every command line ENTRIES run, with each task they call expanded in place.

        Args:
            entries: The command lines to start from.

        Returns:
            The steps, each entry followed by the lines of the tasks it calls.
        """
        steps: list[Step] = []
        for entry in entries:
            self._expand(entry.hit, entry.cwd, (), frozenset(), steps)
        return steps

    def _expand(
        self,
        hit: Hit,
        cwd: str,
        via: tuple[Hit, ...],
        seen: frozenset[tuple[str, str, str]],
        out: list[Step],
    ) -> None:
        out.append(Step(hit, via))
        if len(via) >= MAX_DEPTH:
            return
        for task in self.called(hit.text, cwd):
            key = (task.runner, task.where.path, task.name)
            if key in seen:
                continue
            folder = cwd if task.runner == "script" else task.folder
            for line in task.lines:
                self._expand(line, folder, (*via, hit), seen | {key}, out)
            for name in task.calls:
                for called in self.find(task.runner, name, task.folder):
                    ckey = (called.runner, called.where.path, called.name)
                    if ckey in seen or ckey == key:
                        continue
                    for line in called.lines:
                        self._expand(line, called.folder, (*via, hit), seen | {key, ckey}, out)

    def called(self, text: str, cwd: str = "") -> list[Task]:
        """The tasks the command line TEXT calls, in order."""
        found: list[Task] = []
        for segment_cwd, runner, words in invocations(text, cwd):
            found += self._lookup(runner, words, segment_cwd)
        return found

    def _lookup(self, runner: str, words: list[str], cwd: str) -> list[Task]:
        if runner == "script":
            path = words[0].removeprefix("./")
            for candidate in (f"{cwd}/{path}" if cwd else path, path):
                found = [t for t in self.of("script") if t.name == candidate]
                if found:
                    return found
            return []
        if not words:
            return self._defaults(runner, cwd)
        found = []
        for word in words:
            named = self.find(runner, word, cwd)
            if not named and runner == "tox":
                named = self.find("tox", "testenv", cwd)  # py311 and the like: the base env
            found += named
        return found

    def _defaults(self, runner: str, cwd: str) -> list[Task]:
        """The tasks a runner called without a name runs."""
        tasks = [t for t in self.of(runner) if t.folder in (cwd, "")]
        if runner in {"nox", "tox", "pre-commit", "lefthook"}:
            return tasks
        if runner == "make":
            return tasks[:1]
        return []


def _same_name(runner: str, defined: str, called: str) -> bool:
    if defined == called:
        return True
    if runner == "invoke":
        return defined.replace("_", "-") == called.replace("_", "-")
    if runner == "nox":
        return re.fullmatch(re.escape(defined) + r"(?:-[\w.]+|\(.*\))?", called) is not None
    return False


# ---------------------------------------------------------------- invocations in a command line

_SEGMENT_SPLIT = re.compile(r"&&|\|\||[;|]|\$\(|`")
_ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = frozenset(
    {"uv", "uvx", "poetry", "pipx", "rye", "pipenv", "exec", "env", "time", "sudo", "run", "-m"}
)


_WRAPPER_VALUE_OPTIONS = frozenset(
    {
        "--group",
        "--with",
        "--extra",
        "--python",
        "-p",
        "--env-file",
        "--directory",
        "--package",
        "--project",
        "--only-group",
        "--from",
        "-E",
        "-G",
    }
)


def _words(segment: str) -> list[str]:
    segment = segment.split(" #", 1)[0]
    try:
        return shlex.split(segment, comments=False)
    except ValueError:
        return segment.split()


def invocations(text: str, cwd: str = "") -> Iterator[tuple[str, str, list[str]]]:
    """The task runner calls in the command line TEXT.

    Args:
        text: One command line (a CI step's line, a recipe line, a hook entry).
        cwd: The folder it runs in, relative to the root.

    Yields:
        ``(folder, runner, names)`` for each call: the folder it runs in, the runner of
        :data:`RUNNERS` or :data:`HOOK_MANAGERS`, and the task names (empty for the default).
    """
    line = text.strip()
    if line.startswith("#"):
        return
    line = re.sub(r"^-?\s*(?:run|script|entry|cmd|command)\s*:\s*", "", line.lstrip("- "))
    for segment in _SEGMENT_SPLIT.split(line):
        words = _words(segment)
        while words and (_ENV_ASSIGN.match(words[0]) or words[0] in _WRAPPERS):
            words = words[1:]
            while words and words[0].startswith("-") and words[0] != "-m":
                takes_value = words[0] in _WRAPPER_VALUE_OPTIONS
                words = words[2:] if takes_value else words[1:]
        if words and words[0] in {"python", "python3"} and len(words) > 2 and words[1] == "-m":
            words = words[2:]
        if not words:
            continue
        if words[0] == "cd" and len(words) > 1:
            cwd = _join(cwd, words[1])
            continue
        parsed = _parse(words, cwd)
        if parsed is not None:
            yield parsed


def _join(cwd: str, path: str) -> str:
    joined = PurePosixPath(cwd or ".", path.removeprefix("./")).as_posix()
    parts: list[str] = []
    for part in joined.split("/"):
        if part in {"", "."}:
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _names(words: Sequence[str], value_options: frozenset[str] = frozenset()) -> list[str]:
    """The positional words of WORDS, skipping options and the values of VALUE_OPTIONS."""
    names: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in value_options
            continue
        if _ENV_ASSIGN.match(word) or word == ":::":
            continue
        names.append(word)
    return names


def _option_values(words: Sequence[str], options: frozenset[str]) -> list[str] | None:
    """The values given to any of OPTIONS in WORDS (``-e a,b`` or ``-e=a``), else ``None``."""
    values: list[str] | None = None
    for i, word in enumerate(words):
        for option in options:
            if word == option and i + 1 < len(words):
                values = (values or []) + words[i + 1].split(",")
            elif word.startswith(option + "=") or (
                len(option) == 2 and word.startswith(option) and len(word) > 2
            ):
                values = (values or []) + word[len(option) :].lstrip("=").split(",")
    return values


def _parse(words: list[str], cwd: str) -> tuple[str, str, list[str]] | None:
    head, rest = PurePosixPath(words[0]).name, words[1:]
    if head in {"make", "gmake", "$(MAKE)", "${MAKE}"}:
        folder = _option_values(rest, frozenset({"-C", "--directory"}))
        where = _join(cwd, folder[0]) if folder else cwd
        targets = _names(rest, frozenset({"-C", "--directory", "-f", "--file", "-j", "-l"}))
        return where, "make", targets
    if head == "just":
        names = _names(rest, frozenset({"-f", "--justfile", "-d", "--working-directory"}))
        return cwd, "just", names[:1]
    if head == "mise":
        names = _names(rest, frozenset({"-C", "--cd", "-E", "--env", "-j", "--jobs"}))
        if names[:2] == ["tasks", "run"]:
            names = names[2:]
        elif names[:1] in (["run"], ["r"]):
            names = names[1:]
        else:
            return cwd, "mise", names[:1] if names else []
        return cwd, "mise", [n for n in names if n != ":::"][:4]
    if head == "nox":
        sessions = _option_values(rest, frozenset({"-s", "--session", "--sessions", "-e"}))
        return cwd, "nox", sessions or []
    if head == "tox":
        envs = _option_values(rest, frozenset({"-e", "--env"}))
        return cwd, "tox", envs or []
    if head == "poe":
        return cwd, "poe", _names(rest, frozenset({"-C", "--directory", "--root"}))[:1]
    if head == "hatch" and rest[:1] == ["run"]:
        names = _names(rest[1:])
        return (cwd, "hatch", names[:1]) if names else None
    if head == "pdm":
        names = _names(rest)
        if names[:1] == ["run"]:
            names = names[1:]
        return (cwd, "pdm", names[:1]) if names else None
    if head in {"invoke", "inv"}:
        return cwd, "invoke", _names(rest, frozenset({"-c", "--collection", "-r"}))
    if head == "task":
        return cwd, "task", _names(rest, frozenset({"-d", "--dir", "-t", "--taskfile"}))
    if head in {"npm", "pnpm", "yarn", "bun"}:
        names = _names(rest)
        if names[:1] in (["run"], ["run-script"]):
            names = names[1:]
        elif names[:1] not in (["test"], ["lint"]) and head == "npm":
            return None
        return (cwd, "npm", names[:1]) if names else None
    if head in {"pre-commit", "prek"}:
        names = _names(
            rest,
            frozenset(
                {"--hook-stage", "--config", "-c", "--files", "--from-ref", "--to-ref", "-s", "-o"}
            ),
        )
        if names[:1] != ["run"]:
            return None
        return cwd, "pre-commit", names[1:2]
    if head == "lefthook" and rest[:1] == ["run"]:
        return cwd, "lefthook", _names(rest[1:])[:1]
    if head in {"bash", "sh", "zsh", "source", "."} and rest:
        script = _names(rest)
        return (cwd, "script", script[:1]) if script else None
    if "/" in words[0] or words[0].endswith(".sh"):
        return cwd, "script", [words[0]]
    return None


# ---------------------------------------------------------------- reading the task definitions


def load_toml(text: str) -> dict[str, Any] | None:
    """TEXT parsed as TOML, or ``None`` when it is invalid or no TOML parser is installed."""
    for name in ("tomllib", "tomli"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        try:
            loaded: dict[str, Any] = module.loads(text)
        except ValueError:
            return None
        return loaded
    return None


def locate(path: str, text: str, needle: str, start: int = 0) -> Hit:
    """The first line of TEXT at or after offset START holding NEEDLE (else the line of START)."""
    offset = text.find(needle, start) if needle else -1
    if offset < 0:
        offset = start
    line = text.count("\n", 0, offset) + 1
    return line_hit(path, text, line)


def _section(text: str, pattern: str) -> int:
    """The offset of the first line matching PATTERN in TEXT, else 0."""
    match = re.search(pattern, text, re.MULTILINE)
    return match.start() if match else 0


def _command_hits(path: str, text: str, commands: Iterable[str], start: int) -> tuple[Hit, ...]:
    hits = []
    for command in commands:
        first = command.strip().splitlines()[0] if command.strip() else command
        hit = locate(path, text, first, start)
        hits.append(Hit(hit.path, hit.line, hit.text if first in hit.text else first))
    return tuple(hits)


_MAKE_RULE = re.compile(
    r"^([A-Za-z0-9_.%/$(){}-]+(?:[ \t]+[A-Za-z0-9_.%/$(){}-]+)*)[ \t]*::?(?!=)([^\n]*)$",
    re.MULTILINE,
)


def read_make(path: str, text: str) -> Iterator[Task]:
    """The rules of a Makefile: target, recipe lines and prerequisites."""
    lines = text.splitlines()
    for match in _MAKE_RULE.finditer(text):
        start_line = text.count("\n", 0, match.start()) + 1
        recipe: list[Hit] = []
        inline = match.group(2).split("#", 1)[0]
        prereqs, _, command = inline.partition(";")
        if command.strip():
            recipe.append(Hit(path, start_line, lines[start_line - 1]))
        number = start_line
        while number < len(lines) and (
            lines[number].startswith("\t") or (recipe and lines[number - 1].endswith("\\"))
        ):
            recipe.append(Hit(path, number + 1, lines[number]))
            number += 1
        for target in match.group(1).split():
            if (target.startswith(".") and target.isupper()) or target.startswith(".PHONY"):
                continue
            where = Hit(path, start_line, lines[start_line - 1])
            yield Task("make", target, where, tuple(recipe), tuple(prereqs.split()))


_JUST_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)((?:[ \t]+[^:\n]*?)?)[ \t]*:(?!=)([^\n]*)$")
_JUST_KEYWORDS = frozenset({"set", "export", "alias", "import", "mod"})


def read_just(path: str, text: str) -> Iterator[Task]:
    """The recipes of a justfile: name, body lines and dependencies."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _JUST_RECIPE.match(line)
        if match is None or match.group(1) in _JUST_KEYWORDS or line.startswith((" ", "\t")):
            continue
        if line.split()[0] in _JUST_KEYWORDS:
            continue
        body: list[Hit] = []
        number = index + 1
        while number < len(lines) and (lines[number].startswith((" ", "\t")) or not lines[number]):
            if lines[number].strip():
                body.append(Hit(path, number + 1, lines[number]))
            number += 1
        deps = [d for d in re.split(r"[\s()]+", match.group(3).split("#", 1)[0]) if d]
        yield Task("just", match.group(1), Hit(path, index + 1, line), tuple(body), tuple(deps))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _strings(values: Iterable[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def read_mise(path: str, text: str) -> Iterator[Task]:
    """The ``[tasks]`` of a mise configuration file."""
    loaded = load_toml(text)
    tasks = loaded.get("tasks") if loaded else None
    if not isinstance(tasks, dict):
        return
    for name, spec in tasks.items():
        start = _section(
            text, rf"^\[tasks\.[\"']?{re.escape(name)}[\"']?\]|^[\"']?{re.escape(name)}[\"']?\s*="
        )
        where = line_hit(path, text, text.count("\n", 0, start) + 1)
        if isinstance(spec, (str, list)):
            commands = _strings(_as_list(spec))
            yield Task("mise", name, where, _command_hits(path, text, commands, start))
            continue
        if not isinstance(spec, dict):
            continue
        commands = _strings(_as_list(spec.get("run")))
        deps = _strings(_as_list(spec.get("depends"))) + _strings(_as_list(spec.get("wait_for")))
        yield Task(
            "mise",
            name,
            where,
            _command_hits(path, text, commands, start),
            tuple(d.split()[0] for d in deps if d.strip()),
        )


def read_file_task(runner: str, path: str, name: str, text: str) -> Task:
    """A task whose body is a whole file (a mise file task, a husky hook, a shell script)."""
    lines = text.splitlines()
    body = tuple(
        Hit(path, i + 1, line)
        for i, line in enumerate(lines)
        if line.strip() and not line.lstrip().startswith("#")
    )
    return Task(runner, name, line_hit(path, text, 1), body)


def _call_text(node: ast.Call) -> str:
    parts: list[str] = []
    for arg in node.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            parts.append(arg.value)
        elif isinstance(arg, ast.JoinedStr):
            parts.append(
                "".join(
                    v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                    for v in arg.values
                )
            )
        elif isinstance(arg, ast.Starred | ast.Name | ast.Attribute):
            parts.append("...")
    return " ".join(parts)


def _decorator_name(node: ast.expr) -> tuple[str, ast.Call | None]:
    call = node if isinstance(node, ast.Call) else None
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr, call
    if isinstance(target, ast.Name):
        return target.id, call
    return "", call


def read_python_tasks(runner: str, path: str, text: str) -> Iterator[Task]:
    """Nox sessions (``@nox.session``) or invoke tasks (``@task``) of a Python file, by AST.

    The file is parsed, never imported or run. A task's lines are its ``session.run(...)``,
    ``session.install(...)`` or ``c.run(...)`` calls, their string arguments joined.
    """
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError):
        return
    lines = text.splitlines()
    wanted = {"nox": {"session"}, "invoke": {"task"}}[runner]
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            name, call = _decorator_name(decorator)
            if name not in wanted:
                continue
            task_name = node.name
            calls: list[str] = []
            if call is not None:
                for keyword in call.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        task_name = str(keyword.value.value)
                    if keyword.arg in {"pre", "post"} and isinstance(keyword.value, ast.List):
                        calls += [e.id for e in keyword.value.elts if isinstance(e, ast.Name)]
                calls += [a.id for a in call.args if isinstance(a, ast.Name)]
            body: list[Hit] = []
            for inner in ast.walk(node):
                if not isinstance(inner, ast.Call) or not isinstance(inner.func, ast.Attribute):
                    continue
                method = inner.func.attr
                if method in {"run", "run_always", "run_install", "install", "sudo"}:
                    body.append(Hit(path, inner.lineno, _call_text(inner)))
                elif method == "notify" and inner.args:
                    first = inner.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        calls.append(first.value)
            where = Hit(path, node.lineno, lines[node.lineno - 1] if lines else "")
            yield Task(runner, task_name, where, tuple(body), tuple(calls))


def _tox_commands(value: str) -> list[str]:
    return [
        line.strip()
        for line in value.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def read_tox_ini(path: str, text: str, offset_text: str | None = None) -> Iterator[Task]:
    """The environments of a tox INI configuration (``tox.ini`` or ``legacy_tox_ini``)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    source = offset_text if offset_text is not None else text
    for section in parser.sections():
        if section != "testenv" and not section.startswith("testenv:"):
            continue
        name = section.partition(":")[2] or "testenv"
        start = source.find(f"[{section}]")
        start = max(start, 0)
        where = line_hit(path, source, source.count("\n", 0, start) + 1)
        commands = _tox_commands(parser.get(section, "commands", fallback=""))
        commands += _tox_commands(parser.get(section, "commands_pre", fallback=""))
        yield Task("tox", name, where, _command_hits(path, source, commands, start))


def _toml_command(command: Any) -> str | None:
    if isinstance(command, list):
        return " ".join(c for c in command if isinstance(c, str))
    return command if isinstance(command, str) else None


def read_tox_toml(path: str, text: str, table: dict[str, Any], prefix: str) -> Iterator[Task]:
    """The environments of a native TOML tox configuration (``tox.toml`` or ``[tool.tox]``)."""
    legacy = table.get("legacy_tox_ini")
    if isinstance(legacy, str):
        yield from read_tox_ini(path, legacy, text)
        return
    envs: list[tuple[str, Any, str]] = [("testenv", table.get("env_run_base"), "env_run_base")]
    env = table.get("env")
    if isinstance(env, dict):
        envs += [(name, spec, f"env.{name}") for name, spec in env.items()]
    for name, spec, key in envs:
        if not isinstance(spec, dict):
            continue
        start = _section(text, rf"^\[{re.escape(prefix + key)}\]")
        commands = [
            c for c in (_toml_command(x) for x in _as_list(spec.get("commands"))) if c is not None
        ]
        where = line_hit(path, text, text.count("\n", 0, start) + 1)
        yield Task("tox", name, where, _command_hits(path, text, commands, start))


def read_pyproject_tasks(path: str, text: str) -> Iterator[Task]:
    """The poe tasks, hatch scripts, pdm scripts and tox environments of a pyproject.toml."""
    loaded = load_toml(text)
    tool = loaded.get("tool") if loaded else None
    if not isinstance(tool, dict):
        return
    poe = tool.get("poe")
    if isinstance(poe, dict) and isinstance(poe.get("tasks"), dict):
        yield from _read_poe(path, text, poe["tasks"])
    hatch = tool.get("hatch")
    envs = hatch.get("envs") if isinstance(hatch, dict) else None
    if isinstance(envs, dict):
        for env, spec in envs.items():
            scripts = spec.get("scripts") if isinstance(spec, dict) else None
            if not isinstance(scripts, dict):
                continue
            start = _section(text, rf"^\[tool\.hatch\.envs\.{re.escape(env)}\.scripts\]")
            for name, script in scripts.items():
                where = locate(path, text, name, start)
                hits = _command_hits(path, text, _strings(_as_list(script)), start)
                full = name if env == "default" else f"{env}:{name}"
                yield Task("hatch", full, where, hits)
    pdm = tool.get("pdm")
    scripts = pdm.get("scripts") if isinstance(pdm, dict) else None
    if isinstance(scripts, dict):
        start = _section(text, r"^\[tool\.pdm\.scripts")
        for name, spec in scripts.items():
            if name == "_":
                continue
            commands: list[str] = []
            calls: list[str] = []
            if isinstance(spec, str):
                commands = [spec]
            elif isinstance(spec, dict):
                for key in ("cmd", "shell", "call"):
                    command = _toml_command(spec.get(key))
                    if command:
                        commands.append(command)
                calls = _strings(_as_list(spec.get("composite")))
            where = locate(path, text, name, start)
            hits = _command_hits(path, text, commands + calls, start)
            yield Task("pdm", name, where, hits)
    tox = tool.get("tox")
    if isinstance(tox, dict):
        yield from read_tox_toml(path, text, tox, "tool.tox.")


def _read_poe(path: str, text: str, tasks: dict[str, Any]) -> Iterator[Task]:
    start = _section(text, r"^\[tool\.poe\.tasks")
    for name, spec in tasks.items():
        commands: list[str] = []
        calls: list[str] = []
        items = spec if isinstance(spec, list) else [spec]
        for item in items:
            if isinstance(item, str):
                (calls if isinstance(spec, list) and item in tasks else commands).append(item)
            elif isinstance(item, dict):
                for key in ("cmd", "shell", "script", "expr"):
                    command = _toml_command(item.get(key))
                    if command:
                        commands.append(command)
                ref = item.get("ref")
                if isinstance(ref, str):
                    calls.append(ref.split()[0])
                for sub in _as_list(item.get("sequence")):
                    if isinstance(sub, str):
                        (calls if sub in tasks else commands).append(sub)
                    elif isinstance(sub, dict):
                        command = _toml_command(sub.get("cmd") or sub.get("shell"))
                        if command:
                            commands.append(command)
                        if isinstance(sub.get("ref"), str):
                            calls.append(sub["ref"].split()[0])
                calls += _strings(_as_list(item.get("deps")))
        header = _section(text, rf"^\[tool\.poe\.tasks\.{re.escape(name)}\]")
        where = line_hit(path, text, text.count("\n", 0, header or start) + 1)
        if not header:
            where = locate(path, text, f"{name} ", start)
        yield Task(
            "poe", name, where, _command_hits(path, text, commands, header or start), tuple(calls)
        )


def read_taskfile(path: str, text: str) -> Iterator[Task]:
    """The tasks of a Taskfile.yml."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    tasks = loaded.get("tasks") if isinstance(loaded, dict) else None
    if not isinstance(tasks, dict):
        return
    for name, spec in tasks.items():
        start = _section(text, rf"^[ \t]+[\"']?{re.escape(str(name))}[\"']?\s*:")
        where = line_hit(path, text, text.count("\n", 0, start) + 1)
        commands: list[str] = []
        calls: list[str] = []
        cmds = spec if isinstance(spec, (list, str)) else (spec or {}).get("cmds")
        if isinstance(spec, dict) and isinstance(spec.get("cmd"), str):
            cmds = [spec["cmd"]]
        for item in _as_list(cmds):
            if isinstance(item, str):
                commands.append(item)
            elif isinstance(item, dict):
                if isinstance(item.get("cmd"), str):
                    commands.append(item["cmd"])
                if isinstance(item.get("task"), str):
                    calls.append(item["task"])
        if isinstance(spec, dict):
            for dep in _as_list(spec.get("deps")):
                if isinstance(dep, str):
                    calls.append(dep)
                elif isinstance(dep, dict) and isinstance(dep.get("task"), str):
                    calls.append(dep["task"])
        yield Task(
            "task", str(name), where, _command_hits(path, text, commands, start), tuple(calls)
        )


def read_package_json(path: str, text: str) -> Iterator[Task]:
    """The ``scripts`` of a package.json."""
    try:
        loaded = json.loads(text)
    except ValueError:
        return
    scripts = loaded.get("scripts") if isinstance(loaded, dict) else None
    if not isinstance(scripts, dict):
        return
    start = text.find('"scripts"')
    for name, command in scripts.items():
        if isinstance(command, str):
            where = locate(path, text, f'"{name}"', max(start, 0))
            yield Task("npm", name, where, (Hit(path, where.line, where.text),))


def read_pre_commit(path: str, text: str) -> Iterator[Task]:
    """The hooks of a pre-commit configuration: each hook's id, entry and repository."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    repos = loaded.get("repos") if isinstance(loaded, dict) else None
    if not isinstance(repos, list):
        return
    offset = 0
    for repo in repos:
        if not isinstance(repo, dict):
            continue
        url = str(repo.get("repo", ""))
        for hook in _as_list(repo.get("hooks")):
            if not isinstance(hook, dict) or "id" not in hook:
                continue
            hook_id = str(hook["id"])
            where = locate(path, text, hook_id, offset)
            offset = text.find("\n", text.find(hook_id, offset) + 1) + 1 or offset
            line = Hit(path, where.line, f"{where.text.strip()}  ({url})")
            lines = [line]
            entry = hook.get("entry")
            if isinstance(entry, str):
                entry_hit = locate(path, text, entry, text.find(hook_id))
                lines.append(Hit(path, entry_hit.line, entry))
            yield Task("pre-commit", hook_id, where, tuple(lines))


def _yaml_runs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in {"run", "script"} and isinstance(inner, str):
                yield inner
            else:
                yield from _yaml_runs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _yaml_runs(inner)


def read_lefthook(path: str, text: str) -> Iterator[Task]:
    """The hooks of a lefthook configuration: each git hook with the commands it runs."""
    loaded: Any
    if path.endswith(".toml"):
        loaded = load_toml(text)
    else:
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            return
    if not isinstance(loaded, dict):
        return
    for hook, spec in loaded.items():
        if not isinstance(spec, dict) or not ({"commands", "jobs", "scripts"} & set(spec)):
            continue
        start = _section(text, rf"^\[?{re.escape(str(hook))}\]?\s*:?")
        where = line_hit(path, text, text.count("\n", 0, start) + 1)
        commands = list(_yaml_runs(spec))
        names = (
            [str(n) for n in (spec.get("commands") or {})]
            if isinstance(spec.get("commands"), dict)
            else []
        )
        hits = list(_command_hits(path, text, commands, start))
        hits += [locate(path, text, f"{n}:", start) for n in names]
        yield Task("lefthook", str(hook), where, tuple(hits))


# ---------------------------------------------------------------- the index and entry points

_MISE_CONFIGS = (
    "mise.toml",
    ".mise.toml",
    "mise.local.toml",
    ".mise.local.toml",
    "mise/config.toml",
    ".mise/config.toml",
    ".config/mise.toml",
    ".config/mise/config.toml",
)
_MISE_TASK_DIRS = (
    "mise-tasks/",
    ".mise-tasks/",
    "mise/tasks/",
    ".mise/tasks/",
    ".config/mise/tasks/",
)
LEFTHOOK_CONFIGS = (
    "lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yml",
    ".lefthook.yaml",
    "lefthook.toml",
    ".lefthook.toml",
    ".config/lefthook.yml",
    ".config/lefthook.yaml",
)
"""Where lefthook reads its configuration."""
PRE_COMMIT_CONFIGS = (".pre-commit-config.yaml", ".pre-commit-config.yml")
"""Where pre-commit reads its configuration."""
_SCRIPT_DIRS = frozenset({"scripts", "script", "bin", "tools", "ci", ".ci", ".github/scripts"})


def _name(path: str) -> str:
    return PurePosixPath(path).name


def _folder_depth(path: str) -> int:
    return path.count("/")


def build_index(repo: Repo) -> TaskIndex:
    """Every task of every runner and hook manager in REPO (read once, then cached)."""
    index = TaskIndex()
    for path in repo.files:
        name = _name(path)
        depth = _folder_depth(path)
        reader: Iterator[Task] | None = None
        if name in {"Makefile", "makefile", "GNUmakefile"} or (name.endswith(".mk") and depth < 2):
            reader = _read(repo, path, read_make)
        elif name in {"justfile", "Justfile", ".justfile"} or name.endswith(".just"):
            reader = _read(repo, path, read_just)
        elif any(path.endswith(c) for c in _MISE_CONFIGS) and depth < 4:
            reader = _read(repo, path, read_mise)
        elif name == "noxfile.py":
            reader = _read(repo, path, lambda p, t: read_python_tasks("nox", p, t))
        elif name == "tasks.py" and depth < 2:
            reader = _read(repo, path, lambda p, t: read_python_tasks("invoke", p, t))
        elif name == "tox.ini":
            reader = _read(repo, path, read_tox_ini)
        elif name == "tox.toml":
            reader = _read(repo, path, _read_tox_toml_file)
        elif name == "pyproject.toml":
            reader = _read(repo, path, read_pyproject_tasks)
        elif name in {"Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml"}:
            reader = _read(repo, path, read_taskfile)
        elif name == "package.json" and depth < 2:
            reader = _read(repo, path, read_package_json)
        elif path in PRE_COMMIT_CONFIGS:
            reader = _read(repo, path, read_pre_commit)
        elif path in LEFTHOOK_CONFIGS:
            reader = _read(repo, path, read_lefthook)
        if reader is not None:
            for task in reader:
                index.add(task)
            continue
        text_task = _file_task(repo, path)
        if text_task is not None:
            index.add(text_task)
    return index


def _read(repo: Repo, path: str, reader: Any) -> Iterator[Task]:
    text = repo.text(path)
    if text is None:
        return iter(())
    tasks: Iterator[Task] = reader(path, text)
    return tasks


def _read_tox_toml_file(path: str, text: str) -> Iterator[Task]:
    loaded = load_toml(text)
    if loaded:
        yield from read_tox_toml(path, text, loaded, "")


def _file_task(repo: Repo, path: str) -> Task | None:
    """A task that is a whole file: a mise file task, a husky hook or a shell script."""
    for folder in _MISE_TASK_DIRS:
        if path.startswith(folder):
            text = repo.text(path)
            if text is None:
                return None
            name = path[len(folder) :].rsplit(".", 1)[0].replace("/", ":")
            return read_file_task("mise", path, name, text)
    if path.startswith(".husky/") and path.count("/") == 1 and not _name(path).startswith("."):
        text = repo.text(path)
        return read_file_task("husky", path, _name(path), text) if text is not None else None
    parent = PurePosixPath(path).parent.as_posix()
    if path.endswith(".sh") or (
        "." not in _name(path) and (parent in _SCRIPT_DIRS or parent.endswith("/scripts"))
    ):
        text = repo.text(path)
        if text is None or (not path.endswith(".sh") and not text.startswith("#!")):
            return None
        return read_file_task("script", path, path, text)
    return None


def task_index(repo: Repo) -> TaskIndex:
    """The repository's :class:`TaskIndex`, built on first use."""
    return repo.memo("tasks.index", build_index)


WORKFLOW_GLOBS = (".github/workflows/", ".github/actions/")


def is_github_ci(path: str) -> bool:
    """Whether PATH is a GitHub Actions workflow or a local composite action."""
    if not path.endswith((".yml", ".yaml")):
        return False
    if path.startswith(".github/workflows/") and path.count("/") == 2:
        return True
    return path.startswith(".github/actions/") and _name(path) in {"action.yml", "action.yaml"}


def gitlab_files(repo: Repo) -> list[str]:
    """``.gitlab-ci.yml`` and the local files it includes."""
    if not repo.exists(".gitlab-ci.yml"):
        return []
    found = [".gitlab-ci.yml"]
    text = repo.text(".gitlab-ci.yml") or ""
    for match in re.finditer(
        r"""(?m)^[ \t-]*(?:local:)?[ \t]*['"]?/?([\w./-]+\.ya?ml)['"]?\s*$""", text
    ):
        include = match.group(1).lstrip("/")
        if include != ".gitlab-ci.yml" and repo.exists(include) and include not in found:
            found.append(include)
    return found


def _scalar_lines(path: str, lines: list[str], node: yaml.Node) -> Iterator[Hit]:
    if not isinstance(node, yaml.ScalarNode):
        return
    first = node.start_mark.line
    if node.style in {"|", ">"}:
        first += 1
        last = node.end_mark.line
        for number in range(first, min(last + 1, len(lines))):
            if lines[number].strip():
                yield Hit(path, number + 1, lines[number])
        return
    for offset, _ in enumerate(str(node.value).splitlines() or [""]):
        number = first + offset
        if number < len(lines):
            yield Hit(path, number + 1, lines[number])


def _walk_ci(
    path: str, lines: list[str], node: yaml.Node, cwd: str, keys: frozenset[str]
) -> Iterator[Entry]:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk_ci(path, lines, item, cwd, keys)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    pairs = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    defaults = pairs.get("defaults")
    if isinstance(defaults, yaml.MappingNode):
        run = {k.value: v for k, v in defaults.value if isinstance(k, yaml.ScalarNode)}.get("run")
        if isinstance(run, yaml.MappingNode):
            for k, v in run.value:
                if k.value == "working-directory" and isinstance(v, yaml.ScalarNode):
                    cwd = _join("", str(v.value))
    folder = pairs.get("working-directory")
    step_cwd = _join("", str(folder.value)) if isinstance(folder, yaml.ScalarNode) else cwd
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name in keys:
            scalars = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for scalar in scalars:
                if isinstance(scalar, yaml.SequenceNode):
                    for inner in scalar.value:
                        for hit in _scalar_lines(path, lines, inner):
                            yield Entry(hit, step_cwd)
                for hit in _scalar_lines(path, lines, scalar):
                    yield Entry(hit, step_cwd)
        else:
            yield from _walk_ci(path, lines, value, cwd, keys)


def _uses_entry(hit: Hit, cwd: str) -> Entry:
    """A ``uses:`` step as a command: ``pre-commit/action`` runs every hook."""
    if re.search(r"\bpre-commit/action@|\bpre-commit-ci/", hit.text):
        return Entry(Hit(hit.path, hit.line, hit.text + "  # pre-commit run --all-files"), cwd)
    return Entry(hit, cwd)


def ci_entries(repo: Repo) -> list[Entry]:
    """Every command line CI runs directly: GitHub ``run:``/``uses:`` and GitLab scripts."""
    entries: list[Entry] = []
    sources = [(p, frozenset({"run", "uses"})) for p in repo.files if is_github_ci(p)]
    sources += [
        (p, frozenset({"script", "before_script", "after_script"})) for p in gitlab_files(repo)
    ]
    for path, keys in sources:
        text = repo.text(path)
        if not text:
            continue
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            continue
        if node is None:
            continue
        lines = text.splitlines()
        for entry in _walk_ci(path, lines, node, "", keys):
            entries.append(
                _uses_entry(entry.hit, entry.cwd) if "uses:" in entry.hit.text else entry
            )
    return entries


def _ci_steps(repo: Repo) -> list[Step]:
    return task_index(repo).resolve(ci_entries(repo))


def ci_steps(repo: Repo) -> list[Step]:
    """Every command line CI runs, directly or through tasks and hooks (cached)."""
    return repo.memo("tasks.ci", _ci_steps)


def hook_tasks(repo: Repo) -> list[Task]:
    """Every commit hook: pre-commit hooks, lefthook hooks and husky hook files."""
    index = task_index(repo)
    return [task for manager in HOOK_MANAGERS for task in index.of(manager)]


def _hook_steps(repo: Repo) -> list[Step]:
    index = task_index(repo)
    entries = [Entry(line, task.folder) for task in hook_tasks(repo) for line in task.lines]
    return index.resolve(entries)


def hook_steps(repo: Repo) -> list[Step]:
    """Every command line the commit hooks run, through the tasks they call (cached)."""
    return repo.memo("tasks.hooks", _hook_steps)


def first_step(steps: Iterable[Step], pattern: re.Pattern[str]) -> Step | None:
    """The first of STEPS whose command line matches PATTERN."""
    return next((step for step in steps if pattern.search(step.text)), None)


def summary(repo: Repo) -> str:
    """How many CI command lines were read and which runners define tasks, for evidence."""
    entries = ci_entries(repo)
    files = sorted({e.hit.path for e in entries})
    runners = [r for r in (*RUNNERS, *HOOK_MANAGERS) if task_index(repo).of(r)]
    where = f"{len(entries)} CI command lines in {len(files)} files" if files else "no CI files"
    return f"{where}; tasks of: {', '.join(runners) or 'no runner'}"
