"""The served judge (judge.serve): a real vLLM OpenAI-compatible server for the embedded SmolLM2,
started from a Ray actor by build_router, scores writing rows over HTTP (with guided decoding) and
stops when the router closes. Cheap lifecycle checks use a stand-in HTTP server in place of vLLM:
leases share one server, the last one stops it, a killed actor takes its server down, and a server
that dies while starting fails with its log tail."""
from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.ray

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = [{"criterion": "Names Paris", "weight": 3}, {"criterion": "One sentence", "weight": 1}]
PROMPT = "What is the capital of France? Answer in one sentence."


def _judge_actors(ray) -> list[str]:
    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["name"].startswith("posttrain-judge-")]


def _port_open(url: str) -> bool:
    u = httpx.URL(url)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((u.host, u.port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pid: int, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def test_served_judge_scores_rows_over_http_and_stops_with_the_router(ray_local):
    from pipeline.config import PipelineConfig
    from pipeline.models import cache_dir
    from pipeline.scoring.reward_factory import build_router

    if not (cache_dir() / "models" / "smollm2-135m-instruct" / "model.safetensors").exists():
        pytest.skip("embedded SmolLM2 not materialised (run `posttrain model fetch smollm2-135m-instruct`)")
    cfg = PipelineConfig.model_validate({
        "domains": ["writing"],
        "rewards": {"writing": [{"name": "rubric_judge", "weight": 1.0}]},
        "rollout": {"max_model_len": 1024, "kv_cache_gb": 1},
        "judge": {"backend": "openai", "serve": True, "model": "smollm2-135m-instruct", "max_tokens": 96,
                  "constitution": str(ROOT / "configs/constitutions/default.yaml")},
    })
    t0 = time.monotonic()
    router = build_router(cfg, domains=["writing"])
    started_s = time.monotonic() - t0
    try:
        [name] = _judge_actors(ray_local)
        info = ray_local.get(ray_local.get_actor(name, namespace="posttrain").info.remote())
        url, pid = info["base_url"], info["pid"]
        print(f"\njudge server ready in {info['startup_s']:.1f}s (build_router {started_s:.1f}s) at {url}")
        key = router.specs["writing"][0].reward.backend.headers["Authorization"]
        assert httpx.get(f"{url}/models", timeout=10).status_code == 401  # the served judge wants its key
        models = httpx.get(f"{url}/models", headers={"Authorization": key}, timeout=10).json()
        assert [m["id"] for m in models["data"]] == ["smollm2-135m-instruct"]

        rows = [{"id": f"q{i}", "domain": "writing", "prompt": PROMPT, "completion": c, "rubric": RUBRIC}
                for i, c in enumerate(["The capital of France is Paris.", "I like turtles and long walks."])]
        t1 = time.monotonic()
        scored = router.score_rows(rows)
        print(f"scored {len(rows)} rows in {time.monotonic() - t1:.1f}s")
    except BaseException:
        router.close()
        raise
    for r in scored:
        judged = r["info"]["rubric_judge"]
        assert r["status"] == "ok", r
        # Guided decoding through vLLM's structured_outputs: the answer follows the judge's contract.
        assert "SCORES:" in judged["judge_output"] and judged["attempts"] == 1
        assert 0.0 <= r["reward"] <= 1.0 and judged["raw_scores"]

    router.close()
    assert _wait_gone(pid), "the judge server process outlived router.close()"
    assert not _port_open(url)
    deadline = time.monotonic() + 30
    while _judge_actors(ray_local) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _judge_actors(ray_local) == []


# ---- lifecycle, with a stand-in server (starts in about a second) --------------------------------

FAKE = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
HTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""


def _start(**kw):
    from pipeline.scoring.judge_server import start_judge_server

    return start_judge_server("fake-model", "fake", **{"num_cpus": 0, "start_timeout_s": 30, **kw})


def _server_pid(ray, lease) -> int:
    return ray.get(lease.actor.info.remote())["pid"]


def test_leases_share_one_server_and_the_last_release_stops_it(ray_local):
    args = ["-c", FAKE, "{host}", "{port}"]
    a, b = _start(python_args=args), _start(python_args=args)
    assert a.base_url == b.base_url and a.name == b.name and len(_judge_actors(ray_local)) == 1
    pid = _server_pid(ray_local, a)
    a.close(), a.close()
    assert _alive(pid) and httpx.get(b.base_url.removesuffix("/v1") + "/health").status_code == 200
    b.close()
    assert _wait_gone(pid) and not _port_open(b.base_url)
    c = _start(python_args=args)  # a later caller starts a fresh one
    try:
        assert _port_open(c.base_url) and _server_pid(ray_local, c) != pid
    finally:
        c.close()


def test_a_killed_actor_takes_its_server_down(ray_local):
    lease = _start(python_args=["-c", FAKE, "{host}", "{port}", "kill"])
    info = ray_local.get(lease.actor.info.remote())
    ray_local.kill(lease.actor)
    assert _wait_gone(info["pid"]), "the server outlived its actor"
    lease.close()  # releasing a dead actor's lease is harmless
    Path(info["log_path"]).unlink(missing_ok=True)


def test_a_server_that_dies_while_starting_reports_its_log(ray_local):
    with pytest.raises(Exception, match=r"exited with code 3(.|\n)*no model here") as ei:
        _start(python_args=["-c", "import sys; print('no model here'); sys.exit(3)"])
    Path(re.search(r"log (\S+\.log) ends with", str(ei.value)).group(1)).unlink()  # kept for post-mortems
    time.sleep(0.5)
    assert _judge_actors(ray_local) == []


def test_a_judge_the_cluster_cannot_place_fails_with_a_clear_error(ray_local):
    with pytest.raises(RuntimeError, match=r"did not start within 4s(.|\n)*judge.serve_resources: num_cpus=0, num_gpus=1"):
        _start(python_args=["-c", FAKE, "{host}", "{port}"], num_gpus=1, start_timeout_s=2)
    time.sleep(0.5)
    assert _judge_actors(ray_local) == []
