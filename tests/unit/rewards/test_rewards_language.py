"""language_consistency: mixed scripts, same-script mixes, code/math exclusion, targets."""
from __future__ import annotations

import pytest

from rewards.language import LanguageConsistency, _detector
from rewards.text import extract_code_blocks, strip_code_and_math

EN = "First we add two and three. That gives five. So the final result is five."
FR = "Nous additionnons deux et trois. Cela donne cinq. Donc la réponse finale est cinq."
DE = "Zuerst addieren wir zwei und drei. Das ergibt fünf. Also ist die Antwort fünf."
ZH = "首先我们计算二加三。结果等于五。所以答案是五。"  # 20 Han characters

LANG = [  # target, completion, low, high
    ("en", EN, 1.0, 1.0),
    ("fr", FR, 1.0, 1.0),
    ("de", DE, 1.0, 1.0),
    ("zh", ZH, 1.0, 1.0),
    ("ja", "まず、二と三を足します。答えは五です。", 1.0, 1.0),
    ("ko", "먼저 두 수를 더합니다. 답은 다섯입니다.", 1.0, 1.0),
    ("ru", "Сначала сложим два и три. Получится пять.", 1.0, 1.0),
    ("en", FR, 0.0, 0.0),
    ("fr", DE, 0.0, 0.0),
    # zh/en mixing: 20 Han characters vs 15 English words
    ("zh", f"{ZH} {EN}", 20 / 35 - 0.01, 20 / 35 + 0.01),
    ("en", f"{ZH} {EN}", 15 / 35 - 0.01, 15 / 35 + 0.01),
    ("zh", "所以 x 等于 3，对吗？是的，答案是 3。", 1.0, 1.0),  # variables and digits are not words
    ("en", "Okay so first I compute the sum, then 我们需要检查 the result again carefully.", 0.6, 0.7),
    # same-script mixing, sentence by sentence: 15 en + 14 fr + 14 de words
    ("en", f"{EN} {FR} {DE}", 15 / 43 - 0.01, 15 / 43 + 0.01),
    ("fr", f"{EN} {FR} {DE}", 14 / 43 - 0.01, 14 / 43 + 0.01),
    ("de", f"{DE} {EN} {FR}", 14 / 43 - 0.01, 14 / 43 + 0.01),
    ("en", f"{EN} {DE}", 15 / 29 - 0.01, 15 / 29 + 0.01),
    # only the thinking block counts when there is one
    ("en", f"<think>{EN}</think> {FR}", 1.0, 1.0),
    ("en", f"<think>{FR}</think> {EN}", 0.0, 0.0),
    ("en", f"<think>{EN} {FR}", 15 / 29 - 0.01, 15 / 29 + 0.01),  # unclosed: everything is thinking
    ("en", [{"role": "assistant", "content": EN}], 1.0, 1.0),
    # short interjections do not flip a sentence's language
    ("en", "Hmm. Wait. Let me check. Then we check the sum again.", 1.0, 1.0),
]


@pytest.mark.parametrize("target,completion,lo,hi", LANG)
def test_language_consistency(target, completion, lo, hi):
    r = LanguageConsistency()([{"language": target, "completion": completion}])[0]
    assert r.status == "ok" and lo <= r.score <= hi, (r.score, r.info)


CODE_AND_MATH = [  # French prose hidden in code or math must not count against an English CoT
    f"{EN}\n```python\nprint('bonjour le monde, je pense que la réponse est cinq')\n```",
    f"{EN} `réponse = cinq` and ~~~\ndonc la réponse est cinq\n~~~",
    f"{EN} $\\text{{donc la réponse est cinq}}$ and $$\\text{{nous avons deux et trois}}$$",
    f"{EN} \\(\\text{{la réponse}}\\) \\[\\text{{est cinq}}\\] \\boxed{{\\text{{cinq pour la réponse}}}}",
    f"{EN}\n\\begin{{align}} \\text{{donc la réponse est cinq}} \\end{{align}}",
    f"{EN}\n```\nnous additionnons deux et trois pour la réponse",  # unterminated fence
]


@pytest.mark.parametrize("completion", CODE_AND_MATH)
def test_code_and_math_are_not_counted(completion):
    lc = LanguageConsistency()
    r = lc([{"language": "en", "completion": completion}])[0]
    assert r.score == 1.0 and set(r.info["by_language"]) == {"en"} and r.info["words"] <= 17, r.info
    exposed = completion.replace("`", "").replace("$", "").replace("~", "").replace("\\", "")
    assert lc([{"language": "en", "completion": exposed}])[0].score < 1.0  # the exclusion is what saves it


@pytest.mark.parametrize("prompt,target", [
    ("Combien font deux et trois ? Réponds en français.", "fr"),
    ([{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "二加三等于多少？"}], "zh"),
    ("Was ist zwei plus drei? Bitte antworte auf Deutsch.", "de"),
])
def test_target_detected_from_prompt(prompt, target):
    r = LanguageConsistency()([{"prompt": prompt, "completion": EN}])[0]
    assert r.info["target"] == target and r.score == 0.0


@pytest.mark.parametrize("language", ["EN", "en-US", "en_GB"])
def test_target_codes_are_normalised(language):
    assert LanguageConsistency()([{"language": language, "completion": EN}])[0].score == 1.0


NOT_APPLICABLE = [  # row, status, reason substring
    ({"language": "en", "completion": "$x+1$ `code` \\boxed{5} 3 + 4 = 7"}, "ok", "no words"),
    ({"language": "en", "completion": ""}, "ok", "no words"),
    ({"prompt": "2 + 3 = ?", "completion": EN}, "ok", "no target"),
    ({"language": "ar", "completion": EN}, "error", "not among"),
    ({"language": "english", "completion": EN}, "error", "not among"),
]


@pytest.mark.parametrize("row,status,reason", NOT_APPLICABLE)
def test_not_applicable_rows_are_none(row, status, reason):
    r = LanguageConsistency()([row])[0]
    assert r.score is None and r.status == status and reason in r.info["reason"]


def test_batch_order_and_detector_built_once():
    lc = LanguageConsistency(languages=["en", "fr", "de"])
    rows = [{"language": "en", "completion": EN}, {"language": "fr", "completion": EN}, {"language": "de", "completion": DE}]
    assert [r.score for r in lc(rows)] == [1.0, 0.0, 1.0]
    misses = _detector.cache_info().misses
    lc(rows)
    LanguageConsistency(languages=["de", "fr", "en"])(rows)
    assert _detector.cache_info().misses == misses


@pytest.mark.parametrize("params,exc", [({"languages": ["en", "xx"]}, ValueError), ({"languages": ["en"]}, ValueError),
                                        ({"languages": "en"}, TypeError), ({"langs": ["en"]}, TypeError)])
def test_bad_params_name_the_param(params, exc):
    with pytest.raises(exc, match="languages|langs"):
        LanguageConsistency(**params)


def test_strip_code_and_math_keeps_prose():
    text = "Keep this. ```py\nx = 1\n``` and `y` plus $a+b$ and $$c$$ \\(d\\) \\[e\\] \\boxed{\\frac{1}{2}} end \\quad"
    assert strip_code_and_math(text).split() == ["Keep", "this.", "and", "plus", "and", "end"]


def test_extract_code_blocks():
    text = "a\n```python\nx = 1\n```\nb\n~~~\ny = 2\n~~~\n```js\nunclosed"
    assert extract_code_blocks(text) == ["x = 1\n", "y = 2\n", "unclosed"]
