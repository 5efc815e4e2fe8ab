"""Remote sandbox backend: a client for a SandboxFusion-compatible HTTP API.

    sb = build_sandbox("remote", base_url="http://sandbox:8080", workers=16, timeout_s=5)

Each run is ``POST {base_url}/run_code`` with ``{"code", "language": "python", "run_timeout",
"memory_limit_MB", "stdin", "files" (base64)}``; the reply's ``run_result`` ``{status, stdout,
stderr, return_code}`` becomes a :class:`SandboxResult` (``Finished`` -> ok,
``TimeLimitExceeded`` -> timeout).

- At most ``workers`` requests are in flight per client (a semaphore, shared by every caller).
- Connection errors, HTTP 429/5xx, an unparseable reply and a top-level ``SandboxError`` are
  retried ``retries`` times with exponential backoff and jitter.
- When the API still fails (or answers 4xx, or a run_result with status ``Error``) the result
  is status ``error`` with ``info["failure"] == "api"`` (``sandbox_failed`` is True), never a
  program failure, so it cannot be mistaken for a wrong answer.
The isolation is whatever the service provides (``isolation == "remote"``).
"""
from __future__ import annotations

import base64
import random
import threading
import time
from typing import Any

from .sandbox import SandboxBase, SandboxConfig, SandboxResult

RETRY_HTTP = {408, 425, 429, 500, 502, 503, 504}


class _Retry(Exception):
    """A transient API failure worth another attempt."""


class RemoteSandbox(SandboxBase):
    isolation = "remote"

    def __init__(self, base_url: str, retries: int = 3, backoff_s: float = 0.5, max_backoff_s: float = 10.0,
                 request_slack_s: float = 30.0, **limits: Any):
        import httpx

        self.config = SandboxConfig(**limits)
        self.workers, self.timeout_s = self.config.workers, self.config.timeout_s
        self.url = base_url.rstrip("/") + "/run_code"
        self.retries, self.backoff_s, self.max_backoff_s = int(retries), float(backoff_s), float(max_backoff_s)
        self.request_slack_s = float(request_slack_s)
        self._slots = threading.BoundedSemaphore(self.workers)
        self._client = httpx.Client(limits=httpx.Limits(max_connections=self.workers))

    def __getstate__(self) -> dict[str, Any]:  # picklable (Ray): the client and semaphore are rebuilt
        return {k: v for k, v in self.__dict__.items() if k not in ("_slots", "_client")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        import httpx

        self.__dict__.update(state)
        self._slots = threading.BoundedSemaphore(self.workers)
        self._client = httpx.Client(limits=httpx.Limits(max_connections=self.workers))

    def _body(self, code: str, files: dict[str, str] | None, stdin: str | None, timeout: float) -> dict[str, Any]:
        return {"code": code, "language": "python", "run_timeout": timeout, "memory_limit_MB": self.config.memory_mb,
                "stdin": stdin or "", "files": {k: base64.b64encode(v.encode()).decode() for k, v in (files or {}).items()}}

    def run(self, code: str, files: dict[str, str] | None = None, stdin: str | None = None,
            timeout_s: float | None = None, tail_bytes: int | None = None) -> SandboxResult:
        started, last = time.monotonic(), ""
        timeout = float(timeout_s or self.config.timeout_s)
        body = self._body(code, files, stdin, timeout)
        for attempt in range(self.retries + 1):
            if attempt:
                delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
                time.sleep(delay * (0.5 + random.random() / 2))
            try:
                with self._slots:
                    return self._parse(self._post(body, timeout), started, tail_bytes)
            except _Retry as e:
                last = str(e)
            except ValueError as e:  # a permanent API failure: not worth retrying
                return SandboxResult.failure("api", f"sandbox API failure: {e}", started)
        return SandboxResult.failure("api", f"sandbox API failure after {self.retries + 1} attempts: {last}", started)

    def _post(self, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        import httpx

        try:
            r = self._client.post(self.url, json=body, timeout=timeout + self.request_slack_s)
        except httpx.HTTPError as e:
            raise _Retry(f"{type(e).__name__}: {e}") from None
        if r.status_code in RETRY_HTTP:
            raise _Retry(f"HTTP {r.status_code}")
        if r.status_code >= 400:
            raise ValueError(f"HTTP {r.status_code}: {r.text[:200]}")
        try:
            data = r.json()
        except ValueError:
            raise _Retry(f"reply is not JSON: {r.text[:100]!r}") from None
        if not isinstance(data, dict) or data.get("status") == "SandboxError":
            raise _Retry(f"SandboxError: {str(data.get('message') if isinstance(data, dict) else data)[:200]}")
        return data

    def _parse(self, data: dict[str, Any], started: float, tail_bytes: int | None = None) -> SandboxResult:
        run = data.get("run_result")
        if not isinstance(run, dict) or run.get("status") not in ("Finished", "TimeLimitExceeded"):
            raise ValueError(f"no usable run_result (status {data.get('status')!r}, {str(data.get('message'))[:200]!r})")
        cap = self.config.max_output_bytes
        keep = max(self.config.tail_bytes, min(int(tail_bytes or 0), cap))
        out, err = str(run.get("stdout") or ""), str(run.get("stderr") or "")
        timed_out = run["status"] == "TimeLimitExceeded"
        return SandboxResult("timeout" if timed_out else "ok", run.get("return_code"), out[-keep:], err[-keep:],
                             time.monotonic() - started, len(out) > keep or len(err) > keep,
                             info={"limit": "wall"} if timed_out else ({"output_over_cap": True} if len(out) > cap else {}))
