"""Evaluation: understanding on the held-out families, and whole scripted conversations.

Understanding (test split): macro-F1, accuracy, out-of-scope precision and recall (and which
part caught it: the trained class or the threshold), a confusion matrix and a reliability plot.
Conversations: every scripted goal played by the simulated user against each system on its own
scratch copy of the store; task success (the store ends as expected), containment, correct
handoffs, turns to resolution and cost per conversation. The gate compares *savings per
conversation* against handing everything to a person (higher is better), per conversation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from ..core.results import Evaluation, Metric, ModelInfo, Plot, SliceResult, SystemResult
from ..core.track import Bundle
from . import data, plots
from .config import Config
from .dialogue import Assistant
from .faq import PolicyIndex
from .intents import OUT_OF_SCOPE
from .nlu import IntentModel, KeywordRouter, Understander
from .simulate import Goal, Played, play
from .store import Store

KEY = "savings_per_conversation"
HUMAN = "all-human"


def assistant_for(cfg: Config, understander: Understander, bundle: Bundle, store: Store) -> Assistant:
    """The templated assistant over ``store`` with the bundle's policy text."""
    return Assistant(cfg, understander, store, PolicyIndex(bundle["policy"]))


def understanding_metrics(
    understander: Understander, texts: list[str], intents: list[str]
) -> dict[str, float | None]:
    """Macro-F1, accuracy and out-of-scope precision/recall of ``understander`` on labelled messages."""
    if not texts:
        return dict.fromkeys(
            ("macro_f1", "accuracy", "oos_precision", "oos_recall", "oos_by_class", "oos_by_threshold")
        )
    readings = understander.understand(texts)
    predicted = [r.effective for r in readings]
    truth = np.array(intents)
    guess = np.array(predicted)
    oos = truth == OUT_OF_SCOPE
    flagged = guess == OUT_OF_SCOPE
    by_class = np.array([r.intent == OUT_OF_SCOPE for r in readings])
    return {
        "macro_f1": round(float(f1_score(truth, guess, average="macro", zero_division=0)), 6),
        "accuracy": round(float(accuracy_score(truth, guess)), 6),
        "oos_precision": round(float((flagged & oos).sum() / flagged.sum()), 6) if flagged.any() else None,
        "oos_recall": round(float((flagged & oos).sum() / oos.sum()), 6) if oos.any() else None,
        "oos_by_class": round(float((by_class & oos).sum() / oos.sum()), 6) if oos.any() else None,
        "oos_by_threshold": round(float((flagged & ~by_class & oos).sum() / oos.sum()), 6)
        if oos.any()
        else None,
    }


@dataclass(frozen=True)
class Costed:
    """One played conversation with its cost and the savings against a person."""

    played: Played
    cost: float
    savings: float


def cost_of(cfg: Config, played: Played) -> Costed:
    """Bot turns, plus a person when handed off, plus a failed task when neither got it done."""
    c = cfg.costs
    cost = played.bot_turns * c.bot_turn_usd
    if played.handoff:
        cost += c.agent_usd
    elif not played.success:
        cost += c.failed_task_usd
    return Costed(played, round(cost, 6), round(c.agent_usd - cost, 6))


def play_all(cfg: Config, understander: Understander, bundle: Bundle, goals: list[Goal]) -> list[Costed]:
    """Every goal against one system, on its own scratch copy of the store."""
    messages = data.load_messages(cfg)
    test = messages[messages["split"] == "test"]
    greetings = test[test["intent"] == "greeting"]["text"].tolist()
    goodbyes = test[test["intent"] == "goodbye"]["text"].tolist()
    store = Store.scratch(cfg.store_path)
    try:
        bot = assistant_for(cfg, understander, bundle, store)
        return [cost_of(cfg, play(bot, g, greetings, goodbyes, cfg.seed)) for g in goals]
    finally:
        store.close()


def conversation_metrics(results: list[Costed]) -> dict[str, float | None]:
    """Task success, containment, handoff precision/recall, turns and cost over conversations."""
    if not results:
        return {}
    played = [r.played for r in results]
    handed = [p for p in played if p.handoff]
    expected = [p for p in played if p.goal.expect_handoff]
    resolved = [p.turns_to_resolution for p in played if p.turns_to_resolution is not None]
    turns = sum(p.bot_turns for p in played)
    return {
        "task_success": round(float(np.mean([p.success for p in played])), 6),
        "containment": round(float(np.mean([not p.handoff for p in played])), 6),
        "handoff_precision": round(sum(p.goal.expect_handoff for p in handed) / len(handed), 6)
        if handed
        else None,
        "handoff_recall": round(sum(p.handoff for p in expected) / len(expected), 6) if expected else None,
        "turns_to_resolution": round(float(np.mean(resolved)), 4) if resolved else None,
        "tool_error_rate": round(sum(p.tool_errors for p in played) / turns, 6) if turns else 0.0,
        "cost_per_conversation": round(float(np.mean([r.cost for r in results])), 6),
        KEY: round(float(np.mean([r.savings for r in results])), 6),
    }


def human_metrics(cfg: Config, goals: list[Goal]) -> dict[str, float | None]:
    """The "hand everything to a person" baseline: every task done, every conversation paid for."""
    expected = sum(g.expect_handoff for g in goals)
    return {
        "task_success": 1.0,
        "containment": 0.0,
        "handoff_precision": round(expected / len(goals), 6) if goals else None,
        "handoff_recall": 1.0 if expected else None,
        "turns_to_resolution": 1.0,
        "tool_error_rate": 0.0,
        "cost_per_conversation": cfg.costs.agent_usd,
        KEY: 0.0,
    }


def evaluate(cfg: Config, candidate: Bundle, baselines: Bundle) -> Evaluation:
    """The candidate, the keyword router and all-human on the test split and the conversations."""
    started = time.perf_counter()
    messages = data.load_messages(cfg)
    goals = data.load_goals(cfg)
    test = messages[messages["split"] == "test"]
    validation = messages[messages["split"] == "validation"]
    model: IntentModel = candidate["model"]
    keyword: KeywordRouter = baselines["keyword"]
    names = {
        "candidate": f"{model.kind} (candidate)",
        "keyword": "keyword router (baseline)",
        HUMAN: "all-human (baseline)",
    }
    texts, intents = test["text"].tolist(), test["intent"].tolist()
    understanding = {
        "candidate": understanding_metrics(model, texts, intents),
        "keyword": understanding_metrics(keyword, texts, intents),
    }
    validation_f1 = understanding_metrics(model, validation["text"].tolist(), validation["intent"].tolist())[
        "macro_f1"
    ]
    played = {
        "candidate": play_all(cfg, model, candidate, goals),
        "keyword": play_all(cfg, keyword, candidate, goals),
    }
    metrics: dict[str, dict[str, float | None]] = {
        "candidate": {**understanding["candidate"], **conversation_metrics(played["candidate"])},
        "keyword": {**understanding["keyword"], **conversation_metrics(played["keyword"])},
        HUMAN: {**dict.fromkeys(understanding["candidate"]), **human_metrics(cfg, goals)},
    }
    reports = cfg.paths.reports_dir
    readings = model.understand(texts)
    labels = sorted(set(intents) | {r.effective for r in readings})
    plots.confusion(
        confusion_matrix(intents, [r.effective for r in readings], labels=labels),
        labels,
        reports / "confusion_matrix.png",
    )
    correct = np.array([r.intent == t for r, t in zip(readings, intents, strict=True)])
    plots.reliability(np.array([r.confidence for r in readings]), correct, reports / "reliability.png")
    plots.costs(
        {names[n]: m.get("cost_per_conversation") or 0.0 for n, m in metrics.items()},
        reports / "cost_per_conversation.png",
    )
    seconds = time.perf_counter() - started
    gap = (validation_f1 or 0.0) - (understanding["candidate"]["macro_f1"] or 0.0)
    return Evaluation(
        model=ModelInfo(
            kind=f"{model.kind} + calibrated logistic regression",
            params={
                "c": cfg.understanding.c,
                "calibration_folds": cfg.understanding.calibration_folds,
                "min_confidence": model.threshold,
                "threshold_rule": model.threshold_rule,
                "dialogue": cfg.dialogue.provider,
                "agent_usd": cfg.costs.agent_usd,
                "failed_task_usd": cfg.costs.failed_task_usd,
                "bot_turn_usd": cfg.costs.bot_turn_usd,
            },
        ),
        data_sha256=data.fingerprint(cfg),
        ml_metric=Metric(key="macro_f1", label="Intent macro-F1 (held-out families)"),
        business_metric=Metric(key=KEY, label="Savings per conversation vs. all-human (USD)"),
        extra_metrics=[
            Metric(key="accuracy", label="Intent accuracy", format="pct"),
            Metric(key="oos_precision", label="Out-of-scope precision", format="pct"),
            Metric(key="oos_recall", label="Out-of-scope recall", format="pct"),
            Metric(key="oos_by_class", label="OOS caught by the trained class", format="pct"),
            Metric(key="oos_by_threshold", label="OOS caught by the confidence cut-off only", format="pct"),
            Metric(key="task_success", label="Task success (store as expected)", format="pct"),
            Metric(key="containment", label="Containment (no handoff)", format="pct"),
            Metric(key="handoff_precision", label="Handoff precision", format="pct"),
            Metric(key="handoff_recall", label="Handoff recall", format="pct"),
            Metric(key="turns_to_resolution", label="Bot turns to resolution"),
            Metric(key="tool_error_rate", label="Tool errors per turn", format="pct"),
            Metric(key="cost_per_conversation", label="Cost per conversation (USD)"),
        ],
        systems=[
            SystemResult(name=names[n], role="candidate" if n == "candidate" else "baseline", metrics=m)
            for n, m in metrics.items()
        ],
        slices=_slices(played["candidate"]),
        plots=[
            Plot(path=f"{reports.name}/confusion_matrix.png", title="Confusion matrix (test split)"),
            Plot(path=f"{reports.name}/reliability.png", title="Reliability of the confidence (test split)"),
            Plot(path=f"{reports.name}/cost_per_conversation.png", title="Cost per conversation"),
        ],
        notes=[
            f"Understanding is measured on the test split: {len(test)} messages from template families "
            f"never seen in training. Validation macro-F1 {validation_f1 or 0:.3f} vs. test "
            f"{understanding['candidate']['macro_f1'] or 0:.3f} (gap {gap:+.3f}).",
            f"Out of scope: the trained class plus a threshold ({model.threshold:.3f}, "
            f"{model.threshold_rule}); messages below it are out of scope.",
            f"{len(goals)} scripted conversations, each played by the simulated user on its own scratch "
            "copy of the store; a task succeeds when the store ends as the goal expects (and, for goals "
            "that need a person, a ticket carries the conversation).",
            f"Cost per conversation: ${cfg.costs.bot_turn_usd:g} per bot reply, ${cfg.costs.agent_usd:g} "
            f"when a person takes over, ${cfg.costs.failed_task_usd:g} when the task fails without one "
            "(costs:). The "
            "gate compares savings per conversation (a person's cost minus the conversation's), because it "
            "treats higher as better; the all-human baseline saves $0 by definition.",
            "Both assistants use the same dialogue manager, slot extractors and tools; only the "
            "understanding differs (the keyword router matches listed words).",
            f"Conversations were led by the templated dialogue (dialogue.provider: {cfg.dialogue.provider} "
            "serves; the openai provider is tested against a fake endpoint).",
            f"Evaluating took {seconds:.2f} s.",
        ],
        evaluation_data={
            "Test split": f"{len(test)} messages, {test['family'].nunique()} template families",
            "Validation split": f"{len(validation)} messages (threshold only)",
            "Scripted conversations": f"{len(goals)} "
            f"({sum(g.expect_handoff for g in goals)} should reach a person)",
            "Data sha256": data.fingerprint(cfg),
        },
        unit_scores={
            names["candidate"]: [r.savings for r in played["candidate"]],
            names["keyword"]: [r.savings for r in played["keyword"]],
            names[HUMAN]: [0.0] * len(goals),
        },
    )


def _slices(results: list[Costed]) -> list[SliceResult]:
    frame = pd.DataFrame(
        {
            "kind": [r.played.goal.kind for r in results],
            "success": [r.played.success for r in results],
            "handoff": [r.played.handoff for r in results],
            "savings": [r.savings for r in results],
        }
    )
    slices = []
    for kind, group in frame.groupby("kind", sort=True):
        slices.append(
            SliceResult(
                by="goal",
                value=str(kind),
                rows=len(group),
                positives=int(group["handoff"].sum()),
                metrics={
                    "task_success": round(float(group["success"].mean()), 6),
                    KEY: round(float(group["savings"].mean()), 6),
                },
            )
        )
    return slices


def champion_scores(cfg: Config, champion: Bundle) -> list[float]:
    """The champion's savings per conversation on the same scripted conversations."""
    model: Any = champion["model"]
    if not hasattr(model, "understand"):
        raise TypeError("the champion's model cannot read messages (built by an older release)")
    return [r.savings for r in play_all(cfg, model, champion, data.load_goals(cfg))]
