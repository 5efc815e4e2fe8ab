"""Stage output redirection, progress files and the console lines (no engines: plain processes)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from pipeline.run.progress import progress_bar, progress_file, read_progress, stage_summary
from pipeline.run.summary_table import print_metrics_table, rich_table

ROOT = Path(__file__).resolve().parents[4]


def test_stage_output_sends_fd_level_writes_to_the_stage_log(tmp_path):
    # a child process so that fd 1/2 are its own: C-level writes (os.write), print, logging and a
    # subprocess's inherited stderr all land in stage.log; the console copy and the fds come back after.
    code = textwrap.dedent(f"""
        import logging, os, subprocess, sys
        from pathlib import Path
        from pipeline.run.stage_log import configure_logging, stage_output, console_stream
        configure_logging(False)
        with stage_output(Path({str(tmp_path)!r}) / "s"):
            os.write(2, b"C-LEVEL-STDERR\\n")
            print("PRINTED")
            logging.getLogger("vllm.engine").info("ENGINE-INFO")
            logging.getLogger("pipeline.x").info("OWN-INFO")
            subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('CHILD-STDERR\\\\n')"])
            console_stream().write("TO-CONSOLE\\n")
        print("AFTER")
        logging.getLogger("pipeline.x").warning("OWN-WARNING")
        logging.getLogger("transformers").warning("THIRD-PARTY-WARNING")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "s" / "stage.log").read_text()
    for s in ("C-LEVEL-STDERR", "PRINTED", "ENGINE-INFO", "OWN-INFO", "CHILD-STDERR"):
        assert s in log
    console = proc.stdout + proc.stderr
    for s in ("C-LEVEL-STDERR", "PRINTED", "ENGINE-INFO", "OWN-INFO", "CHILD-STDERR", "THIRD-PARTY-WARNING"):
        assert s not in console
    assert "TO-CONSOLE" in proc.stdout and "AFTER" in proc.stdout and "OWN-WARNING" in proc.stderr
    assert "AFTER" not in log


def test_progress_bar_inside_a_stage_writes_the_progress_file(tmp_path):
    path = tmp_path / "progress.json"
    with progress_file(path):
        with progress_bar(5, "eval base") as advance:
            for _ in range(5):
                advance(1)
    assert read_progress(path) == {"description": "eval base", "done": 5, "total": 5}


def test_stage_summary_is_one_line_with_time_metrics_and_log():
    line = stage_summary("expert:math", {"status": "complete", "duration_s": 12.34,
                                         "metrics": {"reward_first": 0.1, "reward_last": 0.5, "ok": True, "name": "x"}},
                         "runs/x/expert_math/stage.log")
    assert line == ("expert:math: complete in 12.3s  reward_first=0.1 reward_last=0.5  "
                    "(log: runs/x/expert_math/stage.log)")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_metrics_table_is_never_truncated_on_a_narrow_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    models = {f"a-long-model-name-{i}": {d: {"accuracy": 0.25, "reward_mean": 0.5} for d in
                                         ("math", "logic", "writing", "code@thinking")} for i in range(2)}
    buf = _Terminal()
    print_metrics_table(models, buf)
    out = buf.getvalue()
    assert "┃" in out  # the rich table, on a terminal
    assert "…" not in out and "a-long-model-name-1" in out and "code@thinking" in out
    assert out.count("accuracy=0.25  · 0.50") == 8  # a blank where a significance mark would be
    assert rich_table(models).columns[0].no_wrap


def test_verbose_leaves_output_on_the_console_and_logs_to_the_stage_log(tmp_path):
    code = textwrap.dedent(f"""
        import logging, os
        from pathlib import Path
        from pipeline.run.stage_log import configure_logging, stage_output
        configure_logging(True)
        with stage_output(Path({str(tmp_path)!r}) / "s"):
            os.write(2, b"C-LEVEL-STDERR\\n")
            logging.getLogger("vllm.engine").info("ENGINE-INFO")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "C-LEVEL-STDERR" in proc.stderr and "ENGINE-INFO" in proc.stderr
    assert "ENGINE-INFO" in (tmp_path / "s" / "stage.log").read_text()
