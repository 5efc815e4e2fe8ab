"""``language_consistency``: share of chain-of-thought words written in the target language.

Usage (YAML): ``{name: language_consistency, weight: 0.1, params: {languages: [en, zh, fr]}}``.

As in DeepSeek-R1 (language consistency reward): the text scored is the ``<think>`` block
when there is one, otherwise the whole response, with code and math removed
(``strip_code_and_math``). The target is the row's ``language`` (ISO 639-1), else the
language with the most words in the prompt. Score = target-language words / words whose
language was determined, in [0, 1]; None (with ``info["reason"]``) when nothing is left
to count, and None with ``error`` for a target the detector cannot recognise.

How words get a language: the text is cut into sentences, then into script runs. Han
characters and kana count one word per character (kana, or Han in a sentence with kana,
is Japanese; other Han is Chinese, or Japanese when that is the target); a Hangul run is
one Korean word. Every other run of words goes to lingua (one detector per process, built
lazily over ``languages``, batched and de-duplicated over all rows). A run counts as the
target unless lingua rates another language more than twice as likely: one or two words
("Let me", "then") are ambiguous and should not be punished.
Consecutive all-alphabetic sentences shorter than 3 words are merged, because lingua is
unreliable on one or two words. Single letters (math variables like "x") and "words" over
40 letters (degenerate output, which also makes lingua slow) are not counted.
Departure from R1: R1 counts words per language without saying how; mixing inside one
alphabetic sentence (en/fr) is resolved per sentence, not per word.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from .base import RewardResult, completion_text, prompt_text, register_reward
from .text import split_thinking, strip_code_and_math

DEFAULT_LANGUAGES = ("en", "zh", "fr", "de", "es", "ru", "ja", "ko", "pt", "it")
SCRIPT_LANGUAGES = ("zh", "ja", "ko")  # attributed by script, with or without lingua
MIN_WORDS = 3
TARGET_RATIO = 0.5
_HAN, _KANA = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_ALPHA = rf"[^\W\d_{_HAN}{_KANA}{_HANGUL}]"  # a letter of an alphabetic script
_WORD = re.compile(f"{_ALPHA}{{2,}}")
_LONG_WORD = re.compile(f"{_ALPHA}{{41,}}")  # not a word: degenerate output
_TOKEN = re.compile(rf"(?P<han>[{_HAN}])|(?P<kana>[{_KANA}])|(?P<hangul>[{_HANGUL}]+)|(?P<word>{_ALPHA}{{2,}})")
_HAS_KANA = re.compile(f"[{_KANA}]")
_HAS_CJK = re.compile(f"[{_HAN}{_KANA}{_HANGUL}]")
_SENTENCE = re.compile(r"[^.!?;。！？；\n]+[.!?;。！？；\n]*")


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in languages]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def _known_code(code: str) -> bool:
    from lingua import IsoCode639_1

    return len(code) == 2 and hasattr(IsoCode639_1, code.upper())


def _runs(sent: str, han_lang: str, counts: Counter) -> tuple[list[list[Any]], bool]:
    """Alphabetic runs ``[text, n_words]`` of one sentence, for lingua; Han/kana/Hangul words
    are added to ``counts`` directly. Returns (runs, whether the sentence had such words)."""
    if not _HAS_CJK.search(sent):  # fast path: the whole sentence is one run
        n = len(_WORD.findall(sent))
        return ([[sent.strip(), n]] if n else []), False
    cjk_lang = "ja" if _HAS_KANA.search(sent) else han_lang
    runs, cur = [], None
    for m in _TOKEN.finditer(sent):
        if m.lastgroup == "word":
            cur = [cur[0], m.end(), cur[2] + 1] if cur else [m.start(), m.end(), 1]
            continue
        counts["ko" if m.lastgroup == "hangul" else cjk_lang] += 1
        if cur:
            runs.append(cur)
            cur = None
    runs += [cur] if cur else []
    return [[sent[a:b], n] for a, b, n in runs], True


def _segment(text: str, han_lang: str) -> tuple[Counter, list[list[Any]]]:
    """Word counts of script-attributed languages, and ``[text, n_words]`` runs for lingua.
    Consecutive all-alphabetic sentences are merged while either has < MIN_WORDS words."""
    counts: Counter = Counter()
    pending: list[list[Any]] = []
    prev_alpha = False  # the last run came from an all-alphabetic sentence (mergeable)
    for sent in _SENTENCE.findall(_LONG_WORD.sub(" ", text)):
        runs, mixed = _runs(sent, han_lang, counts)
        if not mixed and runs and prev_alpha and min(pending[-1][1], runs[0][1]) < MIN_WORDS:
            pending[-1] = [pending[-1][0] + " " + runs[0][0], pending[-1][1] + runs[0][1]]
        else:
            pending += runs
        prev_alpha = not mixed and (bool(runs) or prev_alpha)
    return counts, pending


@lru_cache(maxsize=128)
def _code(language: Any) -> str:
    return language.iso_code_639_1.name.lower()


def _pick(confidences: list[Any], target: str | None) -> str:
    """The segment's language: the target unless lingua rates another language more than
    ``1 / TARGET_RATIO`` times as likely (short segments are ambiguous); ``"?"`` if none."""
    if not confidences or confidences[0].value <= 0:
        return "?"
    top = confidences[0]
    for c in confidences:
        if _code(c.language) == target:
            return target if c.value >= TARGET_RATIO * top.value else _code(top.language)
    return _code(top.language)


def _norm_code(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    return re.split(r"[-_]", str(value).strip().lower())[0]


@register_reward("language_consistency")
class LanguageConsistency:
    """Fraction in [0, 1] of the chain-of-thought's words that are in the target language."""

    def __init__(self, languages: list[str] | tuple[str, ...] = DEFAULT_LANGUAGES):
        if isinstance(languages, str) or not isinstance(languages, (list, tuple)):
            raise TypeError(f"language_consistency: languages must be a list of ISO 639-1 codes, got {languages!r}")
        codes = sorted({str(c).strip().lower() for c in languages})
        bad = [c for c in codes if not _known_code(c)]
        if bad or len(codes) < 2:
            raise ValueError(f"language_consistency: languages needs at least 2 known ISO 639-1 codes; bad: {bad or codes}")
        self.languages = tuple(codes)

    def _counts(self, texts: list[str], han_langs: list[str], targets: list[str | None]) -> list[Counter]:
        """Words per language for each text; ``"?"`` counts words lingua could not place."""
        parts = [_segment(t, h) for t, h in zip(texts, han_langs)]
        unique = list(dict.fromkeys(seg[0] for _, pending in parts for seg in pending))
        values = _detector(self.languages).compute_language_confidence_values_in_parallel(unique) if unique else []
        confs = dict(zip(unique, values))
        out = []
        for (counts, pending), target in zip(parts, targets):
            c = Counter(counts)
            for seg, n in pending:
                c[_pick(confs[seg], target)] += n
            out.append(c)
        return out

    def _targets(self, rows: list[dict[str, Any]]) -> list[str | None]:
        targets = [_norm_code(r.get("language")) for r in rows]
        need = [i for i, t in enumerate(targets) if t is None]
        prompts = [strip_code_and_math(prompt_text(rows[i].get("prompt"))) for i in need]
        for i, c in zip(need, self._counts(prompts, ["zh"] * len(need), [None] * len(need))):
            c.pop("?", None)
            targets[i] = c.most_common(1)[0][0] if c else None
        return targets

    def _score(self, target: str | None, c: Counter) -> RewardResult:
        undecided = c.pop("?", 0)
        total = sum(c.values())
        if target is None:
            return RewardResult(None, info={"reason": "no target: the row has no language and the prompt has no words"})
        if target not in self.languages and target not in SCRIPT_LANGUAGES:
            return RewardResult(None, "error", info={"reason": f"target language {target!r} is not among the "
                                                     f"detector's languages {list(self.languages)}; add it to params.languages"})
        if total == 0:
            return RewardResult(None, info={"reason": "no words left after removing code and math", "target": target})
        by_lang = dict(c.most_common(4))
        return RewardResult(c.get(target, 0) / total,
                            info={"target": target, "words": total, "undecided": undecided, "by_language": by_lang})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        targets = self._targets(rows)
        texts = []
        for r in rows:
            thinking, answer, _ = split_thinking(completion_text(r.get("completion")))
            texts.append(strip_code_and_math(thinking if thinking is not None else answer))
        counts = self._counts(texts, [t if t in ("zh", "ja") else "zh" for t in targets], targets)
        return [self._score(t, c) for t, c in zip(targets, counts)]
