"""The report of a small real run, opened in headless Chromium: no console errors or exceptions,
no request leaves the file (self-contained), the key tables are there and every image decodes.

The run: eval (vLLM on CPU, tiny model) + report stages, after upstream stages recorded as done
(an expert whose checkpoint is the base model, so its eval is a cache hit, and a mixed stage
with a second tiny model and a train_log.jsonl), so the summary, forgetting, stages tables,
training curves and length histograms all render. Chromium is driven over the DevTools
protocol (websocket). A full-page screenshot is saved to tests/artifacts/report.png.
Chromium is Debian's ``chromium`` package (scripts/setup.sh installs it); skipped without it.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from pipeline.config import load_config
from pipeline.run.manifest import stage_dir, write_manifest
from pipeline.run.orchestrator import run_single_stage

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


class Browser:
    """Headless Chromium plus one page's DevTools websocket; every protocol event is kept in ``events``."""

    def __init__(self, binary: str, profile: Path):
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.ws = None
        self.events: list[dict] = []
        self._id = 0
        port_file, deadline = profile / "DevToolsActivePort", time.time() + 90
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited {self.proc.returncode}: {self.proc.stderr.read().decode()[-2000:]}")
            if time.time() > deadline:
                raise RuntimeError("chromium did not open its DevTools port within 90 s")
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        from websockets.sync.client import connect

        # entered as a context manager (websockets >= 17.1 warns on a bare connect()); closed in close()
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30).__enter__()
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable")

    def _recv(self, timeout: float) -> dict | None:
        try:
            msg = json.loads(self.ws.recv(timeout=timeout))
        except TimeoutError:
            return None
        if "method" in msg:
            self.events.append(msg)
        return msg

    def call(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params or {}}))
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self._recv(deadline - time.time())
            if msg and msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]
        raise TimeoutError(f"{method}: no answer in {timeout} s")

    def open(self, url: str, settle_s: float = 1.0) -> None:
        """Navigate, wait for the load event, then keep collecting late events for ``settle_s``."""
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        deadline = time.time() + 60
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            if time.time() > deadline:
                raise TimeoutError(f"{url}: no load event in 60 s")
            self._recv(deadline - time.time())
        end = time.time() + settle_s
        while time.time() < end:
            self._recv(end - time.time())

    def evaluate(self, expression: str):
        res = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise RuntimeError(f"evaluate: {res['exceptionDetails']}")
        return res["result"]["value"]

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (failed loads) seen since ``open``."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console." + p["type"] + ": " + " ".join(str(a.get("value", a.get("description")))
                                                                   for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}".strip())
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> None:
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 16000), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            if self.ws is not None:
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(10)


@pytest.fixture
def browser(tmp_path):
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium not installed (Debian package `chromium`; scripts/setup.sh installs it)")
    b = Browser(binary, tmp_path / "chromium-profile")
    try:
        yield b
    finally:
        b.close()


def _small_run(tmp_path: Path, base: Path, other: Path) -> Path:
    out = tmp_path / "run"
    write_manifest(out, "expert:math", status="complete", config_hash="x", duration_s=2.0,
                   outputs={"checkpoint": str(base)})  # same weights as base: eval cache hit
    write_manifest(out, "mixed", status="complete", config_hash="x", duration_s=3.0,
                   outputs={"checkpoint": str(other)})
    log = [{"step": s, "loss": 1.0 / s, "reward": 0.1 * s, "domain/math/reward": 0.12 * s, "kl": 0.01 * s,
            "rewards/accuracy/mean": 0.1 * s, "completions/mean_length": 10.0 + s} for s in range(1, 6)]
    (stage_dir(out, "mixed") / "train_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in log))
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump({
        "model": str(base), "domains": ["math", "logic"], "stages": ["eval", "report"], "output_dir": str(out),
        "rollout": {"backend": "vllm", "max_tokens": 16, "max_model_len": 512},
        "data": {"math": {"eval_size": 2}, "logic": {"eval_size": 2}},
        "eval": {"samples": 2, "pass_k": [1, 2], "modes": ["non_thinking", "thinking"]}}))
    conf = load_config(cfg)
    assert run_single_stage(conf, "eval") == 0
    assert run_single_stage(conf, "report") == 0
    return out / "report" / "index.html"


PROBE = """(() => {
  const imgs = [...document.images].map(i => ({alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}));
  const ids = [...document.querySelectorAll("table[id]")].map(t => t.id);
  const rows = id => { const t = document.getElementById(id); return t ? t.tBodies[0].rows.length : -1; };
  return {title: document.title, imgs, ids, tables: document.querySelectorAll("table").length,
          h2: [...document.querySelectorAll("h2")].map(h => h.textContent),
          summary_rows: rows("summary-table"), forgetting_rows: rows("forgetting-table"), stages_rows: rows("stages-table"),
          best_cells: document.querySelectorAll("#summary-table td.best").length,
          scripts: document.scripts.length};
})()"""


def test_harness_sees_errors(browser, tmp_path):
    """The checks below would catch a broken page: console.error, an uncaught exception, a missing image."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img alt="x" src="missing.png">'
                   '<script>console.error("boom-console"); throw new Error("boom-throw")</script></body></html>')
    browser.open(bad.as_uri())
    errors = "\n".join(browser.errors())
    assert "boom-console" in errors and "boom-throw" in errors and "missing.png" in errors, errors
    assert browser.evaluate(PROBE)["imgs"][0]["w"] == 0


def test_report_in_browser(browser, tiny_model, tiny_model_b, tmp_path):
    index = _small_run(tmp_path, tiny_model, tiny_model_b)
    browser.open(index.as_uri())
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.screenshot(ARTIFACTS / "report.png")
    except Exception as e:  # the artifact is a convenience; the checks below are the test
        print(f"screenshot failed: {e!r}")

    assert browser.errors() == []
    external = [u for u in browser.requests() if not u.startswith(("file:", "data:"))]
    assert external == [], f"report is not self-contained: {external}"

    page = browser.evaluate(PROBE)
    assert page["title"].startswith("posttrain report")
    assert page["scripts"] == 0
    assert {"summary-table", "forgetting-table", "stages-table"} <= set(page["ids"]), page["ids"]
    assert page["summary_rows"] == 3  # base, expert:math, mixed
    assert page["forgetting_rows"] >= 1 and page["stages_rows"] >= 3 and page["best_cells"] >= 4
    for h in ("Summary", "Forgetting", "Training curves", "Response length distributions", "Sample completions", "Stages"):
        assert any(t.startswith(h) for t in page["h2"]), (h, page["h2"])
    alts = [i["alt"] for i in page["imgs"]]
    assert "mixed: training curves" in alts and "Response length (non_thinking)" in alts \
        and "Response length (thinking)" in alts, alts
    broken = [i for i in page["imgs"] if not (i["complete"] and i["w"] > 0 and i["h"] > 0)]
    assert broken == [], f"images that did not decode: {broken}"
