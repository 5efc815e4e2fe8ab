"""Expert specs: registry, validation, default rewards and layering.

    .venv/bin/python -m pytest -q tests/unit/experts/test_experts.py -p no:cacheprovider
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from experts.base import CANONICAL_REWARDS, ExpertSpec, get_expert, register_expert, registered_experts
from experts.datasets import load_rows, registered_datasets

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth
DOMAINS = ["math", "code", "logic", "writing", "agentic_code", "agentic_search"]


def test_all_six_domains_registered_with_their_datasets():
    experts = registered_experts()
    assert set(DOMAINS) <= set(experts)
    for d in DOMAINS:
        spec = get_expert(d)
        assert spec.domain == d and spec.dataset in registered_datasets() and spec.rewards
    with pytest.raises(KeyError, match="unknown domain 'chess'.*math"):
        get_expert("chess")


def test_duplicate_registration_is_rejected():
    def another_math() -> ExpertSpec:
        return ExpertSpec(domain="math")

    with pytest.raises(ValueError, match="already registered"):
        register_expert("math")(another_math)
    with pytest.raises(ValueError, match="already registered"):
        register_expert("math")(ExpertSpec(domain="math"))
    assert get_expert("math").rewards[0]["name"] == "math_correctness"
    with pytest.raises(ValueError, match="domain 'code'"):
        register_expert("math")(ExpertSpec(domain="code"))


def test_reregistering_the_same_factory_is_idempotent():
    from experts import math as math_module

    register_expert("math")(math_module.math_expert)
    assert get_expert("math").domain == "math"


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "fast"}, "mode"),
    ({"group_size": 1}, "group_size"),
    ({"kl_beta": -0.1}, "kl_beta"),
    ({"lora": {"rank": 4}}, "lora"),
    ({"prompt_template": "{question}"}, "prompt_template"),
    ({"rewards": ({"name": "format", "weight": "high"},)}, "weight"),
    ({"rewards": ({"name": "format", "scale": 2},)}, "name, weight, params"),
])
def test_invalid_specs_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ExpertSpec(domain="x", **kwargs)


@pytest.mark.parametrize("domain", DOMAINS)
def test_default_rewards_are_canonical_and_build(domain):
    from rewards.base import build_reward, registered_rewards
    from rewards.constitution import load_constitution

    spec = get_expert(domain)
    deps = {"sandbox": object(), "backend": object(),
            "constitution": load_constitution(ROOT / "configs" / "constitutions" / "default.yaml")}
    for entry in spec.reward_specs():
        assert set(entry) == {"name", "weight", "params"} and entry["weight"] > 0
        assert entry["name"] in CANONICAL_REWARDS and entry["name"] in registered_rewards()
        build_reward(entry["name"], entry["params"], **deps)  # the params are valid for the reward


@pytest.mark.parametrize("domain", DOMAINS)
def test_templates_defaults_and_tools(domain):
    spec = get_expert(domain)
    prompt = spec.format_prompt({"prompt": "What is {x}?"})
    assert prompt.startswith("What is {x}?")
    d = spec.training_defaults()
    assert set(d) == {"group_size", "prompts_per_step", "max_prompt_len", "max_tokens", "learning_rate", "steps",
                      "kl_beta", "lora", "mode"}
    assert d["prompts_per_step"] >= 1
    assert d["mode"] in ("thinking", "non_thinking", "both") and d["kl_beta"] >= 0
    assert d["lora"] is None or {"r", "alpha", "targets"} == set(d["lora"])
    assert all(callable(t) for t in spec.tool_functions())
    if any(r["name"] in ("math_correctness", "exact_match") for r in spec.rewards):
        assert "\\boxed{}" in prompt


def test_agentic_experts_have_their_tools_and_kl_zero_exists():
    assert [t.__name__ for t in get_expert("agentic_search").tool_functions()] == ["search"]
    assert [t.__name__ for t in get_expert("agentic_code").tool_functions()] == ["run_python"]
    assert any(get_expert(d).kl_beta == 0.0 for d in DOMAINS) and any(get_expert(d).kl_beta > 0 for d in DOMAINS)


def test_experts_never_import_pipeline():
    for path in (ROOT / "experts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not any(n.split(".")[0] == "pipeline" for n in names), f"{path} imports pipeline"
    code = ("import sys; from experts.base import registered_experts; from experts.datasets import load_rows; "
            "registered_experts(); [load_rows(d, 'eval', 2, 0) for d in registered_experts()]; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pipeline'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _gold_completion(row: dict) -> str:
    if row["tests"]:
        return f"```python\n{row['answer']}```"
    return f"The answer is \\boxed{{{row['answer']}}}."


@pytest.mark.parametrize("domain, n", [("math", 60), ("logic", 60), ("agentic_search", 60), ("code", 4), ("agentic_code", 3)])
def test_gold_answers_earn_full_correctness_reward(domain, n):
    """Our gold formats (numbers, names, yes/no, lists, reference code) match what the rewards expect."""
    import importlib.util

    from rewards.base import build_reward

    spec = get_expert(domain)
    correctness = spec.rewards[0]
    deps = {}
    if correctness["name"] == "code_tests":
        if importlib.util.find_spec("rewards.sandbox") is None:
            pytest.skip("rewards.sandbox is not importable yet")
        from rewards.sandbox import build_sandbox

        deps["sandbox"] = build_sandbox("local", timeout_s=10, workers=2)
    reward = build_reward(correctness["name"], correctness["params"], **deps)
    rows = load_rows(domain, "train", n, 0) + load_rows(domain, "eval", n, 0)
    gold = reward([{**r, "completion": _gold_completion(r)} for r in rows])
    assert [g.score for g in gold] == [1.0] * len(rows), [(r["prompt"], g.info) for r, g in zip(rows, gold) if g.score != 1.0][:3]
    wrong = reward([{**r, "completion": "\\boxed{Nobody 12345}" if not r["tests"] else
                     f"```python\ndef {r['entry_point']}(*args):\n    return None\n```"} for r in rows[:10]])
    assert all(w.score == 0.0 for w in wrong)
