"""``language_consistency``: share of chain-of-thought words written in the target language.

As in DeepSeek-R1: the text scored is the ``<think>`` block when present, otherwise the
whole response, with code and math removed. lingua's ``detect_multiple_languages_of`` splits
it into language segments (this handles mixed scripts like zh/en and same-script pairs like
en/fr/de); words are counted per segment (CJK characters count as words). The target is the
row's ``language`` (ISO 639-1) or is detected from the prompt. Empty text gives None.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .base import RewardResult, completion_text, prompt_text, register_reward
from .text import split_thinking, strip_code_and_math

DEFAULT_LANGUAGES = ("en", "zh", "fr", "de", "es", "ru", "ja", "ko", "pt", "it")
WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W\d_]+", re.U)


@lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, c.upper()) for c in languages]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def _iso(lang: Any) -> str:
    return lang.iso_code_639_1.name.lower()


@register_reward("language_consistency")
class LanguageConsistency:
    """Fraction in [0, 1] of the chain-of-thought's words that are in the target language."""

    def __init__(self, languages: list[str] | tuple[str, ...] = DEFAULT_LANGUAGES):
        self.languages = tuple(sorted({str(x).lower() for x in languages}))
        try:
            from lingua import IsoCode639_1

            for c in self.languages:
                getattr(IsoCode639_1, c.upper())
        except AttributeError as e:
            raise ValueError(f"language_consistency: unknown ISO 639-1 code in languages: {e}") from None

    def _target(self, row: dict[str, Any]) -> str | None:
        if row.get("language"):
            return str(row["language"]).lower()
        lang = _detector(self.languages).detect_language_of(prompt_text(row.get("prompt")))
        return _iso(lang) if lang else None

    def _one(self, row: dict[str, Any]) -> RewardResult:
        thinking, answer, _ = split_thinking(completion_text(row.get("completion")))
        text = strip_code_and_math(thinking if thinking is not None else answer)
        total = len(WORD.findall(text))
        target = self._target(row)
        if total == 0 or target is None:
            return RewardResult(None, info={"reason": "no words to score" if total == 0 else "unknown target language"})
        in_target = 0
        for seg in _detector(self.languages).detect_multiple_languages_of(text):
            if _iso(seg.language) == target:
                in_target += len(WORD.findall(text[seg.start_index:seg.end_index]))
        return RewardResult(min(1.0, in_target / total), info={"target": target, "words": total})

    def __call__(self, rows: list[dict[str, Any]]) -> list[RewardResult]:
        return [self._one(r) for r in rows]
