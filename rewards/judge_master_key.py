"""Content-free "master-key" answers: responses that say nothing but fool LLM judges.

Zhao et al., "One Token to Fool LLM-as-a-Judge" (2025), show that generative reward models
give positive rewards to responses that hold no answer at all: a lone ``:`` or ``.``, an
opener such as "Thought process:", "Let's solve this problem step by step.", "Solution",
and the same in other languages ("解：", "Lösung:", "Solución:", "Решение:", "Réponse :").
A policy trained against such a judge learns to emit them.

:func:`content_free` recognises them without the judge: after NFKC folding and removing
markdown emphasis, the text is eaten from the left by known openers (and filler such as
"Sure!", "Okay,"); when no letter or digit is left, the answer is content-free and the
function returns the openers it found (``"(empty)"`` for an answer with no openers, i.e.
only punctuation or whitespace). An opener followed by any content ("Solution: 42",
"解：长城是…") is not content-free.

The judge (rewards/judge.py) gives such answers the minimum of the scale with status ``ok``
and never sends them to the judge model. The list is ours (the paper's tokens plus the
obvious openers in ten languages); extend ``OPENERS`` when a new one shows up.
"""
from __future__ import annotations

import re
import unicodedata

_STEP = (r"(?:step[ -]by[ -]step|one step at a time|schritt für schritt|paso a paso|étape par étape|passo (?:a|"
         r"dopo) passo|шаг за шагом|по шагам|一步一步地?|一步步|逐步|一歩ずつ|順を追って|단계별로|차근차근)")
OPENERS: list[str] = [
    # English
    r"(?:my |the |final |here is (?:my |the )?|here's (?:my |the )?)?(?:thought process|thinking process|thoughts|"
    r"reasoning|solution|answer|final answer|response|explanation|analysis|working|work|approach)(?: is)?",
    r"let(?:'s| us| me) (?:solve|think|work|reason|go|break|tackle|approach|figure|analy[sz]e|start|begin)"
    r"(?: (?:this|it|the|that|about|through|out|down|problem|question|task|one|over))*(?: " + _STEP + r")?",
    r"(?:to solve|solving) (?:this|the) (?:problem|question)", r"step\s*(?:1|one)", _STEP,
    r"sure|okay|ok|of course|certainly|alright|great|well|hmm+|so|first(?:ly)?|i think|think|thinking|"
    r"(?:is )?as follows|below",
    # Chinese, Japanese, Korean
    r"解答?|答案?|思路|思考过程|分析|解题过程|解析|过程|让我们" + _STEP + r"?(?:来)?(?:解决|思考|分析|解答)?(?:这个|此|这道)?(?:问题|题)?|"
    r"我们" + _STEP + r"来|首先|如下|如下所示",
    r"答え|回答|解説|考え方|思考過程|" + _STEP + r"(?:考えて|解いて)(?:みましょう|いきましょう)|ステップバイステップで考えましょう",
    r"풀이|해답|정답|답|해설|" + _STEP + r" ?(?:풀어|생각해) ?(?:봅시다|보겠습니다)|생각해 봅시다",
    # German, Spanish, French, Portuguese, Italian, Russian
    r"lösung|lösungsweg|antwort|gedankengang|überlegung|lass(?:t)? uns (?:das |dies |es )?" + _STEP
    + r" (?:lösen|durchgehen|denken)|"
    r"denken wir " + _STEP + r" nach",
    r"solución|respuesta|razonamiento|(?:resolvamos|pensemos|vamos a resolver)(?:lo| esto| este problema)? ?(?:"
    + _STEP + r")?",
    r"réponse|solution|raisonnement|(?:résolvons|réfléchissons|procédons)(?: cela| ce problème| le problème)?(?: "
    + _STEP + r")?",
    r"solução|resposta|raciocínio|vamos resolver(?: isso| isto| o problema)?(?: " + _STEP + r")?",
    r"soluzione|risposta|ragionamento|risolviamo(?: questo| il problema)?(?: " + _STEP + r")?",
    r"решение|ответ|рассуждение|ход мыслей|давайте (?:решим|подумаем|разберёмся|разберемся)(?: это| эту задачу| задачу)?"
    r"(?: " + _STEP + r")?",
]


def _alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` branches of a regular expression (parentheses and escapes respected)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return out + [pattern[start:]]


# Every branch on its own, so the longest opener wins ("答え" over "答"). An opener ends at a word
# boundary, except that CJK openers may run into the next opener ("解答如下").
_OPENERS = [re.compile(f"(?:{alt})(?![^\\W\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])", re.I)
            for group in OPENERS for alt in _alternatives(group)]
_LEAD = re.compile(r"^[\W_]+")  # leading punctuation, markdown, whitespace (no letters or digits in any script)
_HAS_CONTENT = re.compile(r"[^\W_]")


def content_free(text: str | None) -> str | None:
    """The openers a content-free answer consists of (``"(empty)"`` when it has none); None
    when the answer has any content beyond known openers, filler and punctuation."""
    t = unicodedata.normalize("NFKC", text or "").casefold().replace("\u2019", "'")
    t = re.sub("[\u200b-\u200f\u2060\ufeff]", "", t)
    found: list[str] = []
    while True:
        t = _LEAD.sub("", t)
        m = max((m for rx in _OPENERS if (m := rx.match(t))), key=lambda m: m.end(), default=None)
        if m is None or not m.group():
            break
        found.append(m.group())
        t = t[m.end():]
    if _HAS_CONTENT.search(t):
        return None
    return " | ".join(found) if found else "(empty)"
