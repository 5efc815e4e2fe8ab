"""Engine/trainer log-prob gap (issue 16) during short GRPO runs on the vLLM engine rollout: correction
none vs tis (cap 2), and top_p=0.9 with and without the keep-sampling mask. Per step it records
mismatch/abs_logp_diff (mean |logp_trainer - logp_engine| per sampled token), mismatch/kl (k3
estimate of KL(engine || trainer)), mismatch/is_weight (mean TIS weight). BF16=1 (TRL's default)
trains under bf16 autocast against the fp32 engine; BF16=0 is fp32 on both sides.

    BF16=0 LR=1e-3 python bench/v32_mismatch.py PATH_OR_ALIAS [STEPS]   # -> bench/results/v32_mismatch_*.json
"""
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0"); os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
from datasets import Dataset
from safetensors.torch import load_file
from trl import GRPOConfig
from pipeline.models import resolve_model
from pipeline.rollout import SamplingConfig, build_engine
from pipeline.train.rl_rollout import EngineRollout
from pipeline.train.v32_loss import V32Loss, v32_trainer_class

model = str(resolve_model(sys.argv[1])); steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
engine = build_engine(model, backend="vllm", max_model_len=512)
prompts = [[{"role": "user", "content": f"What is {a} + {b}? Put the answer in \\boxed{{}}."}] for a, b in
           [(2, 3), (7, 5), (11, 4), (6, 9), (13, 8), (3, 14)]]
def reward(completions, **_):
    return [float("\\boxed" in str(c)) + 0.01 * (len(str(c)) % 7) for c in completions]
results = {}
for name, v32, top_p in [("none", V32Loss(correction="none"), 1.0), ("tis", V32Loss(correction="tis", cap=2.0), 1.0),
                         ("top_p0.9_mask", V32Loss(correction="none", sampling_mask=True), 0.9),
                         ("top_p0.9_nomask", V32Loss(correction="none", sampling_mask=False), 0.9)]:
    if name != "none":  # start each run from the base weights (the previous run trained the engine's)
        engine.sync_weights(load_file(next(Path(model).glob("*.safetensors"))))
    rollout = EngineRollout(engine, SamplingConfig(max_tokens=24, temperature=1.0, top_p=top_p))
    args = GRPOConfig(output_dir=f"/tmp/v32_mismatch/{name}", per_device_train_batch_size=8, num_generations=4,
                      max_completion_length=24, max_steps=steps, learning_rate=float(os.environ.get("LR", "1e-5")), beta=0.0, use_cpu=True, report_to=[],
                      logging_steps=1, save_strategy="no", remove_unused_columns=False, temperature=1.0, top_p=top_p,
                      disable_tqdm=True, seed=0, bf16=os.environ.get("BF16", "1") == "1")
    t = time.time()
    tr = v32_trainer_class()(model=model, args=args, reward_funcs=[reward], train_dataset=Dataset.from_list(
        [{"prompt": p} for p in prompts]), rollout_func=rollout, v32=v32)
    tr.train()
    logs = [{k: float(f"{v:.3g}") for k, v in h.items() if k.startswith("mismatch/")} for h in tr.state.log_history if "mismatch/kl" in h]
    results[name] = {"per_step": logs, "seconds": round(time.time() - t, 1)}
    print(name, json.dumps(results[name]), flush=True)
out = Path(__file__).resolve().parent / 'results' / ('v32_mismatch_run_' + Path(model).name + '_bf16' + os.environ.get('BF16', '1') + '.json')
out.write_text(json.dumps({"model": model, "steps": steps, "results": results}, indent=1))
print("wrote", out)
