"""Peak memory of one training or generation worker, from the model's shape and the batch: the formulas.

All sizes are bytes; GiB = 2**30 (what ``nvidia-smi`` shows as an "80 GB" card is about 79.6 GiB).

Model states (per GPU, ``world`` = FSDP shards, 1 without FSDP):
- full fine-tuning: weights and gradients at the master dtype (fp32: 4 + 4 B) and AdamW's two moments (fp32:
  8 B) = 16 B/param, divided by ``world`` (ZeRO-3 / FSDP2: DeepSpeed's ``estimate_zero3_model_states_mem_needs``
  gives the same 16 B/param for fp32 Adam with the largest layer gathered on top, bench/memory_plan.py re-derives
  it); gradients exist only between the backward and the optimizer step (``zero_grad(set_to_none)``), so the
  generation phase holds 12 B/param;
- LoRA: the frozen base at its load dtype, and 16 B per trainable adapter parameter (r x (in + out) per target);
- bf16 autocast keeps a bf16 copy of every weight a forward used, saved for the backward (2 B/param);
- FSDP gathers a unit at a time, cast to the compute dtype (FSDP2's ``param_dtype``): the root (embeddings, head)
  and two decoder layers (the prefetched next one, or the one whose gradients are being reduce-scattered);
- a KL reference model (beta > 0, full fine-tuning): a second frozen copy at the master dtype (LoRA: the base with
  the adapter off, no copy).

Activations (per micro-batch of ``seqs`` sequences of ``seq_len`` tokens), derived from the tensors an HF Llama /
Qwen decoder layer saves for its backward (RMSNorm in fp32: its input and normalised output; the q/k/v/o, gate,
up and down projections' inputs; RoPE's inputs and outputs; SwiGLU's three products; sdpa/flash keeps q, k, v,
the output and the log-sum-exp, eager also the S x S scores). Per token and layer, with H the hidden size, Q/K the
query/key widths, I the MLP width: fp32: 4 x (6H + 5Q + 4K + 4I) B; bf16 autocast: 24H (fp32 norms) +
2 x (5H + 5Q + 4K + 4I) B. Without gradient checkpointing every layer's set is alive at the loss, plus one layer
of backward temporaries; with it, only each layer's input (H at the residual dtype) plus two layers' worth (the
recomputed one and its gradients).

Logits: TRL computes them for the completion tokens only (``logits_to_keep``): the logits, their
temperature-scaled copy and its gradient, 3 x tokens x vocabulary at the compute dtype, plus the fp32
log-softmax of one row chunk.

vLLM: a colocated engine reserves ``gpu_memory_utilization`` x the GPU's memory while it generates; with sleep mode
it hands that back for the training phase (weights to host memory, KV cache dropped). The peak of a training
worker is the larger of its generation phase (model states without gradients + engine) and its training phase
(all model states + activations + logits + the engine's training-phase share), plus the in-process judge and
``plan.overhead_gb``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .arch import Arch

GIB = 2**30
_MLP = ("gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class Lora:
    r: int
    targets: tuple[str, ...]

    def trainable(self, arch: Arch) -> int:
        """Adapter parameters: r x (in + out) per targeted linear and layer (every expert's, for MoE MLPs)."""
        per_layer = sum(self.r * (a + b) * (arch.experts if arch.experts and t in _MLP else 1)
                        for t, (a, b) in arch.linear_shapes().items() if t in self.targets)
        return per_layer * arch.layers


@dataclass(frozen=True)
class TrainShape:
    """What a training worker runs: the batch of one forward/backward pass and how it is trained."""

    seqs: int  # sequences per micro-batch
    seq_len: int  # tokens per sequence (prompt + completion)
    logit_tokens: int  # tokens per sequence that get logits (the completion; the whole sequence for SFT)
    master_bytes: int = 4  # 4 = fp32 master weights, 2 = pure bf16
    autocast: bool = False  # bf16/fp16 autocast (compute dtype 2 bytes)
    checkpointing: bool = False
    eager_attention: bool = False
    world: int = 1  # FSDP shards (1 = unsharded)
    lora: Lora | None = None
    ref_model: bool = False
    cpu_offload: bool = False


@dataclass
class Estimate:
    """Components (bytes) of one worker's peak; ``phase`` names the phase the peak is in."""

    parts: dict[str, float] = field(default_factory=dict)
    peak: float = 0.0
    phase: str = ""


def model_states(arch: Arch, s: TrainShape) -> dict[str, float]:
    """weights / grads / optimizer (+ autocast copies, FSDP gather buffers, reference model) per GPU."""
    p, mb = arch.params, s.master_bytes
    shard = 0.0 if s.cpu_offload else 1.0 / s.world
    if s.lora:
        t = s.lora.trainable(arch)
        # PEFT keeps adapters in fp32 (autocast_adapter_dtype) whatever the base's dtype: 16 B each
        out = {"weights": p * mb * shard + t * 4, "grads": t * 4, "optimizer": t * 8}
    else:
        out = {"weights": p * mb * shard, "grads": p * mb * shard, "optimizer": p * 2 * mb * shard}
    if s.world > 1 or s.cpu_offload:  # FSDP gathers a unit at a time, already cast to the compute dtype
        out["copies"] = (arch.embed_params + 2 * arch.layer_params) * (2 if s.autocast else mb)
    else:  # autocast's bf16 copy of every weight, saved for the backward
        out["copies"] = p * 2 if s.autocast and mb == 4 else 0.0
    out["reference"] = p * mb * (1.0 / s.world) if s.ref_model and not s.lora else 0.0
    return out


def layer_bytes_per_token(arch: Arch, autocast: bool) -> float:
    """Bytes one decoder layer saves for its backward, per token (see the module docstring)."""
    h, q, k = arch.hidden, arch.heads * arch.head_dim, arch.kv_heads * arch.head_dim
    i = arch.experts_per_token * arch.expert_intermediate if arch.experts else arch.intermediate
    if autocast:
        return 24 * h + 2 * (5 * h + 5 * q + 4 * k + 4 * i)
    return 4 * (6 * h + 5 * q + 4 * k + 4 * i)


def lora_bytes_per_token(arch: Arch, lora: Lora | None, autocast: bool) -> float:
    """What LoRA adds per token and layer: one output-wide tensor per adapted linear (measured on CPU,
    bench/memory_plan.py; the adapter's own r-wide tensors are negligible)."""
    if lora is None:
        return 0.0
    shapes = arch.linear_shapes()
    return sum(shapes[t][1] for t in lora.targets if t in shapes) * (2 if autocast else 4)


def activations(arch: Arch, s: TrainShape) -> float:
    tokens = s.seqs * s.seq_len
    per_layer = (layer_bytes_per_token(arch, s.autocast) + lora_bytes_per_token(arch, s.lora, s.autocast)) * tokens
    if s.eager_attention:
        per_layer += s.seqs * arch.heads * s.seq_len * s.seq_len * 8
    if s.checkpointing:
        return arch.layers * tokens * arch.hidden * 4 + 2 * per_layer
    return (arch.layers + 1) * per_layer


def logits(arch: Arch, s: TrainShape) -> float:
    tokens = s.seqs * s.logit_tokens
    compute = 2 if s.autocast else 4
    return 3 * tokens * arch.vocab * compute + s.logit_tokens * arch.vocab * 4


def train_worker(arch: Arch, s: TrainShape, engine: float, engine_sleeps: bool, judge: float,
                 overhead: float) -> Estimate:
    """The peak of a training worker with a colocated engine of ``engine`` bytes (0 = none)."""
    states = model_states(arch, s)
    parts = {**states, "activations": activations(arch, s), "logits": logits(arch, s), "vllm": engine,
             "judge": judge, "overhead": overhead}
    gen = states["weights"] + states["optimizer"] + states["reference"] + engine + judge + overhead
    train = sum(v for k, v in parts.items() if k != "vllm") + (0.0 if engine_sleeps else engine)
    phase = "training" if train >= gen else "generation"
    return Estimate(parts, max(gen, train), phase)


def engine_fit(arch: Arch, share: float, max_model_len: int, engine_bytes: int = 2) -> float:
    """Bytes an engine's share has left for KV cache after its weights (negative: the weights do not fit)."""
    return share - arch.params * engine_bytes - kv_bytes(arch, max_model_len, engine_bytes)


def kv_bytes(arch: Arch, tokens: int, dtype_bytes: int = 2) -> float:
    return 2 * arch.layers * arch.kv_heads * arch.head_dim * tokens * dtype_bytes
