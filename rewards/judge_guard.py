"""Prompt-injection guard for the generative judge: fence the response, detect steering text.

Two layers:

1. :func:`fence` wraps untrusted text between ``<<<BEGIN RESPONSE-<random>>>>`` and
   ``<<<END RESPONSE-<random>>>>`` with a fresh random token per call. Inside the text,
   ``<<<`` / ``>>>``, the fence prefixes and chat-template special tokens (``<|im_start|>``,
   ``</s>``) are escaped, so the response can neither close the fence nor open a new turn
   once the judge's tokenizer sees it.
2. :func:`detect_injection` looks for text addressed to the judge with two families of signals.
   Wording-independent ones (rewards/judge_guard_concepts.py): each sentence is tagged with the
   concepts of a small lexicon in 30 languages (rewards/judge_guard_lexicon.py: grader, score,
   rubric, rules, override, change, this grading, top score, ...) and combinations that only
   text written *to* a grader has fire (an override of the previous rules, a claim that the
   rubric changed for this batch, the grader in the vocative with scoring words, role-play that
   renames the grader, "this answer meets all criteria" from someone posing as the judge), plus
   fake evaluation blocks in any markup and pseudo-configuration lines, and (given the prompt)
   talk about how answers are graded in the answer to a task that is not about grading. A phrase table
   (rewards/judge_guard_signals.py) adds: instruction overrides, text addressed to the evaluator,
   grader, judge or reviewer together with scoring words, demands for a top score,
   persuasion that only the top score is valid, score claims, score objects (JSON, YAML or
   prose) with top-of-scale values anywhere in the text, fake end-of-response fences, role
   markers and chat tokens, in English, Chinese, Japanese, Korean, French, Spanish, German,
   Portuguese, Italian and Russian, and obfuscation (zero-width and bidi characters, Unicode
   tag characters, Cyrillic/Greek look-alikes, leetspeak, s p a c e d letters, base64
   payloads that decode to any of the above).

3. :func:`datamark` interleaves a marker through the untrusted response (Spotlighting): the
   judge prompt (rewards/judge_prompt.py) tells the judge that marked text is data.

Each signal is *strong* (1.0) or *weak* (0.5); a response is flagged when the distinct
signals that fired add up to >= 1.0, so "User:" in a written dialogue or "8/10" in a film
review alone does not flag, but together with another hint it does. Two weak matches on the
same text (one phrase such as "score 10 out of 10" seen by two weak signals) count once, so
"the exam gave me 10 out of 10" is not flagged. A match whose text also appears in the user
prompt is ignored (answers that quote the task are not attacks); a match in quotation marks in
a response that discusses attacks ("prompt injection", "for example") is ignored, and one in a
sentence that discusses them or reports what third parties do counts half (quoting and
discussing are not addressing). Extra strong patterns and
disabled signals come from the constitution's ``guard`` block. Content-free "master-key"
answers are a separate check (rewards/judge_master_key.py) that the judge runs first.

Departure from the paper: V3.2 does not describe an injection guard; this is ours. It is a
heuristic: it raises the cost of reward hacking, it does not make the judge robust. Before the
concept signals, red-team splits written after the rules flagged 64-90% of injections and 0-8%
of benign answers at first touch (bench/results/judge_guard.json ``first_touch``). With the
concept signals, four held-out splits were each written after a "rules frozen" commit and
measured once (data/judge_redteam_heldout*.jsonl, ``heldout_first_touch_by_round``): 80%, 65%,
80% and 70% of injections flagged (89%, 68%, 93% and 80% within the lexicon's languages; 2 of
22 outside them) and 0%, 2.9%, 3.0% and 0% of benign answers. Each round's new
classes of wording got through; the ">= 90% on unseen wording" goal was not met.
Run its red team with ``python -m bench.judge_guard`` and
``pytest tests/unit/rewards/test_judge_guard.py tests/integration/test_judge_redteam.py``.
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from .judge_guard_concepts import CONCEPT_SIGNALS, concept_hits, discount, discussing, quoted_spans
from .judge_guard_signals import SIGNAL_NAMES, SIGNALS, STRONG, WEAK

THRESHOLD = 1.0

_COMPILED = [(n, w, re.compile(p, re.I | re.S)) for n, w, p in SIGNALS]

_ZERO_WIDTH = "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[{_ZERO_WIDTH}{_BIDI}\U000e0000-\U000e007f]")
_TAGS = re.compile("[\U000e0000-\U000e007f]+")
_ZW_IN_WORD = re.compile(f"(?<=\\w)[{_ZERO_WIDTH}]+(?=\\w)")
_MIXED_SCRIPT = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*[\u0370-\u03ff\u0400-\u04ff])\w+\b")
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝвкмнтАВЕКМНОРСТХІЈЅαοριντυχεκΑΒΕΖΗΙΚΜΝΟΡΤΥΧıℓ",
    "aeopcyxijsdqwbkmhtABEKMHOPCTXIJSaopivtuxekABEZHIKMNOPTYXil")
_LEET = str.maketrans("0134578@$", "oieastbas")
_TOKEN = re.compile(r"[\w@$]{3,}")
_HAS_LETTER, _HAS_LEET = re.compile(r"[a-zA-Z]"), re.compile(r"[0134578@$]")
_SPACED = re.compile(r"\b(?:[a-zA-Z][ .\-_*]){3,}[a-zA-Z]\b")
_B64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_CHAT_TOKENS = re.compile(r"<\|([^|<>\n]{0,40})\|>|<(/?)s>")


@dataclass
class GuardReport:
    """What the detector found. ``fired``: every signal that matched (strong and weak)."""

    flagged: bool
    score: float
    fired: list[str] = field(default_factory=list)
    snippets: dict[str, str] = field(default_factory=dict)
    """signal name -> the first matching text (clipped), for ``info``."""


def visible_text(text: str) -> str:
    """NFKC-normalised text with zero-width, bidi and tag characters removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or ""))


def _folded(text: str) -> str:
    """Look-alikes to Latin, leetspeak words to letters, s p a c e d letters joined."""
    t = text.translate(_CONFUSABLES)
    t = _TOKEN.sub(lambda m: m.group().translate(_LEET) if _HAS_LETTER.search(m.group()) and _HAS_LEET.search(m.group())
                   else m.group(), t)
    t = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), t)
    return re.sub(r"[ \t]{2,}", " ", t)


def _decoded_payloads(text: str) -> list[tuple[str, str]]:
    """Hidden text: Unicode tag characters as ASCII, base64 runs that decode to printable text."""
    out = [("tag_chars", "".join(chr(ord(c) - 0xE0000) for c in m.group())) for m in _TAGS.finditer(text)]
    for m in _B64.finditer(text):
        raw = m.group().replace("-", "+").replace("_", "/")
        try:
            data = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if len(data) >= 8 and sum(c.isprintable() or c.isspace() for c in data) >= 0.9 * len(data):
            out.append(("base64", data))
    return out


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


class InjectionGuard:
    """Detector with the built-in signals plus ``extra`` strong patterns, minus ``disable``."""

    def __init__(self, extra: dict[str, str] | None = None, disable: list[str] | tuple[str, ...] = ()):
        unknown = set(disable) - SIGNAL_NAMES - CONCEPT_SIGNALS - {"zero_width", "bidi", "mixed_script", "tag_chars"}
        if unknown:
            raise ValueError(f"guard.disable: unknown signal(s) {sorted(unknown)}")
        self.disable = set(disable)
        self._raw_prompt = ""
        self.signals = [s for s in _COMPILED if s[0] not in self.disable]
        self.signals += [(n, STRONG, re.compile(p, re.I | re.S)) for n, p in (extra or {}).items()]

    def _match(self, views: list[str], prompt: str, prefix: str, hits: dict[str, tuple[float, str]]) -> list[tuple[int, int]]:
        """Record the first match of each signal; a weak match overlapping an earlier weak match's
        text (one phrase seen by two weak signals) adds no weight. A match quoted in a response that
        discusses attacks is skipped, one in a sentence that discusses them counts half
        (judge_guard_concepts.discount). Returns the weak spans found in the first view."""
        weak_spans: list[tuple[int, int, int]] = []
        asked = discussing(self._raw_prompt)
        context = [(quoted_spans(v), discussing(v) or asked, asked) for v in views]
        for name, weight, rx in self.signals:
            for v, view in enumerate(views):
                w, m = 0.0, None
                for cand in rx.finditer(view):
                    if _squash(cand.group()) in prompt:
                        continue
                    w = discount(weight if not prefix else STRONG, cand.start(), cand.end(), view, *context[v])
                    if w > 0:
                        m = cand
                        break
                if m is None:
                    continue
                if w < STRONG:
                    if any(v == sv and m.start() < e and s < m.end() for sv, s, e in weak_spans):
                        w = 0.0
                    weak_spans.append((v, m.start(), m.end()))
                hits.setdefault(prefix + name, (w, m.group()[:80]))
                break
        return [(s, e) for v, s, e in weak_spans if v == 0]

    def _concepts(self, views: list[str], prompt: str, prefix: str, weak_spans: list[tuple[int, int]],
                  hits: dict[str, tuple[float, str]]) -> None:
        """Wording-independent signals (judge_guard_concepts); a weak one overlapping a weak
        phrase match adds no weight; per signal the strongest view counts."""
        for v, view in enumerate(views):
            for h in concept_hits(view, self._raw_prompt):
                if h.name in self.disable or (prompt and _squash(h.tail or h.snippet) in prompt):
                    continue
                w = STRONG if prefix and h.weight > 0 else h.weight
                if 0 < w < STRONG and v == 0 and any(h.start < e and s < h.end for s, e in weak_spans):
                    w = 0.0
                if prefix + h.name not in hits or hits[prefix + h.name][0] < w:
                    hits[prefix + h.name] = (w, h.snippet)

    def _obfuscation(self, raw: str, hits: dict[str, tuple[float, str]]) -> None:
        checks = {"zero_width": _ZW_IN_WORD.search(raw), "bidi": re.search(f"[{_BIDI}]", raw),
                  "mixed_script": _MIXED_SCRIPT.search(unicodedata.normalize("NFKC", raw)), "tag_chars": _TAGS.search(raw)}
        for name, m in checks.items():
            if m is not None and name not in self.disable:
                hits.setdefault(name, (WEAK, ascii(m.group())[:80]))

    def scan(self, response: str, prompt: str = "", _depth: int = 0) -> GuardReport:
        """Scan a candidate response; matches that also occur in ``prompt`` are ignored."""
        raw = response or ""
        plain = visible_text(raw)
        views = [plain] + ([f] if (f := _folded(plain)) != plain else [])
        squashed_prompt = _squash(visible_text(prompt))
        self._raw_prompt = visible_text(prompt)
        hits: dict[str, tuple[float, str]] = {}
        weak_spans = self._match(views, squashed_prompt, "", hits)
        self._concepts(views, squashed_prompt, "", weak_spans, hits)
        self._obfuscation(raw, hits)
        for kind, hidden in (_decoded_payloads(raw) if _depth == 0 else []):
            inner = self.scan(hidden, prompt, _depth + 1)
            if inner.fired:
                spans = self._match([visible_text(hidden)], squashed_prompt, kind + ":", hits)
                self._concepts([visible_text(hidden)], squashed_prompt, kind + ":", spans, hits)
        score = sum(w for w, _ in hits.values())
        return GuardReport(score >= THRESHOLD, round(score, 3), sorted(hits), {k: s for k, (_, s) in hits.items()})


_DEFAULT = InjectionGuard()


def detect_injection(response: str, prompt: str = "") -> list[str]:
    """Names of the signals that fired when the built-in guard flags ``response``; [] when clean."""
    report = _DEFAULT.scan(response, prompt)
    return report.fired if report.flagged else []


def escape_untrusted(text: str) -> str:
    """Make text safe to place inside a fence: no ``<<<``/``>>>``, no chat special tokens, no hidden tags/bidi."""
    t = _TAGS.sub("", text or "")
    t = re.sub(f"[{_BIDI}]", "", t)
    t = t.replace("<<<", "‹‹‹").replace(">>>", "›››")
    return _CHAT_TOKENS.sub(lambda m: f"< |{m.group(1)}| >" if m.group(1) is not None else f"< {m.group(2)}s >", t)


DATAMARK = "\u00b7"  # middle dot: one token for SmolLM2's tokenizer (the paper's U+02C6 costs two)
_DATAMARK_STANDIN = "\u22c5"  # a middle dot already in the text becomes the dot operator
_WS_RUN = re.compile(r"[^\S\n]+")
_CJK_PUNCT = re.compile(r"([\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a])(?=\S)")


def datamark(text: str, marker: str = DATAMARK) -> str:
    """Spotlighting by datamarking (Hines et al., 2024): every run of spaces/tabs becomes ``marker``,
    every non-empty line starts with it, and CJK punctuation is followed by it, so every part of
    the untrusted text carries the marker and an instruction inside it cannot pass for the
    judge's own. A ``marker`` already in the text is replaced by a look-alike first."""
    t = (text or "").replace(marker, _DATAMARK_STANDIN)
    lines = []
    for line in t.split("\n"):
        line = _CJK_PUNCT.sub(lambda m: m.group(1) + marker, _WS_RUN.sub(marker, line))
        lines.append(line if not line or line.startswith(marker) else marker + line)
    return "\n".join(lines)


def fence(text: str, label: str = "RESPONSE") -> tuple[str, str]:
    """Return (fenced text, token). The token is random per call, so a response cannot guess it."""
    token = f"{label}-{secrets.token_hex(5).upper()}"
    return f"<<<BEGIN {token}>>>\n{escape_untrusted(text)}\n<<<END {token}>>>", token
