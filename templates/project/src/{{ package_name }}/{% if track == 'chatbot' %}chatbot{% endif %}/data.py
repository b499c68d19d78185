"""The chatbot data: the seeded store, labelled messages split by family, goals and batches."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from pathlib import Path

import pandas as pd

from ..core.profile import profile_columns
from ..core.results import DataProfile
from ..core.track import DataOutcome
from ..core.validation import enforce
from ..errors import PipelineError
from ..io.files import sha256_file, write_csv, write_text
from ..io.tables import read_csv, validated
from ..io.workspace import Workspace
from . import store as store_db
from . import synth
from .config import Config
from .intents import OUT_OF_SCOPE, catalogue
from .schema import ChatMessage, LabelledMessage
from .simulate import Goal, script

SPLITS = ("train", "validation", "test")


def messages_path(cfg: Config) -> Path:
    """The labelled messages with their split."""
    return cfg.paths.data_dir / "processed" / "messages.csv"


def goals_path(cfg: Config) -> Path:
    """The scripted evaluation conversations."""
    return cfg.paths.data_dir / "processed" / "conversations.jsonl"


def _near_duplicate_family(text: str) -> str:
    """A family for a message without one: its sorted distinct words (near-duplicates share it)."""
    words = sorted(set(re.findall(r"[a-z]+", text.lower())))
    return "auto/" + hashlib.sha256(" ".join(words).encode()).hexdigest()[:10]


def read_labelled(cfg: Config) -> tuple[pd.DataFrame, str]:
    """The labelled messages (``text, intent, family``) and where they came from."""
    source = cfg.data.source
    if source.kind == "synthetic":
        rows = synth.generate(cfg.data.per_family, cfg.data.noise, cfg.seed)
        return pd.DataFrame(rows), "synthetic (template families, see synth.py)"
    path = source.path
    if path is None:  # refused by SourceConfig already
        raise PipelineError("data.source.kind is csv but data.source.path is not set")
    raw = read_csv(path, "labelled messages", dtype=str, keep_default_na=False)
    rename = {theirs: ours for ours, theirs in source.columns.items() if theirs in raw.columns}
    frame = raw.rename(columns=rename)
    frame = frame[[c for c in ("text", "intent", "family") if c in frame.columns]]
    if "family" in frame.columns:
        frame["family"] = frame["family"].replace("", None)
    frame = validated(
        frame, LabelledMessage, source=path, mode=cfg.data.on_invalid, quarantine=Workspace.of(cfg).quarantine
    )
    if "family" not in frame.columns:
        frame["family"] = None
    frame["family"] = [
        f if isinstance(f, str) and f else _near_duplicate_family(t)
        for t, f in zip(frame["text"], frame["family"], strict=True)
    ]
    unknown = sorted(set(frame["intent"]) - set(catalogue(cfg)))
    if unknown:
        raise PipelineError(
            f"{path}: intents {unknown} are not described; add each under `intents:` in the config "
            "(its slots, action and whether it is confirmed) or relabel the rows"
        )
    return frame.reset_index(drop=True), str(path)


def split_families(frame: pd.DataFrame, validation: float, test: float, seed: int) -> pd.Series:
    """Each message's split, assigned per intent by template family, never by row."""
    split = pd.Series("train", index=frame.index)
    for intent, group in frame.groupby("intent", sort=True):
        families = sorted(set(group["family"]))
        random.Random(f"{seed}:{intent}").shuffle(families)  # noqa: S311 (seeded split, not security)
        n = len(families)
        n_test = max(1, round(n * test)) if n >= 3 else 0
        n_val = max(1, round(n * validation)) if n - n_test >= 2 else 0
        test_families = set(families[:n_test])
        val_families = set(families[n_test : n_test + n_val])
        split[group.index[group["family"].isin(test_families)]] = "test"
        split[group.index[group["family"].isin(val_families)]] = "validation"
    return split


def load_messages(cfg: Config) -> pd.DataFrame:
    """The labelled messages written by ``data`` (text, intent, family, split)."""
    path = messages_path(cfg)
    frame = read_csv(path, "labelled messages", dtype=str, keep_default_na=False)
    if frame.empty:
        raise PipelineError(f"{path} has no messages; run `make data`")
    return frame


def load_goals(cfg: Config) -> list[Goal]:
    """The scripted conversations written by ``data``."""
    path = goals_path(cfg)
    if not path.is_file():
        raise PipelineError(f"no scripted conversations at {path}; run `make data` first")
    return [
        Goal.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def fingerprint(cfg: Config) -> str:
    """One sha256 over the messages, the goals and the store as seeded."""
    digest = hashlib.sha256()
    for path in (messages_path(cfg), goals_path(cfg)):
        digest.update(sha256_file(path).encode())
    meta = cfg.paths.data_dir / "processed" / "store.json"
    if meta.is_file():
        digest.update(meta.read_bytes())
    return digest.hexdigest()


def read_batch(cfg: Config, path: Path) -> pd.DataFrame:
    """A CSV of messages (``message``, optional ``session_id`` and ``turn``), validated."""
    raw = read_batch_csv(path)
    return validated(
        raw, ChatMessage, source=path, mode=cfg.data.on_invalid, quarantine=Workspace.of(cfg).quarantine
    )


def read_batch_csv(path: Path) -> pd.DataFrame:
    """A CSV of messages as text (an empty message stays an empty string)."""
    return read_csv(
        path,
        "message file",
        dtype={"message": str, "session_id": str},
        keep_default_na=False,
        na_values={"session_id": [""], "turn": [""]},
    )


def _noisy(texts: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
    return [synth.typo(t, rng) if rng.random() < 0.2 else t for t in (rng.choice(texts) for _ in range(n))]


def _fresh_validation(cfg: Config, labelled: pd.DataFrame) -> list[str]:
    """Messages like the validation split (the monitoring reference) but not its rows: newly drawn
    from its families when they are synthetic, else the validation messages themselves."""
    validation = labelled[labelled["split"] == "validation"]
    if cfg.data.source.kind != "synthetic":
        return validation["text"].tolist()
    families, seen = set(validation["family"]), set(labelled["text"])
    fresh = synth.generate(cfg.data.per_family, cfg.data.noise, cfg.seed + 101)
    return [r["text"] for r in fresh if r["family"] in families and r["text"] not in seen]


def generate(cfg: Config, rows: int | None) -> DataOutcome:
    """Seed the store, read or generate labelled messages, split them, script conversations and
    write the clean and shifted message batches."""
    ws = Workspace.of(cfg)
    started = time.perf_counter()
    store_path = cfg.store_path
    notes = []
    if store_db.seeded_here(store_path):
        counts = store_db.seed(store_path, cfg.store.customers, cfg.store.as_of, cfg.seed)
        write_text(cfg.paths.data_dir / "processed" / "store.json", json.dumps(counts, sort_keys=True) + "\n")
    else:
        notes.append(f"{store_path} is not a seeded demo store: left as it is")
        counts = {}
    labelled, origin = read_labelled(cfg)
    enforce(labelled[["text", "intent"]], LabelledMessage, mode="reject", source=origin)
    labelled["split"] = split_families(labelled, cfg.data.validation_share, cfg.data.test_share, cfg.seed)
    write_csv(labelled, messages_path(cfg))
    test = labelled[labelled["split"] == "test"]
    openings = {
        str(intent): list(zip(group["text"], group["family"], strict=True))
        for intent, group in test.groupby("intent", sort=True)
    }
    greetings = openings.get("greeting", [])
    store = store_db.Store.scratch(store_path)
    try:
        goals = script(
            store,
            openings,
            [g for g, _ in greetings],
            cfg.data.conversations,
            cfg.seed,
            cfg.store.return_window_days,
        )
    finally:
        store.close()
    write_text(goals_path(cfg), "".join(g.model_dump_json() + "\n" for g in goals))
    n = rows or cfg.data.batch_messages
    traffic = labelled[labelled["split"] != "train"]["text"].tolist()
    clean = _noisy(_fresh_validation(cfg, labelled) or traffic, n, cfg.seed + 1)
    launch = int(n * 0.6)
    shifted = synth.launch_messages(launch, cfg.seed + 2) + _noisy(traffic, n - launch, cfg.seed + 3)
    random.Random(cfg.seed + 4).shuffle(shifted)  # noqa: S311 (seeded sampling, not security)
    for path, batch in ((ws.clean_batch, clean), (ws.shifted_batch, shifted)):
        frame = pd.DataFrame({"message": batch})
        enforce(frame, ChatMessage, mode="reject", source=f"generated {path.stem} batch")
        write_csv(frame, path)
    elapsed = time.perf_counter() - started
    sizes = labelled["split"].value_counts().reindex(list(SPLITS), fill_value=0)
    data_hash = fingerprint(cfg)
    return DataOutcome(
        summary=(
            f"store {store_path} ({counts.get('customers', '?')} customers, "
            f"{counts.get('orders', '?')} orders); "
            f"{len(labelled):,} labelled messages from {origin} in {labelled['family'].nunique()} families "
            f"(train {sizes['train']}, validation {sizes['validation']}, test {sizes['test']}); "
            f"{len(goals)} scripted conversations; batches of {n:,} messages in {elapsed:.2f} s"
            + ("".join(f"\nnote: {note}" for note in notes))
        ),
        data_hash=data_hash,
        profile=_profile(cfg, labelled, goals, counts, origin, data_hash, n),
        metrics={
            "messages": float(len(labelled)),
            "conversations": float(len(goals)),
            "data_seconds": elapsed,
        },
    )


def _profile(
    cfg: Config,
    labelled: pd.DataFrame,
    goals: list[Goal],
    counts: dict[str, int],
    origin: str,
    data_hash: str,
    n: int,
) -> DataProfile:
    table = pd.DataFrame(
        {
            "intent": labelled["intent"],
            "split": labelled["split"],
            "words": labelled["text"].str.split().str.len().astype(float),
            "characters": labelled["text"].str.len().astype(float),
        }
    )
    per_split = {
        s: ", ".join(
            f"{i} {c}"
            for i, c in labelled[labelled["split"] == s]["intent"].value_counts().sort_index().items()
        )
        for s in SPLITS
    }
    kinds = pd.Series([g.kind for g in goals]).value_counts().sort_index()
    return DataProfile(
        description=(
            "Acme Store, a fictional online shop: a SQLite database of customers, orders, order lines, "
            "shipments and payments seeded from the seed, and customer messages labelled with intents "
            f"({origin}). Messages are split by template family, so the test split holds phrasings the "
            "model never saw; the scripted conversations open with test-split messages."
        ),
        facts={
            "Store database": str(cfg.store_path),
            "Store": ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items())) or "your own database",
            "Store date (as of)": cfg.store.as_of.isoformat(),
            "Messages": f"{len(labelled):,} in {labelled['family'].nunique()} families, "
            f"{labelled['intent'].nunique()} intents",
            "Train split": per_split["train"],
            "Validation split (threshold only)": per_split["validation"],
            "Test split (reported)": per_split["test"],
            "Out-of-scope messages": f"{int((labelled['intent'] == OUT_OF_SCOPE).sum()):,}",
            "Scripted conversations": f"{len(goals)}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()),
            "Monitoring batches": f"{n:,} messages each (clean: new messages from the validation "
            "families; shifted: 60% about a product launch)",
            "Data fingerprint (sha256)": data_hash,
            "Seed": str(cfg.seed),
        },
        columns=profile_columns(table),
        caveats=[
            "Synthetic messages stand in for real traffic: they are varied (paraphrases, typos, long and "
            "multi-request messages, in-domain requests the assistant does not handle, off-domain chatter) "
            "but written from templates; label a sample of real conversations before relying on the figures.",
            "Multi-request messages are labelled with their first request.",
            "The simulated user answers exactly what it is asked; real customers digress.",
            "The out-of-scope threshold is chosen on the validation split (families of its own), never on "
            "the test split.",
        ],
    )
