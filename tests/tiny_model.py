"""Build a tiny real Llama model + byte-level BPE tokenizer locally (no hub).

DESIGN.md: use a Llama config (a Qwen2 config makes transformers 5 swap the tokenizer
class, and ids stop matching tokenizer.json). Weights use a large init range so logits are
peaked and greedy decoding is numerically stable across backends.
"""
from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

CORPUS = [
    "What is 2 + 3? The answer is \\boxed{5}.", "def add(a, b):\n    return a + b\n",
    "Alice is taller than Bob. Who is tallest? Alice.", "<think>\nLet me think.\n</think> The answer is 4.",
    "Write a short email to your manager asking for a day off.", "search the corpus for Zorblax founder",
] * 20


def build_tokenizer(vocab: int):
    """A byte-level BPE tokenizer trained on CORPUS, with the ChatML-style template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    tk.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                  bos_token="<|im_start|>")
    tok.chat_template = CHAT_TEMPLATE
    return tok


def build_tiny_model(out: Path, seed: int = 0, hidden: int = 128, layers: int = 2, vocab: int = 400,
                     tied: bool = False) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = Path(out)
    if (out / "config.json").exists():
        return out
    tok = build_tokenizer(vocab)
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=layers,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                      tie_word_embeddings=tied, initializer_range=0.2)
    model = LlamaForCausalLM(cfg)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out
