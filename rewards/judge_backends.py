"""Judge backends: generate(list of chat-message lists) -> list of strings.

- ``callable``: wraps any Python function; the pipeline wires its in-process vLLM
  RolloutEngine into this (rewards/ never imports pipeline/).
- ``openai``: any OpenAI-compatible ``/v1/chat/completions`` endpoint (e.g. ``vllm serve``),
  with concurrent requests, a concurrency limit, retries with exponential backoff and
  timeouts. A request that still fails raises ``JudgeUnavailable``, which the judge reports
  as status ``error`` (never a silent zero).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

Messages = list[dict[str, str]]


class JudgeUnavailable(RuntimeError):
    """The judge endpoint could not be reached after retries."""


class CallableBackend:
    def __init__(self, generate: Callable[[list[Messages]], list[str]], model: str = "in-process"):
        self.generate, self.model = generate, model


class OpenAIBackend:
    def __init__(self, base_url: str, model: str, concurrency: int = 8, timeout_s: float = 60.0, retries: int = 3,
                 backoff_s: float = 0.5, max_tokens: int = 256, temperature: float = 0.0, api_key: str = "EMPTY"):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.concurrency, self.timeout_s = model, concurrency, timeout_s
        self.retries, self.backoff_s, self.max_tokens, self.temperature = retries, backoff_s, max_tokens, temperature
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def _one(self, client: Any, messages: Messages) -> str:
        import httpx

        body = {"model": self.model, "messages": messages, "max_tokens": self.max_tokens, "temperature": self.temperature}
        last = ""
        for attempt in range(self.retries + 1):
            try:
                r = client.post(self.url, json=body, headers=self.headers, timeout=self.timeout_s)
                if r.status_code < 500 and r.status_code != 429:
                    r.raise_for_status()
                    return r.json()["choices"][0]["message"]["content"] or ""
                last = f"HTTP {r.status_code}"
            except (httpx.HTTPError, KeyError, ValueError) as e:
                last = f"{type(e).__name__}: {e}"
            time.sleep(self.backoff_s * 2**attempt)
        raise JudgeUnavailable(f"judge endpoint {self.url} failed after {self.retries + 1} attempts: {last}")

    def generate(self, batch: list[Messages]) -> list[str | Exception]:
        import httpx

        with httpx.Client() as client, ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [pool.submit(self._one, client, m) for m in batch]
            out: list[str | Exception] = []
            for f in futures:
                try:
                    out.append(f.result())
                except JudgeUnavailable as e:
                    out.append(e)
            return out


BACKENDS: dict[str, Callable[..., Any]] = {"callable": CallableBackend, "openai": OpenAIBackend}


def build_backend(name: str, **params: Any) -> Any:
    if name not in BACKENDS:
        raise ValueError(f"unknown judge backend {name!r}; choose from {', '.join(BACKENDS)}")
    return BACKENDS[name](**params)
