"""Training checks: randomness is seeded and every run is recorded."""

from __future__ import annotations

from mlscaffold._audit.probes import any_of, find
from mlscaffold._audit.selectors import CONFIG_FILES, NOTEBOOKS, SOURCE, Selector, union
from mlscaffold._audit.spec import CheckSpec

SEEDED = CheckSpec(
    id="seeded",
    title="Randomness seeded",
    category="training",
    weight=2,
    fix="Put `seed: 42` in configs/config.yaml and pass it on (`random_state=`, "
    "`np.random.default_rng(seed)`).",
    probe=any_of(
        find("`seed:` setting", CONFIG_FILES, r"""^[ \t]*["']?\w*seed["']?[ \t]*[:=][ \t]*\d+"""),
        find(
            "random_state=, default_rng( or a seed call",
            SOURCE,
            r"\brandom_state\s*=|\bdefault_rng\(|\b(?:manual_seed|set_seed)\(|\brandom\.seed\(",
        ),
    ),
)
"""A seed is configured or passed to the random number generators."""

RUN_LOG = CheckSpec(
    id="run-log",
    title="Runs recorded",
    category="training",
    weight=2,
    fix="Append every run's params, metrics, data hash, code version and duration to "
    "artifacts/runs.jsonl (or log it to MLflow).",
    probe=any_of(
        find("runs.jsonl run log", SOURCE, r"runs\.jsonl"),
        find(
            "experiment tracker (MLflow, Weights & Biases, DVCLive, ZenML, Neptune, Comet, "
            "ClearML, Aim)",
            union("Python source and notebooks", SOURCE, NOTEBOOKS),
            r"\bmlflow\.(?:log_\w+|start_run|autolog|\w+\.autolog)\(|\bwandb\.(?:init|log)\("
            r"|\bfrom[ \t]+dvclive\b|\bimport[ \t]+dvclive\b|\bLive\(|\bfrom[ \t]+zenml\b"
            r"|\bneptune\.init\w*\(|\bcomet_ml\.\w*Experiment\(|\bclearml\b.*\bTask\.init\("
            r"|\baim\.Run\(",
        ),
        find(
            "DVC pipeline recording params and metrics",
            Selector("dvc.yaml", ("dvc.yaml", "*/dvc.yaml")),
            r"^[ \t]*(?:metrics|params)[ \t]*:",
        ),
    ),
)
"""Each training run leaves a record: a run log or an experiment tracker."""
