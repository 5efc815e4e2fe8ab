"""Remote sandbox client against a tiny local stand-in for a SandboxFusion-style service on
127.0.0.1: replies, retries with backoff, failing endpoints, the concurrency cap, code_tests."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import pytest

from rewards.code import CodeTests
from rewards.sandbox import build_sandbox

FINISHED = {"status": "Success", "run_result": {"status": "Finished", "return_code": 0, "stdout": "hi\n", "stderr": ""}}


class Service:
    """Answers POST /run_code with ``reply(body, call_no) -> (http_status, json_or_text)``."""

    def __init__(self, reply: Callable[[dict[str, Any], int], tuple[int, Any]]):
        self.reply, self.calls, self.active, self.max_active = reply, [], 0, 0
        self.lock = threading.Lock()
        svc = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with svc.lock:
                    svc.calls.append((self.path, body))
                    n, svc.active = len(svc.calls), svc.active + 1
                    svc.max_active = max(svc.max_active, svc.active)
                try:
                    code, payload = svc.reply(body, n)
                finally:
                    with svc.lock:
                        svc.active -= 1
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def service():
    made: list[Service] = []

    def make(reply):
        made.append(Service(reply))
        return made[-1]

    yield make
    for s in made:
        s.server.shutdown()
        s.server.server_close()


def remote(url: str, **kw: Any):
    return build_sandbox("remote", base_url=url, backoff_s=0.01, **kw)


def test_request_shape_and_ok_result(service):
    svc = service(lambda body, n: (200, FINISHED))
    r = remote(svc.url, timeout_s=4, memory_mb=256).run("print('hi')", files={"a.txt": "A"}, stdin="x")
    assert (r.status, r.returncode, r.stdout_tail, r.sandbox_failed) == ("ok", 0, "hi\n", False)
    path, body = svc.calls[0]
    assert path == "/run_code" and body["language"] == "python" and body["code"] == "print('hi')"
    assert body["run_timeout"] == 4 and body["memory_limit_MB"] == 256 and body["stdin"] == "x"
    assert base64.b64decode(body["files"]["a.txt"]) == b"A"


def test_retries_transient_failures_then_succeeds(service):
    replies = [(503, "busy"), (200, {"status": "SandboxError", "message": "pod died"}), (200, "not json"), (200, FINISHED)]
    svc = service(lambda body, n: replies[n - 1])
    r = remote(svc.url, retries=3).run("print('hi')")
    assert r.status == "ok" and len(svc.calls) == 4


def test_failing_endpoint_is_an_api_error_not_a_wrong_answer(service):
    svc = service(lambda body, n: (500, "boom"))
    r = remote(svc.url, retries=2).run("print(1)")
    assert r.status == "error" and r.sandbox_failed and r.info["failure"] == "api"
    assert "after 3 attempts: HTTP 500" in r.info["detail"] and len(svc.calls) == 3


def test_client_errors_are_not_retried(service):
    svc = service(lambda body, n: (400, "bad request"))
    r = remote(svc.url, retries=3).run("print(1)")
    assert r.sandbox_failed and "HTTP 400" in r.info["detail"] and len(svc.calls) == 1


def test_unreachable_service_is_an_api_error():
    r = remote("http://127.0.0.1:9", retries=1, timeout_s=1).run("print(1)")
    assert r.status == "error" and r.info["failure"] == "api" and "ConnectError" in r.info["detail"]


def test_time_limit_and_program_failure_statuses(service):
    tle = {"status": "Failed", "run_result": {"status": "TimeLimitExceeded", "return_code": None, "stdout": "", "stderr": ""}}
    failed = {"status": "Failed", "run_result": {"status": "Finished", "return_code": 1, "stdout": "", "stderr": "Trace"}}
    svc = service(lambda body, n: (200, tle if "sleep" in body["code"] else failed))
    sb = remote(svc.url)
    assert sb.run("import time; time.sleep(9)").status == "timeout"
    r = sb.run("raise SystemExit(1)")
    assert (r.status, r.returncode, r.stderr_tail, r.sandbox_failed) == ("ok", 1, "Trace", False)


def test_concurrency_is_capped_at_workers(service):
    def slow(body, n):
        time.sleep(0.2)
        return 200, FINISHED

    svc = service(slow)
    res = remote(svc.url, workers=2).run_many(["print(1)"] * 6)
    assert [r.status for r in res] == ["ok"] * 6 and svc.max_active == 2


def _execute_like_a_sandbox(body: dict[str, Any], n: int) -> tuple[int, Any]:
    """A trusted stand-in: runs our own harness in a subprocess (the programs in this test are ours)."""
    with tempfile.TemporaryDirectory() as d:
        for name, b64 in body["files"].items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(base64.b64decode(b64))
        p = subprocess.run([sys.executable, "-c", body["code"]], cwd=d, input=body["stdin"], capture_output=True,
                           text=True, timeout=body["run_timeout"])
    return 200, {"status": "Success", "run_result": {"status": "Finished", "return_code": p.returncode,
                                                     "stdout": p.stdout, "stderr": p.stderr}}


def test_code_tests_through_the_remote_backend(service):
    svc = service(_execute_like_a_sandbox)
    reward = CodeTests(sandbox=remote(svc.url))
    ok, bad = reward([{"tests": "assert f() == 1", "completion": "def f(): return 1"},
                      {"tests": "assert f() == 1", "completion": "def f(): return 2"}])
    assert (ok.score, ok.status, bad.score, bad.status) == (1.0, "ok", 0.0, "ok")
    io = {"tests": "assert f() == 1", "entry_point": "f", "answer": "def f():\n    return 1\n"}  # recorded remotely too
    ok, bad = reward([{**io, "completion": "def f(): return 1"}, {**io, "completion": "def f(): return True"}])
    assert (ok.score, ok.info["harness"], bad.score, bad.info["harness"]) == (1.0, "io", 0.0, "io")


def test_code_tests_reports_api_failure_separately(service):
    svc = service(lambda body, n: (502, "bad gateway"))
    r = CodeTests(sandbox=remote(svc.url, retries=1))([{"tests": "assert True", "completion": "x = 1"}])[0]
    assert (r.score, r.status, r.info["reason"]) == (0.0, "error", "api_failure")
