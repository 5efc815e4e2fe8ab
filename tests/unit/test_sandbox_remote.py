"""Remote sandbox client against a local HTTP stand-in for a SandboxFusion-style service."""
from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from rewards.code import CodeTests
from rewards.sandbox import build_sandbox


def _serve(handler):
    srv = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_remote_runs_and_returns_files_with_retry_after_5xx():
    calls = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append(body)
            if len(calls) == 1:
                self.send_response(503)
                self.end_headers()
                return
            ns: dict = {}
            for name, b64 in body["files"].items():  # a trusted stand-in: executes the harness itself
                with open(f"/tmp/{name}", "w") as f:
                    f.write(base64.b64decode(b64).decode())
            import os
            cwd = os.getcwd()
            os.chdir("/tmp")
            try:
                exec(body["code"], ns)  # noqa: S102
                files = {n: base64.b64encode(open(n, "rb").read()).decode() for n in body["fetch_files"]}
            finally:
                os.chdir(cwd)
            out = json.dumps({"status": "Success", "run_result": {"status": "Finished", "return_code": 0,
                                                                   "stdout": "", "stderr": ""}, "files": files}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    srv = _serve(H)
    try:
        sb = build_sandbox("remote", base_url=f"http://127.0.0.1:{srv.server_port}", backoff_s=0.01)
        r = CodeTests(sandbox=sb)([{"tests": "assert f() == 1", "completion": "def f(): return 1"}])[0]
        assert (r.score, r.status) == (1.0, "ok") and len(calls) == 2
    finally:
        srv.shutdown()


def test_remote_api_failure_is_error_not_wrong_answer():
    sb = build_sandbox("remote", base_url="http://127.0.0.1:9", retries=1, backoff_s=0.01, timeout_s=1)
    r = CodeTests(sandbox=sb)([{"tests": "assert True", "completion": "x = 1"}])[0]
    assert r.status == "error" and r.score == 0.0 and "sandbox API failure" in r.info["stderr_tail"]
