"""Alert delivery: a JSON-lines file by default, or a webhook named in the config."""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import datetime, timezone
from typing import Any

from ..errors import ProjectError
from ..settings import AlertSink, FileAlertSink


def send_alert(sink: AlertSink, payload: dict[str, Any]) -> str:
    """Deliver one alert; return where it went."""
    record = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **payload}
    if isinstance(sink, FileAlertSink):
        sink.path.parent.mkdir(parents=True, exist_ok=True)
        with sink.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        return str(sink.path)
    url = os.environ.get(sink.url_env)
    if not url:
        raise ProjectError(f"alert sink is a webhook but {sink.url_env} is not set in the environment")
    if not url.startswith(("https://", "http://")):
        raise ProjectError(f"{sink.url_env} must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(record, default=str).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=sink.timeout_s) as response:  # noqa: S310
            response.read()
    except OSError as exc:
        raise ProjectError(f"could not deliver the alert to {sink.url_env}: {exc}") from exc
    return sink.url_env
