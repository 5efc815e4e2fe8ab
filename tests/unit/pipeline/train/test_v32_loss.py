"""V3.2 trainer pieces on a real TRL GRPOTrainer with the tiny Llama: per-row KL weights, the
rollout-mismatch correction against a real vLLM engine's log-probs, and the keep-sampling mask."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.train.v32_loss import V32Loss, correction_weights, sampler_log_probs, truncation_keep, v32_trainer_class


def _trainer(model: Path, out: Path, v32: V32Loss, rows: list[dict], rollout=None, **args):
    from datasets import Dataset
    from trl import GRPOConfig

    kw = dict(output_dir=str(out), per_device_train_batch_size=4, num_generations=2, max_completion_length=8, max_steps=1,
              learning_rate=1e-3, beta=0.0, use_cpu=True, report_to=[], logging_steps=1, save_strategy="no",
              remove_unused_columns=False, temperature=1.0, disable_tqdm=True, seed=0)
    kw.update(args)

    def reward(completions, **_):
        return [float(len(str(c)) % 3) for c in completions]

    cls = v32_trainer_class()
    trainer = cls(model=str(model), args=GRPOConfig(**kw), reward_funcs=[reward], train_dataset=Dataset.from_list(rows),
                  rollout_func=rollout, v32=v32)
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = 1  # set by Trainer's loop; the tests call the loss directly
    return trainer


def _batch(trainer, rows):
    """One generation batch as TRL builds it: each prompt repeated num_generations times."""
    return trainer._generate_and_score_completions([r for r in rows for _ in range(trainer.num_generations)])


def _per_row_kl(trainer, batch):
    """Each row's summed per-token KL (k3, times the unbiased-KL ratio, which is 1 on-policy)."""
    import torch

    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], 1)
    am = torch.cat([batch["prompt_mask"], batch["completion_mask"]], 1)
    with torch.no_grad():
        lp, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, ids, am, batch["completion_ids"].size(1))
    d = batch["ref_per_token_logps"] - lp
    return ((torch.exp(d) - d - 1) * batch["completion_mask"]).sum(-1)


def test_kl_weight_per_row_domain(tiny_model, tmp_path):
    """Two domains with KL weights 0.5 and 0: each row's KL enters the loss times its own weight."""
    import torch

    rows = [{"prompt": "What is 2 + 3?", "domain": "math", "kl_weight": 0.0},
            {"prompt": "Write a short email.", "domain": "writing", "kl_weight": 0.5}]
    trainer = _trainer(tiny_model, tmp_path, V32Loss(correction="none"), rows, beta=0.5)
    batch = _batch(trainer, rows)
    assert batch["kl_weight"].tolist() == [0.0, 0.0, 0.5, 0.5]
    with torch.no_grad():  # move the policy away from the reference so every row has a KL
        for p in trainer.model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    kl = _per_row_kl(trainer, batch)
    assert (kl > 1e-4).all()

    def loss(weights):
        with torch.no_grad():
            return trainer._compute_loss(trainer.model, {**batch, "kl_weight": torch.tensor(weights)}).item()

    base, n = loss([0.0] * 4), batch["num_items_in_batch"].item()  # dapo: sum over tokens / tokens in the batch
    assert loss([0.0, 0.0, 0.5, 0.5]) - base == pytest.approx(0.5 * kl[2:].sum().item() / n, rel=1e-4)
    assert loss([0.3, 0.3, 0.0, 0.0]) - base == pytest.approx(0.3 * kl[:2].sum().item() / n, rel=1e-4)
    assert loss([0.3, 0.3, 0.5, 0.5]) - base == pytest.approx((0.3 * kl[:2].sum() + 0.5 * kl[2:].sum()).item() / n,
                                                              rel=1e-4)
    assert trainer.beta == 0.5  # restored after the loss


def test_mismatch_correction_against_engine_logprobs(tiny_model, tiny_model_b, vllm_engine, tmp_path):
    """The engine (tiny model) samples for a trainer holding other weights (tiny_model_b): a real,
    large mismatch. TIS weights each token by min(exp(logp_trainer - logp_engine), cap), exactly."""
    import torch

    from pipeline.rollout import SamplingConfig
    from pipeline.train.rl_rollout import EngineRollout

    rollout = EngineRollout(vllm_engine, SamplingConfig(max_tokens=8, temperature=1.0))
    rollout.sync = lambda trainer: None  # keep the engine on its own weights: the mismatch under test
    rows = [{"prompt": [{"role": "user", "content": "What is 2 + 3?"}]},
            {"prompt": [{"role": "user", "content": "Write a short email."}]}]
    trainer = _trainer(tiny_model_b, tmp_path, V32Loss(correction="tis", cap=2.0), rows, rollout=rollout)
    batch = _batch(trainer, rows)
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], 1)
    am = torch.cat([batch["prompt_mask"], batch["completion_mask"]], 1)
    with torch.no_grad():
        lp, _, _ = trainer._get_per_token_logps_and_entropies(trainer.model, ids, am, batch["completion_ids"].size(1))
        mask = batch["completion_mask"] * batch.get("tool_mask", 1)
        diff = (lp - batch["sampling_per_token_logps"]) * mask
        weights = torch.exp(diff).clamp(max=2.0)
        tis = trainer._compute_loss(trainer.model, batch).item()
        trainer.v32 = V32Loss(correction="none")
        by_hand = trainer._compute_loss(trainer.model, {**batch, "advantages": batch["advantages"].unsqueeze(1) * weights})
    assert tis == pytest.approx(by_hand.item(), rel=1e-5, abs=1e-7)
    assert (diff.abs() * mask).sum() / mask.sum() > 0.5  # different weights: a large gap
    logged = trainer._metrics["train"]
    assert logged["mismatch/abs_logp_diff"][0] == pytest.approx(((diff.abs() * mask).sum() / mask.sum()).item(), rel=1e-4)
    assert 0 < logged["mismatch/is_weight"][0] <= 2.0 and logged["mismatch/kl"][0] > 0


def test_sequence_mask_and_tis_weights():
    import torch

    diff = torch.tensor([[0.1, -0.1, 0.0], [2.0, 2.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    seq = correction_weights(diff, mask, "mask", cap=2.0)  # row 2: mean 1.33 > log 2 -> dropped
    assert seq.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    tis = correction_weights(diff, mask, "tis", cap=2.0)
    assert tis[1, 0].item() == 2.0 and tis[0, 0].item() == pytest.approx(1.10517, rel=1e-4)
    with pytest.raises(ValueError, match="rollout_correction.mode"):
        V32Loss(correction="is")


def test_sampling_mask_zero_mass_outside_the_sampler_set(tiny_model):
    """With top_p < 1 (and top_k), the training distribution puts exactly zero mass outside the
    kept set, sums to one inside it, and keeps what a nucleus sampler keeps (smallest set >= p)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    with torch.no_grad():
        logits = model(torch.tensor([[5, 9, 17, 33, 40, 41]])).logits[0] / 0.05  # flatten into a wide nucleus
    for top_k, top_p in ((0, 0.7), (5, 1.0), (8, 0.9)):
        lp = sampler_log_probs(logits, 1.0, top_k, top_p)
        keep = truncation_keep(logits, top_k, top_p)
        probs, full = lp.exp(), logits.softmax(-1)
        assert (probs[~keep] == 0).all() and torch.allclose(probs.sum(-1), torch.ones(len(logits)))
        assert (keep.sum(-1) < logits.size(-1)).all()
        for row in range(len(logits)):
            sorted_p = full[row].masked_fill(~truncation_keep(logits[row], top_k, 1.0), 0).sort(descending=True).values
            k = int(keep[row].sum())
            mass = sorted_p / sorted_p.sum()
            if top_p < 1:  # the smallest prefix holding >= top_p of the (top-k) mass
                assert mass[:k].sum() >= top_p - 1e-6 and mass[:k - 1].sum() < top_p
            if top_k:
                assert k <= top_k


def test_trainer_scores_the_truncated_distribution(tiny_model, tmp_path):
    """Inside the trainer, top_p < 1 makes the policy log-probs the renormalised nucleus ones (higher
    than the full-vocabulary ones), and the training step runs."""
    import torch

    rows = [{"prompt": "What is 2 + 3?"}, {"prompt": "Write a short email."}]
    trainer = _trainer(tiny_model, tmp_path, V32Loss(correction="none"), rows, top_p=0.8)
    batch = _batch(trainer, rows)
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], 1)
    am = torch.cat([batch["prompt_mask"], batch["completion_mask"]], 1)
    k = batch["completion_ids"].size(1)
    with torch.no_grad():
        masked, ent, _ = trainer._get_per_token_logps_and_entropies(trainer.model, ids, am, k, compute_entropy=True)
        trainer.v32 = V32Loss(correction="none", sampling_mask=False)
        full, full_ent, _ = trainer._get_per_token_logps_and_entropies(trainer.model, ids, am, k, compute_entropy=True)
    m = batch["completion_mask"].bool()
    assert (masked[m] >= full[m] - 1e-5).all() and (masked[m] > full[m] + 1e-4).any()
    assert (ent[m] <= full_ent[m] + 1e-4).all()
    trainer.v32 = V32Loss(correction="none")
    trainer.train()
    assert trainer.state.global_step == 1


def test_config_reaches_the_v32_trainer(tmp_path):
    """Per-domain KL weights become the kl_weight column (TRL's beta = the largest); grpo settings
    become the trainer's options."""
    from pipeline.config import parse_config
    from pipeline.train.grpo import RLJob, grpo_args, rl_dataset, v32_options

    rows = [{"id": "a", "domain": "math", "prompt": "1+1?", "mode": "non_thinking"},
            {"id": "b", "domain": "writing", "prompt": "Write.", "mode": "non_thinking"}]
    job = RLJob(model="m", rows=rows, out_dir=tmp_path, steps=1, group_size=2, prompts_per_step=1, learning_rate=1e-5,
                max_tokens=8, beta=0.0, kl_by_domain={"math": 0.0, "writing": 0.02})
    cfg = parse_config({"domains": ["math"], "grpo": {"rollout_correction": {"mode": "mask", "cap": 3.0}}})
    assert grpo_args(cfg, job).beta == 0.02
    assert rl_dataset(job)["kl_weight"] == [0.0, 0.02]
    assert v32_options(cfg) == V32Loss(correction="mask", cap=3.0, sampling_mask=True)
    assert v32_options(parse_config({"domains": ["math"]})).correction == "tis"


def test_engine_logprobs_match_the_truncated_trainer_distribution(tiny_model, vllm_engine):
    """vLLM returns the sampled token's logprob under the truncated sampling distribution (processed
    logprobs); the trainer's keep-sampling-mask log-probs match it, the full-vocabulary ones do not."""
    import torch
    from transformers import AutoModelForCausalLM

    from pipeline.rollout import SamplingConfig

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    prompt = vllm_engine.tokenizer("<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n",
                                   add_special_tokens=False)["input_ids"]
    gaps = {"masked": [], "full": []}
    for s in vllm_engine.generate_ids([prompt], SamplingConfig(max_tokens=16, temperature=1.0, top_p=0.7, n=4,
                                                                logprobs=True, seed=0))[0]:
        ids = torch.tensor([prompt + list(s.token_ids)])
        with torch.no_grad():
            logits = model(ids).logits[0, len(prompt) - 1:-1]
        labels = ids[0, len(prompt):]
        engine = torch.tensor(s.logprobs)
        masked = sampler_log_probs(logits, 1.0, 0, 0.7, labels).gather(-1, labels[:, None])[:, 0]
        full = logits.log_softmax(-1).gather(-1, labels[:, None])[:, 0]
        gaps["masked"] += (masked - engine).abs().tolist()
        gaps["full"] += (full - engine).abs().tolist()
    mean = {k: sum(v) / len(v) for k, v in gaps.items()}
    print("mean |logp_trainer - logp_engine| at top_p=0.7:", mean)
    assert mean["masked"] < 1e-3 < mean["full"]


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[4] / "configs").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_configs_turn_the_v32_stabilisers_on(path):
    from pipeline.config import load_config

    g = load_config(path).grpo
    assert g.unbiased_kl and g.off_policy_mask_threshold == 0.5 and g.keep_sampling_mask
    assert (g.rollout_correction.mode, g.rollout_correction.cap) == ("tis", 2.0)
