"""RewardRouter: mixed-domain batches, weights, statuses, _correct propagation, error isolation,
dependency injection, config validation and the TRL reward functions."""
from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel

from rewards.base import RewardResult, register_reward
from rewards.router import RewardRouter, ScoredRow

CALLS: dict[str, list[int]] = {}
SEEN_CORRECT: list[object] = []


@register_reward("test_router_exact")
class Exact:
    """Correctness reward: 1.0 when completion == answer, 0.0 otherwise, None without an answer."""

    is_correctness = True

    def __call__(self, rows):
        CALLS.setdefault("exact", []).append(len(rows))
        return [RewardResult(None) if r.get("answer") is None else RewardResult(float(r["completion"] == r["answer"]))
                for r in rows]


@register_reward("test_router_len")
class Length:
    """Shaping reward: -len/100 with a sub-component; records the _correct it was given."""

    def __init__(self, scale: float = 100.0):
        self.scale = scale

    def __call__(self, rows):
        CALLS.setdefault("len", []).append(len(rows))
        SEEN_CORRECT.extend(r.get("_correct", "absent") for r in rows)
        return [RewardResult(-len(r["completion"]) / self.scale, components={"chars": float(len(r["completion"]))})
                for r in rows]


@register_reward("test_router_boom")
class Boom:
    """Raises on any batch that holds a row whose completion contains 'boom'."""

    def __call__(self, rows):
        if any("boom" in r["completion"] for r in rows):
            raise RuntimeError("kaboom")
        return [RewardResult(0.5) for _ in rows]


class StatusReward:
    """Returns the (status, score) the row asks for under this reward's name in ``want``."""

    def __call__(self, rows):
        out = []
        for r in rows:
            status, score = r.get("want", {}).get(self.name, ("ok", None))
            out.append(RewardResult(score, status, info={"asked": True}))
        return out


register_reward("test_router_status")(StatusReward)
register_reward("test_router_status2")(type("StatusReward2", (StatusReward,), {}))


@register_reward("test_router_deps")
class Deps:
    def __init__(self, sandbox=None, constitution=None, tag="default"):
        self.sandbox, self.constitution, self.tag = sandbox, constitution, tag

    def __call__(self, rows):
        return [RewardResult(1.0, info={"sandbox": self.sandbox, "tag": self.tag}) for _ in rows]


@register_reward("test_router_bad_output")
class BadOutput:
    def __call__(self, rows):
        return [float("nan") if i == 0 else RewardResult(float("inf")) for i, _ in enumerate(rows)]


CONFIG = {
    "math": [{"name": "test_router_exact", "weight": 1.0}, {"name": "test_router_len", "weight": 0.5}],
    "logic": [{"name": "test_router_exact", "weight": 2.0}],
    "writing": [{"name": "test_router_len", "weight": 1.0, "params": {"scale": 10.0}}],
}


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    SEEN_CORRECT.clear()


def rows():
    return [
        {"id": "m1", "domain": "math", "answer": "4", "completion": "4"},
        {"id": "l1", "domain": "logic", "answer": "yes", "completion": "no"},
        {"id": "m2", "domain": "math", "answer": "4", "completion": "5"},
        {"id": "w1", "domain": "writing", "completion": "hello"},
        {"id": "m3", "domain": "math", "completion": "no gold"},
    ]


def test_mixed_domain_batch_weights_components_and_order():
    router = RewardRouter(CONFIG)
    out = router.score(rows())
    assert all(isinstance(s, ScoredRow) for s in out)
    assert [s.row["id"] for s in out] == ["m1", "l1", "m2", "w1", "m3"]
    assert out[0].reward == pytest.approx(1.0 + 0.5 * -0.01)
    assert out[1].reward == pytest.approx(0.0) and out[1].components == {"test_router_exact": 0.0}
    assert out[2].reward == pytest.approx(0.0 + 0.5 * -0.01)
    assert out[3].reward == pytest.approx(-0.5)  # writing's own params (scale 10) and weight 1
    assert out[3].components == {"test_router_len": -0.5, "test_router_len/chars": 5.0}
    assert out[4].reward == pytest.approx(0.5 * -0.07)  # exact does not apply (None) and is left out
    assert out[4].components["test_router_exact"] is None
    # each domain's rewards ran once on that domain's rows: exact on 3 math + 1 logic, len on 3 math + 1 writing
    assert sorted(CALLS["exact"]) == [1, 3] and sorted(CALLS["len"]) == [1, 3]


def test_correct_is_filled_from_correctness_rewards_and_not_leaked():
    router = RewardRouter({"math": [{"name": "test_router_exact"}, {"name": "test_router_len"}],
                           "writing": [{"name": "test_router_len"}]})
    batch = [{"domain": "math", "answer": "4", "completion": "4"}, {"domain": "math", "answer": "4", "completion": "5"},
             {"domain": "math", "completion": "x"}, {"domain": "writing", "completion": "y"}]
    out = router.score_rows(batch)
    assert SEEN_CORRECT == [True, False, None, None]
    assert all("_correct" not in r for r in out) and all("_correct" not in r for r in batch)
    assert all("reward" not in r for r in batch)  # input rows are not modified


def test_correct_is_false_when_any_earlier_correctness_reward_fails():
    router = RewardRouter({"math": [{"name": "test_router_exact"}, {"name": "test_router_len"},
                                    {"name": "test_router_status"}]})
    router.score([{"domain": "math", "answer": "4", "completion": "4"}])
    assert SEEN_CORRECT == [True]


def test_reward_that_raises_only_errors_the_rows_it_fails_on():
    router = RewardRouter({"logic": [{"name": "test_router_exact", "weight": 1.0}, {"name": "test_router_boom", "weight": 1.0}]})
    out = router.score([{"domain": "logic", "answer": "a", "completion": "a"},
                        {"domain": "logic", "answer": "a", "completion": "boom"},
                        {"domain": "logic", "answer": "a", "completion": "b"}])
    assert [s.status for s in out] == ["ok", "error", "ok"]
    assert [s.reward for s in out] == [1.5, 0.0, 0.5]  # the failing reward is left out of row 2's sum
    assert "kaboom" in out[1].info["test_router_boom"]["error"] and out[1].info["test_router_boom"]["status"] == "error"
    assert out[1].results["test_router_exact"].status == "ok"


def test_invalid_reward_outputs_become_errors():
    out = RewardRouter({"x": [{"name": "test_router_bad_output"}]}).score([{"domain": "x", "completion": "a"},
                                                                            {"domain": "x", "completion": "b"}])
    assert [s.status for s in out] == ["error", "error"] and [s.reward for s in out] == [None, None]
    assert "not RewardResult" in out[0].info["test_router_bad_output"]["error"]
    assert "non-finite" in out[1].info["test_router_bad_output"]["error"]


@pytest.mark.parametrize("a,b,status,reward", [
    (("ok", None), ("unparseable", None), "unparseable", None),  # every reward returned None -> None, not 0
    (("timeout", None), ("unparseable", 0.25), "timeout", 0.25),
    (("error", None), ("timeout", 0.25), "error", 0.25),
    (("flagged", 0.0), ("error", None), "flagged", 0.0),
    (("ok", 0.5), ("ok", 0.25), "ok", 0.75),
])
def test_status_is_the_worst_and_reward_sums_the_applicable(a, b, status, reward):
    router = RewardRouter({"d": [{"name": "test_router_status"}, {"name": "test_router_status2"}]})
    out = router.score([{"domain": "d", "want": {"test_router_status": a, "test_router_status2": b}}])[0]
    assert out.status == status and out.reward == reward
    assert out.components == {"test_router_status": a[1], "test_router_status2": b[1]}
    assert out.info["test_router_status2"]["asked"] is True
    if b[0] != "ok":
        assert out.info["test_router_status2"]["status"] == b[0]


def test_unknown_domain_is_a_clear_key_error_before_any_scoring():
    router = RewardRouter(CONFIG)
    with pytest.raises(KeyError, match=r"unknown domain 'poetry'; configured domains: logic, math, writing"):
        router.score([{"id": "ok", "domain": "math", "answer": "4", "completion": "4"},
                      {"id": "p1", "domain": "poetry", "completion": "x"}])
    assert CALLS == {}
    with pytest.raises(KeyError, match="unknown domain None"):
        router.score([{"completion": "no domain"}])


def test_dependencies_are_injected_only_where_accepted_and_params_win():
    router = RewardRouter({"a": [{"name": "test_router_deps"}, {"name": "test_router_exact"}],
                           "b": [{"name": "test_router_deps", "params": {"sandbox": "from-yaml", "tag": "b"}}]},
                          sandbox="injected", backend="unused-by-these")
    a = router.score([{"domain": "a", "completion": "x"}])[0]
    b = router.score([{"domain": "b", "completion": "x"}])[0]
    assert a.info["test_router_deps"] == {"sandbox": "injected", "tag": "default"}
    assert b.info["test_router_deps"] == {"sandbox": "from-yaml", "tag": "b"}


def test_same_reward_and_params_share_one_instance_across_domains():
    router = RewardRouter({"a": [{"name": "test_router_len"}], "b": [{"name": "test_router_len", "weight": 3}],
                           "c": [{"name": "test_router_len", "params": {"scale": 1}}]})
    ra, rb, rc = (router.specs[d][0].reward for d in "abc")
    assert ra is rb and ra is not rc


class Spec(BaseModel):
    name: str
    weight: float = 1.0
    params: dict = {}


class Rewards(BaseModel):
    math: list[Spec]


def test_accepts_pydantic_entries_and_mappings():
    r1 = RewardRouter({"math": [Spec(name="test_router_exact", weight=2.0)]})
    r2 = RewardRouter(Rewards(math=[Spec(name="test_router_exact", weight=2.0)]))
    row = [{"domain": "math", "answer": "1", "completion": "1"}]
    assert r1.score(row)[0].reward == r2.score(row)[0].reward == 2.0


@pytest.mark.parametrize("config,match", [
    ({"math": [{"name": "test_router_exact", "weight": float("nan")}]}, r"rewards\.math\[0\]\.weight: must be a finite number"),
    ({"math": [{"name": "test_router_exact", "penalty": -1}]}, r"rewards\.math\[0\]\.penalty: give λ >= 0"),
    ({"math": [{"name": "test_router_exact", "penalty": 1, "weight": 1}]}, r"rewards\.math\[0\]\.penalty: .*no weight"),
    ({"math": [{"name": "test_router_exact"}, {"name": "test_router_exact"}]}, "appears twice"),
    ({"math": [{"name": "test_router_exact", "scale": 2}]}, r"rewards\.math\[0\]: unknown key\(s\) \['scale'\]"),
    ({"math": [{"weight": 1}]}, r"rewards\.math\[0\]\.name: required"),
    ({"math": []}, "non-empty list"),
    ({}, "non-empty mapping"),
    ({"math": [{"name": "no_such_reward_xyz"}]}, r"rewards\.math\[0\] \(no_such_reward_xyz\): unknown reward"),
    ({"math": [{"name": "test_router_len", "params": {"nope": 1}}]}, r"rewards\.math\[0\] \(test_router_len\): .*bad params"),
])
def test_config_errors_name_the_entry(config, match):
    with pytest.raises(ValueError, match=match):
        RewardRouter(config)


# ---- TRL -----------------------------------------------------------------------------------

def trl_inputs():
    batch = rows()
    prompts = [f"q{i}" for i in range(len(batch))]
    completions = [r["completion"] for r in batch]
    columns = {"domain": [r["domain"] for r in batch], "answer": [r.get("answer") for r in batch],
               "id": [r["id"] for r in batch], "trainer_state": object(), "log_metric": lambda n, v: None}
    return prompts, completions, columns


def test_trl_functions_named_per_reward_with_trl_signature():
    funcs = RewardRouter(CONFIG).trl_reward_funcs()
    assert [f.__name__ for f in funcs] == ["test_router_exact", "test_router_len"]
    params = inspect.signature(funcs[0]).parameters
    assert list(params)[:2] == ["prompts", "completions"] and params["columns"].kind is inspect.Parameter.VAR_KEYWORD


def test_trl_values_are_weighted_and_none_outside_the_domain():
    router = RewardRouter(CONFIG)
    exact, length = router.trl_reward_funcs()
    prompts, completions, columns = trl_inputs()
    assert exact(prompts, completions, **columns) == [1.0, 0.0, 0.0, None, None]  # logic weight 2 x 0.0; m3 has no gold
    assert length(prompts, completions, **columns) == pytest.approx([-0.005, None, -0.005, -0.5, -0.035])
    # the sum over functions is the combined reward of score()
    combined = [s.reward for s in router.score([{**r, "prompt": p} for r, p in zip(rows(), prompts)])]
    summed = [sum(v for v in pair if v is not None) for pair in zip(exact(prompts, completions, **columns),
                                                                     length(prompts, completions, **columns))]
    assert summed == pytest.approx(combined)


def test_trl_scores_each_batch_once_for_all_functions():
    router = RewardRouter(CONFIG)
    funcs = router.trl_reward_funcs()
    prompts, completions, columns = trl_inputs()
    for f in funcs:
        f(prompts, completions, **columns)
    assert sorted(CALLS["exact"]) == [1, 3] and sorted(CALLS["len"]) == [1, 3]  # one scoring pass, not two
    p2, c2, col2 = trl_inputs()  # a new batch (new objects, equal contents) is scored again
    funcs[0](p2, c2, **col2)
    assert len(CALLS["exact"]) == 4
    c2[0] = "changed in place"  # same objects, different contents: rescored, never stale
    assert funcs[0](p2, c2, **col2)[0] == 0.0


def test_trl_logs_status_shares_and_maps_completion_ids():
    seen_lengths = []

    @register_reward("test_router_tokens")
    class Tokens:
        def __call__(self, rows):
            seen_lengths.extend(r.get("completion_tokens") for r in rows)
            return [RewardResult(None, "error") if r["completion"] == "bad" else RewardResult(1.0) for r in rows]

    metrics = {}
    (fn,) = RewardRouter({"d": [{"name": "test_router_tokens"}]}).trl_reward_funcs()
    out = fn(["p", "p"], ["ok", "bad"], completion_ids=[[1, 2, 3], [4]], domain=["d", "d"],
             log_metric=lambda name, value: metrics.__setitem__(name, value))
    assert out == [1.0, None] and seen_lengths == [3, 1]
    assert metrics["reward_status/error"] == 0.5 and metrics["reward_status/flagged"] == 0.0


def test_real_rewards_correct_flows_into_length_penalty():
    """With the real math_correctness + length_penalty: only correct answers get the verbosity penalty."""
    pytest.importorskip("math_verify")
    router = RewardRouter({"math": [{"name": "math_correctness", "weight": 1.0},
                                    {"name": "length_penalty", "weight": 0.5,
                                     "params": {"max_len": 1000, "buffer": 10, "unit": "chars", "verbosity_weight": 1.0}}]})
    out = router.score([{"id": "g", "domain": "math", "answer": "4", "completion": r"\boxed{4}"},
                        {"id": "g", "domain": "math", "answer": "4", "completion": r"It is clearly \boxed{4}"},
                        {"id": "g", "domain": "math", "answer": "4", "completion": r"It is clearly \boxed{5}"}])
    assert [s.components["math_correctness"] for s in out] == [1.0, 1.0, 0.0]
    assert out[0].components["length_penalty/verbosity"] == 0.0
    assert out[1].components["length_penalty/verbosity"] < 0  # longer than the shortest correct one
    assert out[2].components["length_penalty/verbosity"] == 0.0  # wrong answers are not length-shaped
    assert out[1].reward == pytest.approx(1.0 + 0.5 * out[1].components["length_penalty"])


def test_close_releases_the_judge_engine_once():
    """router.close() reaches the judge backend's on_close (the judge's own vLLM engine), once even when
    two domains share the judge; left to the garbage collector, an in-process engine's teardown breaks
    whichever engine runs at that moment."""
    from rewards.constitution import constitution_from_dict
    from rewards.judge_backends import CallableBackend

    closed = []
    backend = CallableBackend(lambda batch: ["ok\nSCORES: C1=5"] * len(batch), on_close=lambda: closed.append(1))
    constitution = constitution_from_dict({"principles": [{"id": "p", "text": "Helpful.", "weight": 1}],
                                           "scale": {"min": 1, "max": 10}})
    router = RewardRouter({"writing": [{"name": "rubric_judge"}], "qa": [{"name": "rubric_judge"}]},
                          backend=backend, constitution=constitution)
    router.close()
    router.close()
    assert closed == [1]
