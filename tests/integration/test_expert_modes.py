"""An expert with ``mode: both`` on the tiny model: two real GRPO steps (TRL + vLLM rollouts + router
rewards) whose batches hold thinking and non-thinking groups, each rolled out with its own system
prompt, prefill and token budget, and each scored by the format reward in its row's mode."""
from __future__ import annotations

from pipeline.config import parse_config


def test_both_modes_train_in_their_own_format(tiny_model, tmp_path):
    from pipeline.stages.expert_rl import expert_job
    from pipeline.train.grpo import build_trainer
    from pipeline.train.rl_rollout import prompt_mode

    cfg = parse_config({
        "model": str(tiny_model), "seed": 0, "output_dir": str(tmp_path), "domains": ["logic"],
        "rollout": {"backend": "vllm", "max_tokens": 6, "max_model_len": 512},
        "rewards": {"logic": [{"name": "exact_match", "weight": 1.0}]},
        "experts": {"logic": {"steps": 2, "group_size": 2, "prompts_per_step": 4, "mode": "both", "max_tokens": 6,
                              "thinking_max_tokens": 14, "dynamic_sampling": {"enabled": False}}},
        "data": {"logic": {"train_size": 8, "eval_size": 2}}, "logging": {"report_to": []},
    })
    job, router, engine = expert_job(cfg, tmp_path, "expert:logic")
    assert job.max_tokens_by_mode == {"thinking": 14, "non_thinking": 6} and job.max_tokens == 14
    assert "format" in router.reward_names()  # added: the list had only exact_match
    seen: list[tuple[str, int, str | None]] = []  # (mode of the prompt, sampled tokens, format reward's mode)
    try:
        trainer = build_trainer(cfg, job, router, engine)
        rollout = trainer.posttrain_rollout
        generate, score = rollout.generate_timed, router.score

        def spy_generate(prompts):
            tracks = generate(prompts)
            seen.extend((prompt_mode(p), tr.sampled, None) for p, tr in zip(prompts, tracks))
            return tracks

        def spy_score(rows):
            scored = score(rows)
            seen.extend(("scored", 0, s.results["format"].info.get("mode")) for s in scored if s.row.get("mode")
                        and s.results["format"].info.get("mode") == s.row["mode"])
            return scored

        rollout.generate_timed, router.score = spy_generate, spy_score
        trainer.train()
    finally:
        router.close()
        engine.close()
    assert trainer.state.global_step == 2
    rolled = [(m, n) for m, n, f in seen if m != "scored"]
    assert {m for m, _ in rolled} == {"thinking", "non_thinking"}  # both modes reached the batches
    assert max(n for m, n in rolled if m == "non_thinking") <= 6
    assert 6 < max(n for m, n in rolled if m == "thinking") <= 14  # thinking rows used their own budget
    assert {f for m, _, f in seen if m == "scored"} == {"thinking", "non_thinking"}  # format judged each row's mode
