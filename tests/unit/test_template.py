"""Reading copier.yml: tracks, questions and where the template is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import jinja2.nodes
import pytest
import yaml

from mlscaffold._template import load_template
from tests.support import REPO_ROOT


def _copier_config() -> dict[str, object]:
    loaded = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_template_is_the_clone_when_run_from_a_clone() -> None:
    assert load_template().root == REPO_ROOT


def test_tracks_come_from_the_track_choice_labels() -> None:
    config = _copier_config()
    choices = config["track"]["choices"]  # type: ignore[index]

    tracks = load_template().tracks

    assert [t.name for t in tracks] == list(choices.values())
    for track, label in zip(tracks, choices, strict=True):
        assert label == f"{track.name}: {track.description}"
        assert track.description


def test_questions_are_the_non_underscore_keys() -> None:
    config = _copier_config()

    names = load_template().question_names

    assert list(names) == [key for key in config if not key.startswith("_")]
    assert {"project_name", "package_name", "track"} <= set(names)


def test_no_question_is_secret() -> None:
    # Answers are written to the project's answers file, which is committed.
    for key, spec in _copier_config().items():
        if not key.startswith("_") and isinstance(spec, dict):
            assert not spec.get("secret"), f"question {key} is secret"


def test_answers_file_name_is_read_from_copier_yml() -> None:
    assert load_template().answers_file == _copier_config().get(
        "_answers_file", ".copier-answers.yml"
    )


# A track is a plug-in: its code lives in a few folders named conditionally on `track`, its
# wording in templates/tracks/<track>.jinja. The shared base never asks which track it renders.
PROJECT_DIR = REPO_ROOT / "templates" / "project"
TRACKS_DIR = REPO_ROOT / "templates" / "tracks"
MAX_CONDITIONAL_NAMES = 3

# `track ==`, `track !=`, `track in`, `track not in`, `'rag' == track`, and any Jinja `if` or
# `elif` whose condition names `track`. An attribute (`report.track == ...` in generated code) is
# a value of the generated project, not the answer.
TRACK_TEST = re.compile(
    r"(?<![\w.])track\s*(?:==|!=)|(?<![\w.])track\s+(?:not\s+)?in\b|(?:==|!=)\s*track\b(?!\.)"
    r"|\{%-?\s*(?:el)?if\b(?:(?!%\}).)*(?<![\w.])track\b",
    re.DOTALL,
)
# A path component that exists only for some tracks: `{% if track == 'rag' %}rag{% endif %}`.
CONDITIONAL_NAME = re.compile(r"\{%-?\s*if\b.*\btrack\b")


def _track_names() -> list[str]:
    choices = _copier_config()["track"]["choices"]  # type: ignore[index]
    return list(choices.values() if isinstance(choices, dict) else choices)


def _strings(value: object) -> Iterator[str]:
    """Every string in a loaded YAML value: mapping keys and values, list items, scalars."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _template_paths() -> list[Path]:
    return sorted(
        path
        for path in PROJECT_DIR.rglob("*")
        if "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
    )


def test_no_shared_template_file_tests_the_track() -> None:
    found = []
    for path in _template_paths():
        relative = path.relative_to(REPO_ROOT).as_posix()
        if "{% if track" in relative or not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for match in TRACK_TEST.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{relative}:{line}: {text.splitlines()[line - 1].strip()}")
    assert found == [], (
        "shared template files test the track:\n  "
        + "\n  ".join(found)
        + "\nmove the track-specific text into a `set` or macro that every "
        "templates/tracks/<track>.jinja defines and use it as `t.<name>`, or move the file into "
        "the track's own conditional folder"
    )


def test_copier_yml_tests_the_track_only_in_the_track_question() -> None:
    found = [
        f"copier.yml: {key}: {text.strip()}"
        for key, spec in _copier_config().items()
        if key != "track"
        for text in _strings(spec)
        if TRACK_TEST.search(text)
    ]
    assert found == [], (
        "copier.yml tests the track outside the `track` question:\n  "
        + "\n  ".join(found)
        + "\nread the track's wording instead ({% import 'templates/tracks/' ~ track ~ '.jinja' "
        "as t %}{{ t.<name> }}, as the `description` default does), defined in every "
        "templates/tracks/<track>.jinja"
    )


def _tracks_of(component: str, tracks: list[str]) -> list[str]:
    """The tracks for which a conditional path component renders to a non-empty name."""
    environment = jinja2.Environment(undefined=jinja2.ChainableUndefined)
    try:
        template = environment.from_string(component)
        return [track for track in tracks if template.render(track=track).strip()]
    except jinja2.TemplateError:
        # A filter only Copier knows: fall back to the track names quoted in the condition.
        return [track for track in tracks if re.search(rf"['\"]{re.escape(track)}['\"]", component)]


def test_each_track_has_few_conditional_names_in_the_template() -> None:
    tracks = _track_names()
    conditional: dict[str, set[str]] = {track: set() for track in tracks}
    for path in _template_paths():
        parts = path.relative_to(PROJECT_DIR).parts
        for depth, component in enumerate(parts):
            if CONDITIONAL_NAME.search(component):
                # A folder is counted once, however many files it holds.
                name = "/".join(parts[: depth + 1])
                for track in _tracks_of(component, tracks):
                    conditional[track].add(name)
    counts = {track: len(names) for track, names in conditional.items()}

    assert sum(counts.values()) > 0, "found no conditional names in templates/project"
    over = {
        track: sorted(conditional[track])
        for track, n in counts.items()
        if n > MAX_CONDITIONAL_NAMES
    }
    assert over == {}, (
        f"conditional names per track in templates/project: {counts} (at most "
        f"{MAX_CONDITIONAL_NAMES} each)\n"
        + "\n".join(f"{track}:\n  " + "\n  ".join(names) for track, names in over.items())
        + "\nkeep a track's files in its source subpackage, its test folder and at most one data "
        "folder (each named `{% if track == '<track>' %}<name>{% endif %}`), and put its wording "
        "in templates/tracks/<track>.jinja rather than in conditional files"
    )


def test_every_track_has_a_wording_file() -> None:
    missing = [
        f"templates/tracks/{track}.jinja"
        for track in _track_names()
        if not (TRACKS_DIR / f"{track}.jinja").is_file()
    ]
    assert missing == [], (
        f"tracks named in copier.yml's track.choices have no wording file: {missing}; copy an "
        "existing templates/tracks/<track>.jinja to each and reword every `set` and macro"
    )


def _top_level_names(node: jinja2.nodes.Node) -> set[str]:
    """The names a wording file exports: its top-level ``set`` variables and macros."""
    names = set()
    for child in node.iter_child_nodes():
        if isinstance(child, jinja2.nodes.Macro):
            names.add(child.name)
        elif isinstance(child, (jinja2.nodes.Assign, jinja2.nodes.AssignBlock)):
            target = child.target
            targets = [target, *target.find_all(jinja2.nodes.Name)]
            names.update(t.name for t in targets if isinstance(t, jinja2.nodes.Name))
        elif isinstance(child, (jinja2.nodes.If, jinja2.nodes.Output, jinja2.nodes.Scope)):
            names |= _top_level_names(child)
    return names


def test_every_wording_file_defines_the_same_names() -> None:
    environment = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    defined = {}
    for path in sorted(TRACKS_DIR.glob("*.jinja")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        try:
            parsed = environment.parse(path.read_text(encoding="utf-8"), filename=relative)
        except jinja2.TemplateSyntaxError as error:
            pytest.fail(f"{relative}:{error.lineno}: {error.message}")
        defined[relative] = _top_level_names(parsed)
    every = set().union(*defined.values())
    assert len(defined) >= 2, f"expected a wording file per track in {TRACKS_DIR}, found {defined}"

    missing = {relative: sorted(every - names) for relative, names in defined.items()}
    missing = {relative: names for relative, names in missing.items() if names}
    assert missing == {}, (
        "every templates/tracks/<track>.jinja must define the same `set` variables and macros "
        "(the shared templates use them all):\n"
        + "\n".join(
            f"  {relative} lacks {', '.join(names)} (defined by "
            + ", ".join(other for other, found in defined.items() if set(names) & found)
            + ")"
            for relative, names in missing.items()
        )
        + "\ndefine each missing name in the file that lacks it, or remove it from the others if "
        "no shared template uses it"
    )


# A shared component: a folder of the base rendered only for the tracks whose wording file lists it
# in `components`, `{% if 'text' in components %}text{% endif %}`.
COMPONENT_NAME = re.compile(
    r"\{%-?\s*if\s+'(\w+)'\s+in\s+components\s*-?%\}(\w+)\{%-?\s*endif\s*-?%\}"
)


def _declared_components() -> dict[str, list[str]]:
    declared = {}
    for track in _track_names():
        text = (TRACKS_DIR / f"{track}.jinja").read_text(encoding="utf-8")
        found = re.search(r"\{%-?\s*set\s+components\s*=\s*(\[[^\]]*\])", text)
        assert found, f"templates/tracks/{track}.jinja does not set `components`"
        declared[track] = yaml.safe_load(found.group(1))
    return declared


def test_components_are_folders_the_tracks_declare() -> None:
    used: dict[str, set[str]] = {}
    for path in _template_paths():
        for part in path.relative_to(PROJECT_DIR).parts:
            for match in COMPONENT_NAME.finditer(part):
                component, folder = match.groups()
                assert component == folder, f"{part}: a component's folder is named after it"
                used.setdefault(component, set()).add(path.relative_to(REPO_ROOT).as_posix())
    declared = _declared_components()
    every = {name for names in declared.values() for name in names}
    assert every, "no track declares a component"
    unbuilt = sorted(every - set(used))
    assert unbuilt == [], f"declared components without a folder in templates/project: {unbuilt}"
    assert sorted(set(used) - every) == [], "component folders no track declares"
    # Each component carries its own tests, beside its source folder.
    for component in every:
        assert any(p.startswith("templates/project/tests/") for p in used[component]), (
            f"component {component} has no tests/{component}/ folder"
        )
