"""The chatbot example's chat page in headless Chromium: a conversation that cancels an order.

The example is generated, set up (``make setup``) and run far enough to serve (``make data train
evaluate``); its server starts on 127.0.0.1 and chromedriver (W3C WebDriver over plain HTTP, no
Python dependency) drives the page. The test checks the reply on screen and the order's state in
the store's database, and saves a screenshot: to ``docs/images/chatbot.png`` in this repository
with ``MLSCAFFOLD_UPDATE_SCREENSHOTS=1``, else to the test's temporary folder.

Without Chromium and chromedriver (Debian: ``apt-get install chromium chromium-driver``) the test
is skipped, unless ``MLSCAFFOLD_REQUIRE_BROWSER=1`` (set by ``.ci/run`` once it installed them):
then it fails.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from benchmarks.benchlib import free_port, served

from tests.support import REPO_ROOT, project_environment, run_make

pytestmark = pytest.mark.slow

SCREENSHOT = REPO_ROOT / "docs" / "images" / "chatbot.png"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver",)


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None
        )
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser_binaries() -> tuple[str, str]:
    chromium, driver = _find(CHROMIUM), _find(DRIVER)
    if chromium is None or driver is None:
        message = (
            "Chromium and chromedriver are needed: apt-get install -y chromium chromium-driver"
        )
        if os.environ.get("MLSCAFFOLD_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (MLSCAFFOLD_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    return chromium, driver


class WebDriver:
    """The few W3C WebDriver commands the test needs, over HTTP with urllib."""

    def __init__(self, base: str, session: str) -> None:
        self.base, self.session = base, session

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base}/session/{self.session}{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["value"]

    def find(self, css: str) -> str:
        found = self.call("POST", "/element", {"using": "css selector", "value": css})
        return str(next(iter(found.values())))

    def find_all(self, css: str) -> list[str]:
        found = self.call("POST", "/elements", {"using": "css selector", "value": css})
        return [str(next(iter(e.values()))) for e in found]

    def text(self, element: str) -> str:
        return str(self.call("GET", f"/element/{element}/text"))

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        self.call("POST", f"/element/{element}/value", {"text": text})
        self.call("POST", f"/element/{self.find('#send')}/click", {})

    def wait_for_replies(self, count: int, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.find_all("li.assistant")
            if len(replies) >= count:
                return [self.text(r) for r in replies]
            time.sleep(0.1)
        pytest.fail(f"the page showed fewer than {count} replies within {timeout} s")


@contextmanager
def webdriver(chromium: str, driver: str) -> Iterator[WebDriver]:
    port = free_port()
    process = subprocess.Popen(
        [driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(base + "/status", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail("chromedriver did not start")
                time.sleep(0.1)
        options = {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=900,900"],
        }
        capabilities = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
        request = urllib.request.Request(
            base + "/session",
            data=json.dumps(capabilities).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            session = json.loads(response.read())["value"]["sessionId"]
        client = WebDriver(base, session)
        try:
            yield client
        finally:
            urllib.request.urlopen(
                urllib.request.Request(f"{base}/session/{session}", method="DELETE"), timeout=30
            ).close()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_chat_page_cancels_an_order(
    browser_binaries: tuple[str, str], rendered_examples: dict[str, Path], tmp_path: Path
) -> None:
    chromium, driver = browser_binaries
    project = Path(
        shutil.copytree(rendered_examples["chatbot"], tmp_path / "chatbot", symlinks=True)
    )
    for verb in ("setup", "data", "train", "evaluate"):
        run_make(project, verb)
    store = project / "data" / "store.sqlite"
    with sqlite3.connect(store) as db:
        order_id, email = db.execute(
            "SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id "
            "JOIN payments p ON p.order_id = o.id "
            "WHERE o.status = 'processing' AND p.status = 'paid' "
            "ORDER BY o.id LIMIT 1"
        ).fetchone()
    port = free_port()
    python = project / ".venv" / "bin" / "python"
    command = [
        str(python),
        "-m",
        "acme_support_bot",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {**project_environment(), "LOG_LEVEL": "WARNING"}
    with served(command, "/ready", port, project, env) as base, webdriver(chromium, driver) as page:
        page.call("POST", "/url", {"url": base + "/"})
        page.type("#message", f"Hi, please cancel my order {order_id}")
        page.wait_for_replies(1)
        page.type("#message", email)
        replies = page.wait_for_replies(2)
        assert "(yes / no)" in replies[-1]
        page.type("#message", "yes")
        replies = page.wait_for_replies(3)
        assert f"order {order_id} is cancelled" in replies[-1]
        assert "intent cancel_order" in replies[-1]
        assert "confidence" in replies[-1]
        png = base64.b64decode(page.call("GET", "/screenshot"))
    with sqlite3.connect(store) as db:
        assert (
            db.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
            == "cancelled"
        )
    target = (
        SCREENSHOT
        if os.environ.get("MLSCAFFOLD_UPDATE_SCREENSHOTS") == "1"
        else tmp_path / "chatbot.png"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {target}", file=sys.stderr)
