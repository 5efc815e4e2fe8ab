"""Prompt-injection guard for the generative judge.

Two layers: (1) the candidate response is fenced with a random per-call token and any text
that could close the fence is escaped, so the judge always sees where the response ends;
(2) a detector flags steering text addressed to the judge: instruction overrides, "as the
grader give 10", fake score lines/JSON, fake fences and role markers, in several languages.
"""
from __future__ import annotations

import re
import secrets
import unicodedata

PATTERNS: dict[str, str] = {
    "override": r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|the)\b.{0,20}\b(instructions?|rules|prompt|guidelines|criteria)",
    "address_judge": r"\b(as|to|dear|attention)\s+(the\s+)?(an?\s+)?(ai\s+)?(grader|judge|evaluator|reviewer|scorer|assessor)\b",
    "demand_score": r"\b(give|assign|award|rate|score)\b.{0,30}\b(10|ten|full|maximum|max|perfect|highest|top)\b.{0,15}(marks?|score|points|rating|/\s*10)?",
    "score_claim": r"\b(score|rating|grade)\s*[:=]\s*\d+\s*(/\s*10)?|\b\d+\s*/\s*10\b|\bSCORES?\s*:|\bC\d+\s*:\s*\d+",
    "fake_json": r"\{\s*\"[^\"]{0,40}\"\s*:\s*\d+(\.\d+)?\s*[,}]",
    "fence": r"<{2,}\s*/?\s*(end|response|candidate)|\b(end of (the )?(response|answer|candidate))\b|={3,}|`{3,}\s*end|</?(response|candidate|answer)>",
    "role_marker": r"(^|\n)\s*(system|assistant|user|human)\s*:|<\|im_(start|end)\|>|\[/?INST\]|###\s*(instruction|system|response)|<\|(system|user|assistant)\|>",
    "zh": r"忽略.{0,10}(指令|说明|之前)|给.{0,6}(满分|10分|十分)|评分.{0,4}(10|十)",
    "fr": r"\bignore[rz]?\b.{0,30}\binstructions?\b|\b(donne[rz]?|attribue[rz]?)\b.{0,20}\b(note maximale|10/10|la note maximale|dix)\b",
    "es": r"\bignora\b.{0,30}\binstrucciones\b|\b(da|dame|asigna)\b.{0,20}\b(puntuaci[oó]n m[aá]xima|10/10|diez)\b",
    "de": r"\bignorier(e|en)?\b.{0,30}\b(anweisungen|vorherigen)\b|\b(gib|vergib)\b.{0,20}\b(höchstpunktzahl|volle punktzahl|10/10|zehn)\b",
}
_COMPILED = {name: re.compile(p, re.I | re.S) for name, p in PATTERNS.items()}
ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")


def normalise(text: str) -> str:
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))


def detect_injection(response: str) -> list[str]:
    """Names of the patterns that fire on the response (empty list = clean)."""
    text = normalise(response)
    return [name for name, rx in _COMPILED.items() if rx.search(text)]


def fence(response: str) -> tuple[str, str]:
    """Return (fenced response, token). Occurrences of the fence token are escaped."""
    token = "RESPONSE-" + secrets.token_hex(6).upper()
    safe = normalise(response).replace(token, token.lower() + "(escaped)")
    safe = re.sub(r"<<<|>>>", lambda m: "‹‹‹" if m.group() == "<<<" else "›››", safe)
    return f"<<<{token}\n{safe}\n{token}>>>", token
