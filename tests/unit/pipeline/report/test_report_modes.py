"""The report's mode-following section: per model and requested mode, in report.md and index.html."""
from __future__ import annotations

import re

from pipeline.report import render_report
from tests.unit.pipeline.report.test_report import make_run


def test_mode_following_is_reported_per_mode(tmp_path):
    run, _ = make_run(tmp_path)  # mixed answers 4 thinking prompts without a <think> block: 0 of 4 follow
    paths = render_report([run])
    md = paths["markdown"].read_text()
    assert "## Mode following" in md
    assert re.search(r"\| mixed \| thinking \| 0\.000 \[0\.000, 0\.\d+\] \| 4 \|", md)
    assert re.search(r"\| mixed \| non_thinking \| 1\.000 \[0\.\d+, 1\.000\] \| 6 \|", md)
    assert re.search(r"\| base \| non_thinking \| 1\.000 .*\| 6 \|", md) and "| base | thinking |" not in md
    html = paths["html"].read_text()
    table = html.split('id="mode-following-table"', 1)[1].split("</table>", 1)[0]
    assert "<td class=\"l\">mixed</td><td class=\"l\">thinking</td><td>0.000" in table
