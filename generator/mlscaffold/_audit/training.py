"""Training checks: randomness is seeded and every run is recorded."""

from __future__ import annotations

from mlscaffold._audit.probes import any_of, find
from mlscaffold._audit.selectors import CONFIG_FILES, SOURCE
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
            "experiment tracker (mlflow, wandb)",
            SOURCE,
            r"\bmlflow\.(?:log_\w+|start_run)\(|\bwandb\.init\(",
        ),
    ),
)
"""Each training run leaves a record: a run log or an experiment tracker."""
