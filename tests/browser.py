"""Headless Chromium driven over the DevTools protocol, for the browser tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")



class Browser:
    """Headless Chromium driven over the DevTools protocol: load a page, wait (in real time) for a condition."""

    def __init__(self, profile: Path):
        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                # Pages hold third-party images and players: everything but loopback goes to a closed port, so
                # that no test reaches the internet (Chromium never sends loopback through a proxy).
                "--proxy-server=http://127.0.0.1:9", "about:blank",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < deadline, "chromium did not start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            target = next(t for t in json.load(answer) if t["type"] == "page")
        self._connection = connect(target["webSocketDebuggerUrl"], max_size=None)
        self.ws = self._connection.__enter__()  # entered as a context manager, as websockets >= 15 asks
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def html(self, url: str, ready: str = "document.readyState === 'complete'", timeout: float = 20) -> str:
        """Navigate, wait until the JavaScript expression `ready` is true, return the DOM as HTML."""
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while True:
            time.sleep(0.1)
            done = self.call("Runtime.evaluate", expression=f"Boolean({ready})", returnByValue=True)
            if done["result"].get("value"):
                break
            if time.monotonic() > deadline:
                break  # the assertions on the returned page say what is missing
        result = self.call("Runtime.evaluate", expression="document.documentElement.outerHTML", returnByValue=True)
        return result["result"]["value"]

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
        self.proc.terminate()
        self.proc.wait(timeout=10)

