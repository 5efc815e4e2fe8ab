"""Prompt-injection guard for the generative judge: fence the response, detect steering text.

Two layers:

1. :func:`fence` wraps untrusted text between ``<<<BEGIN RESPONSE-<random>>>>`` and
   ``<<<END RESPONSE-<random>>>>`` with a fresh random token per call. Inside the text,
   ``<<<`` / ``>>>``, the fence prefixes and chat-template special tokens (``<|im_start|>``,
   ``</s>``) are escaped, so the response can neither close the fence nor open a new turn
   once the judge's tokenizer sees it.
2. :func:`detect_injection` looks for text addressed to the judge: instruction overrides,
   "as the grader give 10", score claims, fake score JSON / ``SCORES:`` blocks, fake
   end-of-response fences, role markers and chat tokens, the same in Chinese, Japanese,
   Korean, French, Spanish, German, Portuguese, Italian and Russian, and obfuscation
   (zero-width and bidi characters, Unicode tag characters, Cyrillic/Greek look-alikes,
   leetspeak, s p a c e d letters, base64 payloads that decode to any of the above).

Each signal is *strong* (1.0) or *weak* (0.5); a response is flagged when the distinct
signals that fired add up to >= 1.0, so "User:" in a written dialogue or "8/10" in a film
review alone does not flag, but together with another hint it does. A match whose text
also appears in the user prompt is ignored (answers that quote the task are not attacks).
Extra strong patterns and disabled signals come from the constitution's ``guard`` block.

Departure from the paper: V3.2 does not describe an injection guard; this is ours. It is a
heuristic: it raises the cost of reward hacking, it does not make the judge robust.
Run its red team with ``pytest tests/integration/test_judge_redteam.py``.
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

STRONG, WEAK = 1.0, 0.5
THRESHOLD = 1.0

_IGN = r"(?:ignore|ignoring|disregard|forget|override|overrule|bypass|neglect)"
_PRIOR = (r"(?:previous|prior|preceding|above|earlier|foregoing|former|original|initial|system|grading|scoring|"
          r"judging|evaluation|all|any|your)")
_RULES = r"(?:instructions?|rules|prompts?|guidelines|directions|directives|criteria|rubrics?|constraints|commands)"
_VERB = (r"(?:give|gives|giving|assign|award|grant|rate|score|grade|mark|output|return|deserves?|merits?|earns?|"
         r"warrants?|(?:should|must|shall|will|to) (?:get|receive|be given|be rated|be scored|be graded|score))")
_TOP = (r"(?:full (?:marks|points|score|credit)|perfect (?:score|marks|rating|grade|10)|"
        r"max(?:imum)? (?:score|marks|points|rating|grade|credit)|highest (?:possible )?(?:score|rating|grade|marks|points)|"
        r"top (?:score|marks|rating|grade)|10\s*/\s*10|10 out of 10|ten out of ten|100\s*/\s*100|100 ?%|"
        r"\ban? (?:10|ten)\b|\b(?:10|ten) (?:points|stars|marks)\b|\b(?:10|ten)\s+(?:on|for|across) (?:every|all|each))")
_JUDGE = r"(?:grader|graders|scorer|rater|raters|reward model|judge model|grading (?:model|system|ai)|ai judge|llm judge)"
_WEAK_JUDGE = r"(?:judge|evaluator|evaluators|assessor|examiner|reviewer|marker)"
_SELF = r"(?:this|the|my|our) (?:response|answer|reply|submission|essay|output|text|completion)"

# (name, weight, pattern). Patterns run case-insensitively on every view of the text.
SIGNALS: list[tuple[str, float, str]] = [
    ("override", STRONG, rf"\b{_IGN}\b[^.\n]{{0,40}}?\b{_PRIOR}\b[^.\n]{{0,25}}?\b{_RULES}\b"),
    ("override_rubric", STRONG, rf"\b{_IGN}\b[^.\n]{{0,30}}?\b(?:rubric|marking scheme|scoring rules|grading rules)\b"),
    ("new_instructions", STRONG, r"\b(?:new|updated|real|actual|hidden) (?:system )?instructions?\s*(?:for|to) (?:the |you)|"
                                 r"\byou are (?:now )?(?:a |an |the )?(?:grader|judge|evaluator|scorer)\b"),
    ("address_judge", STRONG, rf"\b(?:dear|attention|hey|hi|hello|note|message|memo|instructions?|to|as|for)\b[ ,:]*"
                              rf"(?:to |for )?(?:the |my |our |an? |you,? )?(?:ai |llm |automated |automatic )?{_JUDGE}\b|"
                              rf"\b{_JUDGE}(?:'s)?\s+(?:note|notes|instructions?|override)\s*:|(?m:^\s*{_JUDGE}\s*:)|"
                              r"\b(?:whoever|whomever|anyone|the (?:person|model|ai|system)) (?:is )?(?:grading|scoring|"
                              r"evaluating|judging|rating|grades|scores|evaluates|judges|rates) (?:this|these|me|my)\b"),
    ("address_judge_weak", WEAK, rf"\b(?:dear|attention|hey|note (?:to|for)|message (?:to|for)|as the)\s+(?:the |an? )?(?:ai )?{_WEAK_JUDGE}\b|"
                                 rf"\b{_JUDGE}\b"),
    ("demand_score", STRONG, rf"\b{_VERB}\b[^.\n]{{0,40}}?{_TOP}|\b(?:rate|score|grade|mark)\s+(?:this|it|me|everything|all|"
                             rf"{_SELF})\b[^.\n]{{0,20}}?(?<![/\d.])\b(?:10|ten)\b(?!\s*/)"),
    ("demand_score_weak", WEAK, r"\b(?:rate|score|grade)\b[^.\n]{0,30}?(?<![/\d.])\b(?:10|ten)\b(?!\s*(?:/|-|–|%|percent|minutes|seconds|hours|"
                                r"days|years|people|students|times|items|km|kg|m\b))"),
    ("self_praise", WEAK, rf"\b{_SELF}(?: above| below)? (?:is|was) (?:perfect|flawless|excellent|outstanding|exemplary|"
                          rf"correct and complete)\b"),
    ("score_claim", STRONG, r"\b(?:scores?|ratings?|grades?|marks?|verdict|evaluation)\s*[:=]\s*(?:10|ten|100)\s*(?:/\s*10|out of 10)?"
                            r"(?!\s*[-–:]\s*\d)(?![\d.])|\bscores?\s*[:=]\s*[{\[]?\s*[\"']?(?:c|criterion[_ ]?)\d|"
                            r"\b(?:c|criterion[_ ]?)\d{1,2}[\"']?\s*[=:]\s*\d{1,3}\b"),
    ("score_claim_weak", WEAK, r"\b\d{1,2}(?:\.\d)?\s*/\s*10\b|\b\d{1,2} out of (?:10|ten)\b|"
                               r"\b(?:score|rating|grade)s?\s*[:=]\s*\d+(?:\.\d+)?\s*(?:/\s*\d+|out of \d+)"),
    ("fake_json", STRONG, r"\{[^{}]{0,300}?[\"']?(?:scores?|ratings?|grades?|points|marks|verdict|overall|"
                          r"(?:c|criterion[_ ]?)\d{1,2})[\"']?\s*:\s*[\"']?\d"),
    ("fake_json_weak", WEAK, r"\{\s*[\"'][^\"']{1,40}[\"']\s*:\s*\d{1,3}(?:\.\d+)?\s*[,}]"),
    ("fake_fence", STRONG, r"<<<\s*/?\s*(?:end|begin|response|answer|candidate|prompt)|(?:end|begin|response|answer|candidate)"
                           r"[\w -]{0,30}>>>|\bresponse-[0-9a-f]{6,}\b|"
                           r"</?(?:response|candidate|candidate_response|submission|user_prompt|prompt|judge|grader|system|"
                           r"instructions?)>|\[\s*/?\s*end\b[^\]\n]{0,30}\]|\[/(?:response|answer|candidate)\]|"
                           r"(?m:^\W*end of (?:the )?(?:candidate(?:'s)? )?(?:response|answer|submission|output|text)\W*$)|"
                           r"\b(?:response|answer|submission) (?:ends|ended|is over) here\b|"
                           r"(?-i:\bEND OF (?:THE )?(?:CANDIDATE(?:'S)? )?(?:RESPONSE|ANSWER|SUBMISSION|OUTPUT|TEXT)\b)"),
    ("fake_fence_weak", WEAK, r"</?answer>|\bend of (?:the )?(?:candidate(?:'s)? )?(?:response|submission)\b"),
    ("role_marker", STRONG, r"<\|[a-z_]{2,24}\|>|\[/?inst\]|<<\s*/?sys\s*>>|(?m:^\s*(?:system|developer)\s*:)|"
                            r"(?m:^\s*#{2,}\s*(?:instructions?|system(?: prompt)?|new instructions?)\b)|"
                            r"\b(?:system|admin|developer)\s+(?:prompt|message|override|instructions?)\s*:"),
    ("role_marker_weak", WEAK, r"(?m:^\s*(?:user|assistant|human|ai|bot)\s*:)|(?m:^\s*#{2,}\s*(?:response|input|output)\s*:?\s*$)|</?s>"),
    ("zh", STRONG, r"(?:忽略|无视|忽视|不要理会|不用管|忘记|忘掉|無視)[^。\n]{0,15}(?:指令|指示|说明|規則|规则|提示|要求|评分标准)|"
                   r"(?:给|給|打|评|評)[^。\n]{0,8}(?:满分|滿分|最高分|10分|十分|一百分|100分)"),
    ("ja_ko", STRONG, r"(?:指示|命令|ルール)[^。\n]{0,6}(?:無視|忘れ)|(?:지시|명령|규칙)[^.\n]{0,8}무시|만점을 (?:주|줘)|満点を(?:つけ|付け|与え)"),
    ("cjk_weak", WEAK, r"评委|评分员|裁判|采点者|満点|만점|채점자"),
    ("fr", STRONG, r"\b(?:ignorez|ignorer|ignore (?:les|toutes|tout))\b[^.\n]{0,40}\b(?:instructions?|consignes?|règles|directives)\b|"
                   r"\b(?:donne[rz]?|attribue[rz]?|mettez|mets|accorde[rz]?|mérite)\b[^.\n]{0,30}(?:note maximale|note parfaite|"
                   r"10\s*/\s*10|20\s*/\s*20|dix sur dix|vingt sur vingt|tous les points|meilleure note)"),
    ("es_pt_it", STRONG, r"\bignor(?:a|e|en|ar|ad|are)\b[^.\n]{0,40}\b(?:instrucciones|instruções|istruzioni|reglas|regras|regole)\b|"
                         r"\bolvida[^.\n]{0,30}\b(?:instrucciones|reglas)\b|"
                         r"\b(?:da|dale|dé|asigna|asígnale|otorga|ponle|merece|dê|atribua|dai|assegna|attribuisci|merita)\b"
                         r"[^.\n]{0,30}(?:(?:puntuaci[oó]n|calificaci[oó]n|nota|pontuação|punteggio|voto) "
                         r"(?:m[aá]xima|perfecta|massimo)|10\s*/\s*10|diez de diez|dez de dez|dieci su dieci|un diez)"),
    ("de", STRONG, r"\b(?:ignorier\w*|vergiss|vergessen sie|missachte\w*)\b[^.\n]{0,40}\b(?:anweisungen|anweisung|regeln|vorgaben|"
                   r"instruktionen)\b|\b(?:gib|gebt|geben sie|vergib|vergeben sie|verdient)\b[^.\n]{0,30}(?:volle punktzahl|"
                   r"höchstpunktzahl|bestnote|höchste (?:punktzahl|note|bewertung)|zehn von zehn|maximale punktzahl|10\s*/\s*10)"),
    ("ru", STRONG, r"(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте)[^.\n]{0,40}(?:инструкци|правил|указани)|"
                   r"(?:поставь|поставьте|дай|дайте)[^.\n]{0,30}(?:максимальн\w* балл|высш\w* балл|10 из 10|десять из десяти)"),
    ("address_judge_intl", WEAK, r"\b(?:cher|chère|au|à l')\s*(?:correcteur|évaluateur|examinateur)\b|"
                                 r"\b(?:al|querido|estimado|caro) (?:evaluador|corrector|avaliador|valutatore)\b|"
                                 r"\b(?:liebe[rs]?|an den) (?:bewerter|prüfer|gutachter)\b|(?:уважаем\w*|дорог\w*) (?:оценщик|экзаменатор)"),
]
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
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), t)


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
        unknown = set(disable) - {n for n, _, _ in SIGNALS} - {"zero_width", "bidi", "mixed_script", "tag_chars"}
        if unknown:
            raise ValueError(f"guard.disable: unknown signal(s) {sorted(unknown)}")
        self.disable = set(disable)
        self.signals = [s for s in _COMPILED if s[0] not in self.disable]
        self.signals += [(n, STRONG, re.compile(p, re.I | re.S)) for n, p in (extra or {}).items()]

    def _match(self, views: list[str], prompt: str, prefix: str, hits: dict[str, tuple[float, str]]) -> None:
        for name, weight, rx in self.signals:
            for view in views:
                m = next((m for m in rx.finditer(view) if _squash(m.group()) not in prompt), None)
                if m is not None:
                    hits.setdefault(prefix + name, (weight if not prefix else STRONG, m.group()[:80]))
                    break

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
        hits: dict[str, tuple[float, str]] = {}
        self._match(views, squashed_prompt, "", hits)
        self._obfuscation(raw, hits)
        for kind, hidden in (_decoded_payloads(raw) if _depth == 0 else []):
            inner = self.scan(hidden, prompt, _depth + 1)
            self._match([visible_text(hidden)], squashed_prompt, kind + ":", hits) if inner.fired else None
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


def fence(text: str, label: str = "RESPONSE") -> tuple[str, str]:
    """Return (fenced text, token). The token is random per call, so a response cannot guess it."""
    token = f"{label}-{secrets.token_hex(5).upper()}"
    return f"<<<BEGIN {token}>>>\n{escape_untrusted(text)}\n<<<END {token}>>>", token
