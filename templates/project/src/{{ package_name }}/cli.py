"""Command line: one verb per pipeline step, each a thin call into a job.

The same verbs back the Makefile, CI and the docs:
``data train evaluate serve predict monitor models rollback report loadtest``, plus the verbs the
track adds (``plugin.TRACK.commands``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .config import Config, load_config
from .engine import scope
from .errors import ProjectError
from .jobs import pipeline, report
from .plugin import TRACK

_PROG = __name__.split(".")[0]
EXIT_ALERT = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_PROG, description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", type=Path, default=Path("configs/config.yaml"), help="YAML config file")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data = sub.add_parser("data", help="generate or ingest the data, validate it, profile it")
    data.add_argument("--rows", type=int, default=None, help="override the configured data size")
    sub.add_parser("train", help="train the model and the baselines")
    sub.add_parser("evaluate", help="evaluate against baselines, gate and promote the model")
    serve = sub.add_parser("serve", help="serve the HTTP API (HOST/PORT from the environment)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    predict = sub.add_parser("predict", help="batch-score a file through the API's validation")
    predict.add_argument("--input", type=Path, default=None, help="input file (default: the clean batch)")
    predict.add_argument("--output", type=Path, default=None, help="output file")
    monitor = sub.add_parser("monitor", help="compare a batch with the training reference")
    monitor.add_argument("--batch", type=Path, default=None, help="batch file (default: the clean batch)")
    rep = sub.add_parser("report", help="render the model card, data card and README results")
    rep.add_argument(
        "--check",
        action="store_true",
        help="fail if the committed cards are stale (a project that published no results passes)",
    )
    sub.add_parser("models", help="list the promoted models and which one serves")
    back = sub.add_parser("rollback", help="serve the previous champion, or --version")
    back.add_argument("--version", dest="model_version", default=None, help="a version from `models`")
    load = sub.add_parser("loadtest", help="bounded load test on 127.0.0.1; writes reports/perf.json")
    load.add_argument("--url", default=None, help="a running service (default: start one in-process)")
    load.add_argument("--requests", type=int, default=None, help="override the configured count")
    for command in TRACK.commands:
        verb = sub.add_parser(command.name, help=command.help, description=command.help)
        for option in command.options:
            verb.add_argument(option.flag, type=option.kind, default=option.default, help=option.help)
    return parser


def _option_names(command: str) -> list[str]:
    found = next(c for c in TRACK.commands if c.name == command)
    return [o.flag.lstrip("-").replace("-", "_") for o in found.options]


def _run(cfg: Config, args: argparse.Namespace) -> int:
    """Dispatch one parsed verb; the exit code."""
    if args.command == "data":
        print(pipeline.make_data(cfg, rows=args.rows))
    elif args.command == "train":
        print(pipeline.train(cfg))
    elif args.command == "evaluate":
        print(pipeline.evaluate(cfg))
    elif args.command == "serve":
        from .serving.app import serve  # the web stack is loaded only by the verbs that use it

        serve(cfg, args.host, args.port)
    elif args.command == "predict":
        print(pipeline.predict(cfg, args.input, args.output))
    elif args.command == "monitor":
        outcome = pipeline.monitor(cfg, args.batch)
        print(outcome.summary)
        return EXIT_ALERT if outcome.alert else 0
    elif args.command == "models":
        print(pipeline.models(cfg))
    elif args.command == "rollback":
        print(pipeline.rollback(cfg, args.model_version))
    elif args.command == "report":
        return report.check(cfg) if args.check else report.render(cfg)
    elif args.command == "loadtest":
        from .serving.loadtest import loadtest

        result = loadtest(cfg, url=args.url, requests=args.requests)
        print(
            f"{result['requests']} of {result['planned_requests']} requests, "
            f"{result['errors']} errors: p50 {result['p50_ms']} ms, "
            f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, {result['throughput_rps']} req/s"
        )
        # A run cut short by its time budget did not show the service can take the load.
        return 1 if result["errors"] or result["requests"] < result["planned_requests"] else 0
    else:
        command = next(c for c in TRACK.commands if c.name == args.command)
        options = {name: getattr(args, name) for name in _option_names(args.command)}
        done = command.run(cfg, options)
        print(done.summary)
        return EXIT_ALERT if done.alert else 0
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one verb; return the process exit code (0 ok, 1 error, 3 monitoring alert)."""
    args = _parser().parse_args(argv)
    try:
        cfg = load_config(args.config)
        with scope(cfg.engine):  # the step's engine, opened only if the step needs it
            return _run(cfg, args)
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
