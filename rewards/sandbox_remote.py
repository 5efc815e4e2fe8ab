"""Remote sandbox: a client for a SandboxFusion-compatible HTTP API (``POST {url}/run_code``).

For clusters that run a shared sandbox service. Requests run concurrently up to
``workers``, are retried with exponential backoff on connection errors and 5xx/429, and an
API failure is reported as status ``error`` with ``stderr_tail`` naming the API failure, so
it is never confused with a wrong answer. Files are sent base64-encoded; files named in
``collect`` are requested back with ``fetch_files``.
"""
from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .sandbox import SandboxResult, register_sandbox


class RemoteSandbox:
    isolation = "remote"

    def __init__(self, base_url: str, timeout_s: float = 5.0, workers: int = 8, retries: int = 3, backoff_s: float = 0.5,
                 memory_mb: int = 1024, **_: Any):
        self.url = base_url.rstrip("/") + "/run_code"
        self.timeout_s, self.workers, self.retries, self.backoff_s, self.memory_mb = timeout_s, workers, retries, backoff_s, memory_mb

    def _body(self, code: str, files: dict[str, str] | None, collect: tuple[str, ...]) -> dict[str, Any]:
        return {"code": code, "language": "python", "run_timeout": self.timeout_s, "memory_limit_MB": self.memory_mb,
                "files": {k: base64.b64encode(v.encode()).decode() for k, v in (files or {}).items()},
                "fetch_files": list(collect)}

    def run(self, code: str, files: dict[str, str] | None = None, collect: tuple[str, ...] = ()) -> SandboxResult:
        import httpx

        start, last = time.monotonic(), ""
        for attempt in range(self.retries + 1):
            try:
                r = httpx.post(self.url, json=self._body(code, files, collect), timeout=self.timeout_s + 30)
                if r.status_code < 500 and r.status_code != 429:
                    r.raise_for_status()
                    return self._parse(r.json(), start)
                last = f"HTTP {r.status_code}"
            except (httpx.HTTPError, ValueError, KeyError) as e:
                last = f"{type(e).__name__}: {e}"
            time.sleep(self.backoff_s * 2**attempt)
        return SandboxResult("error", None, "", f"sandbox API failure after {self.retries + 1} attempts: {last}",
                             time.monotonic() - start)

    def _parse(self, data: dict[str, Any], start: float) -> SandboxResult:
        run = data.get("run_result") or {}
        status = {"Finished": "ok", "TimeLimitExceeded": "timeout"}.get(run.get("status"), "error")
        files = {k: base64.b64decode(v).decode(errors="replace") for k, v in (data.get("files") or {}).items()}
        return SandboxResult(status, run.get("return_code"), (run.get("stdout") or "")[-4000:],
                             (run.get("stderr") or "")[-4000:], time.monotonic() - start, False, files)

    def run_many(self, programs: list[str], **kwargs: Any) -> list[SandboxResult]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(lambda c: self.run(c, **kwargs), programs))


register_sandbox("remote", RemoteSandbox)
