"""Judge backends: ``generate(list of chat-message lists) -> list[str | Exception]``, by name.

    backend = build_backend("openai", base_url="http://judge:8000/v1", model="Qwen/Qwen3-8B")
    backend = build_backend("callable", generate=my_fn, model="smollm2-135m-instruct")

- ``callable``: wraps any Python function ``generate(batch) -> list[str]``. The pipeline wires
  its in-process vLLM RolloutEngine into this; rewards/ never imports pipeline/.
- ``openai``: any OpenAI-compatible ``/v1/chat/completions`` endpoint (``vllm serve``,
  SGLang, a hosted API). Requests in a batch run concurrently on a thread pool (at most
  ``concurrency`` in flight, sharing one httpx connection pool), each with a timeout and
  ``retries`` retries with exponential backoff plus jitter (honouring ``Retry-After``) on
  connection errors, timeouts, HTTP 408/429/5xx and malformed bodies. Other 4xx answers
  (bad model name, bad request) are not retried. A request that still fails comes back as a
  :class:`JudgeUnavailable` *in its slot*, which the judge reports as status ``error`` — never
  a silent zero.

Formats (guided decoding): a backend whose ``accepts_formats`` attribute is true also takes
``generate(batch, formats=[...])``, one format per conversation (``{"regex": ...}``, see
rewards/judge_prompt.output_format) that it must constrain its output to. Backends without
the attribute are called as before. ``callable`` sets it when the wrapped function has a
``formats`` parameter; ``openai`` with ``structured_outputs=True`` (a vLLM endpoint, e.g. the
served judge of pipeline/scoring/judge_server.py) sends each format as vLLM's ``structured_outputs``
request field.

A backend's ``model`` attribute names the judge in cache keys. Add a backend with
``@register_backend("name")`` on a class taking keyword params.
Departure from the paper: none; V3.2 does not specify how its reward model is served.
"""
from __future__ import annotations

import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Protocol

from .registry import Registry

Messages = list[dict[str, str]]


class JudgeUnavailable(RuntimeError):
    """The judge could not produce an answer (endpoint unreachable after retries, bad reply)."""


class JudgeBackend(Protocol):
    """What the judge needs from a backend. Optional: ``accepts_formats = True`` plus a
    ``formats`` keyword on ``generate`` (one guided-decoding format per conversation)."""

    model: str

    def generate(self, batch: list[Messages]) -> list[str | Exception]: ...


def _takes_formats(fn: Callable[..., Any]) -> bool:
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "formats" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


# Both built-in backends live in this module; others register with @register_backend.
JUDGE_BACKENDS = Registry("judge backend", {
    "callable": "rewards.judge_backends:CallableBackend",
    "openai": "rewards.judge_backends:OpenAIBackend",
})
BACKENDS = JUDGE_BACKENDS.entries


def register_backend(name: str) -> Callable[[type], type]:
    """Class decorator: register a judge backend under ``name``; duplicates are rejected."""
    return JUDGE_BACKENDS.decorator(name)


def build_backend(name: str, **params: Any) -> JudgeBackend:
    """Instantiate a registered backend; unknown names and bad params raise ValueError."""
    try:
        cls = JUDGE_BACKENDS.get(name)
    except KeyError:
        raise ValueError(f"unknown judge backend {name!r}; choose from {', '.join(JUDGE_BACKENDS.names())}") from None
    try:
        return cls(**params)
    except TypeError as e:
        raise ValueError(f"judge backend {name!r}: bad params {sorted(params)}: {e}") from None


@register_backend("callable")
class CallableBackend:
    """Wrap ``generate(batch) -> list[str]`` (or ``generate(batch, formats=None)``, which makes
    ``accepts_formats`` true). A raise or a wrong-length reply errors every slot."""

    def __init__(self, generate: Callable[..., list[str]], model: str = "in-process",
                 on_close: Callable[[], None] | None = None):
        if not callable(generate):
            raise TypeError("callable backend: `generate` must be callable")
        self.fn, self.model, self.on_close = generate, model, on_close
        self.accepts_formats = _takes_formats(generate)

    def close(self) -> None:
        """Release what the caller handed over with ``on_close`` (e.g. the judge's own engine); idempotent."""
        hook, self.on_close = self.on_close, None
        if hook:
            hook()

    def generate(self, batch: list[Messages], formats: list[dict[str, Any] | None] | None = None) -> list[str | Exception]:
        if not batch:
            return []
        try:
            out = list(self.fn(batch, formats=formats) if formats is not None and self.accepts_formats else self.fn(batch))
        except Exception as e:  # noqa: BLE001 - the judge turns this into status=error per row
            return [JudgeUnavailable(f"judge callable raised {type(e).__name__}: {e}")] * len(batch)
        if len(out) != len(batch):
            return [JudgeUnavailable(f"judge callable returned {len(out)} outputs for {len(batch)} prompts")] * len(batch)
        return [o if isinstance(o, (str, Exception)) else ("" if o is None else str(o)) for o in out]


class _Retry(Exception):
    """A transient failure worth retrying; ``wait_s`` is the server's Retry-After, if any."""

    def __init__(self, msg: str, wait_s: float | None = None):
        super().__init__(msg)
        self.wait_s = wait_s


def _retry_after(value: str | None) -> float | None:
    try:
        return min(60.0, max(0.0, float(value))) if value else None
    except ValueError:
        return None


@register_backend("openai")
class OpenAIBackend:
    """OpenAI-compatible chat completions with concurrency, timeouts, retries and backoff."""

    def __init__(self, base_url: str, model: str, concurrency: int = 8, timeout_s: float = 60.0, retries: int = 3,
                 backoff_s: float = 0.5, max_backoff_s: float = 20.0, max_tokens: int = 512, temperature: float = 0.0,
                 api_key: str | None = None, api_key_env: str = "OPENAI_API_KEY", extra_body: dict[str, Any] | None = None,
                 structured_outputs: bool = False, on_close: Callable[[], None] | None = None):
        if not base_url:
            raise ValueError("openai judge backend: base_url is required, e.g. http://judge-host:8000/v1")
        if concurrency < 1 or retries < 0 or timeout_s <= 0:
            raise ValueError("openai judge backend: need concurrency >= 1, retries >= 0, timeout_s > 0")
        self.url = base_url.rstrip("/") + ("" if base_url.rstrip("/").endswith("/chat/completions") else "/chat/completions")
        self.model, self.concurrency, self.timeout_s, self.retries = model, concurrency, timeout_s, retries
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.body = {"model": model, "max_tokens": max_tokens, "temperature": temperature, **(extra_body or {})}
        key = api_key or os.environ.get(api_key_env) or "EMPTY"
        self.headers = {"Authorization": f"Bearer {key}"}
        self.accepts_formats, self.on_close = structured_outputs, on_close

    def close(self) -> None:
        """Release what the caller handed over with ``on_close`` (e.g. a served judge's lease); idempotent."""
        hook, self.on_close = self.on_close, None
        if hook:
            hook()

    def _attempt(self, client: Any, messages: Messages, fmt: dict[str, Any] | None = None) -> str:
        import httpx

        body = {**self.body, "messages": messages, **({"structured_outputs": fmt} if fmt else {})}
        try:
            r = client.post(self.url, json=body, headers=self.headers)
        except httpx.HTTPError as e:  # connect errors, timeouts, protocol errors
            raise _Retry(f"{type(e).__name__}: {e}") from None
        if r.status_code in (408, 429) or r.status_code >= 500:
            raise _Retry(f"HTTP {r.status_code}", _retry_after(r.headers.get("retry-after")))
        if r.status_code >= 400:
            raise JudgeUnavailable(f"judge endpoint {self.url} answered HTTP {r.status_code}: {r.text[:200]}")
        try:
            content = r.json()["choices"][0]["message"].get("content")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise _Retry(f"malformed reply body: {r.text[:200]!r}") from None
        return content or ""

    def _one(self, client: Any, messages: Messages, fmt: dict[str, Any] | None = None) -> str | Exception:
        last = ""
        for attempt in range(self.retries + 1):
            try:
                return self._attempt(client, messages, fmt)
            except JudgeUnavailable as e:
                return e
            except _Retry as e:
                last = str(e)
                if attempt < self.retries:
                    delay = min(self.max_backoff_s, self.backoff_s * 2**attempt) * (0.5 + random.random() / 2)
                    time.sleep(e.wait_s if e.wait_s is not None else delay)
        return JudgeUnavailable(f"judge endpoint {self.url} failed after {self.retries + 1} attempts: {last}")

    def generate(self, batch: list[Messages], formats: list[dict[str, Any] | None] | None = None) -> list[str | Exception]:
        import httpx

        if not batch:
            return []
        fmts = formats if formats is not None and self.accepts_formats else [None] * len(batch)
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        with httpx.Client(timeout=self.timeout_s, limits=limits) as client, \
                ThreadPoolExecutor(max_workers=min(self.concurrency, len(batch))) as pool:
            return list(pool.map(lambda m, f: self._one(client, m, f), batch, fmts))
