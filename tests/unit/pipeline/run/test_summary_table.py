"""The final eval table (pipeline/run/summary_table.py): whole Markdown when stdout is not a terminal, a rich
table on one, and ↑/↓ only where the eval stage's paired comparison with base is significant."""
from __future__ import annotations

import io

from pipeline.run import summary_table as st

MODELS = {
    "mixed": {"logic": {"pass@1": 0.10, "reward_mean": 0.10}},
    "base": {"logic": {"pass@1": 0.10, "reward_mean": 0.11}, "writing": {"rubric_judge": 0.16, "reward_mean": 0.16}},
    "expert:logic": {"logic": {"pass@1": 0.04, "accuracy": 0.04, "reward_mean": 0.44},
                     "writing": {"rubric_judge": 0.30, "reward_mean": 0.30}},
}


def _cmp(a, domain, metric, diff, significant):
    return {"a": a, "b": "base", "domain": domain, "metric": metric, "diff": diff,
            "ci": [diff - 0.05, diff + 0.05], "n_prompts": 24, "significant": significant}


COMPARISONS = [_cmp("expert:logic", "logic", "pass@1", -0.06, False),      # the case: noise
               _cmp("expert:logic", "logic", "reward_mean", 0.33, True),
               _cmp("expert:logic", "writing", "rubric_judge", 0.14, True),
               _cmp("mixed", "logic", "pass@1", 0.0, False)]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_marks_only_significant_differences_from_base():
    assert st.mark(COMPARISONS, "expert:logic", "logic", "pass@1") == ""
    assert st.mark(COMPARISONS, "expert:logic", "logic", "reward_mean") == st.UP
    assert st.mark([_cmp("sft", "logic", "pass@1", -0.2, True)], "sft", "logic", "pass@1") == st.DOWN
    assert st.mark(COMPARISONS, "base", "logic", "pass@1") == "" and st.mark(None, "mixed", "logic", "pass@1") == ""
    header, rows = st.rows(MODELS, COMPARISONS)
    assert header == ["model", "logic", "writing"]
    assert [r[0] for r in rows] == ["base", "expert:logic", "mixed"]
    # the headline is the report's (pass@1 before accuracy), so the mark belongs to the number shown
    assert rows[1][1] == "pass@1=0.04 · 0.44↑" and rows[1][2] == "rubric_judge=0.30↑ · 0.30"
    assert rows[2][2] == "–"


def test_not_a_terminal_prints_the_whole_table_as_markdown():
    wide = {f"expert:{'x' * 40}{i}": MODELS["base"] for i in range(3)} | {"base": MODELS["base"]}
    buf = io.StringIO()
    st.print_metrics_table(wide, buf, [])
    out = buf.getvalue()
    lines = out.splitlines()
    assert lines[2] == "| model | logic | writing |" and lines[3] == "|---|---|---|"
    assert max(len(line) for line in lines) > 80 and "…" not in out and "┃" not in out
    assert f"| expert:{'x' * 40}2 | pass@1=0.10 · 0.11 | rubric_judge=0.16 · 0.16 |" in lines
    assert lines[-1].startswith("↑/↓: differs from base")


def test_a_terminal_gets_the_rich_table_with_the_legend():
    buf = _Terminal()
    st.print_metrics_table(MODELS, buf, COMPARISONS)
    out = buf.getvalue()
    assert "┃" in out and "0.44↑" in out and "…" not in out
    assert "over 24 prompts" in out and "within noise" in out


def test_legend_says_when_nothing_was_tested():
    assert st.legend({"base": {}}, COMPARISONS) == ""  # base alone: nothing to compare
    assert "not tested" in st.legend(MODELS, None)
    assert st.is_terminal(io.StringIO()) is False and st.is_terminal(_Terminal()) is True


def test_terminal_cells_keep_a_slot_for_the_mark_so_digits_align():
    header, body = st.rows(MODELS, COMPARISONS, pad=" ")
    assert body[0][1] == "pass@1=0.10  · 0.11 " and body[1][1] == "pass@1=0.04  · 0.44↑"
    assert len(body[0][1]) == len(body[1][1])
