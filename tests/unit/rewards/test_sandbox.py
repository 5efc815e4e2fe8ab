"""Local sandbox backend, limits, results and the backend registry (real bubblewrap, no fakes)."""
from __future__ import annotations

import glob
import os
import pickle
import subprocess
import sys
import time
import uuid

import pytest

from rewards.sandbox import Program, SandboxConfig, build_sandbox, register_sandbox
from rewards.sandbox_local import LocalSandbox, detect_isolation

HAVE_BWRAP = detect_isolation() == "bwrap"
needs_bwrap = pytest.mark.skipif(not HAVE_BWRAP, reason="bubblewrap cannot start here (run scripts/setup.sh)")


UID_BASE = 60500  # a uid range of our own, so sandboxes of concurrent test sessions do not count


@pytest.fixture(scope="module")
def sb():
    return build_sandbox("local", timeout_s=3, memory_mb=256, workers=2, uid_base=UID_BASE)


def test_registry_by_name_and_errors():
    assert isinstance(build_sandbox("local"), LocalSandbox)
    with pytest.raises(ValueError, match="unknown sandbox backend 'docker'; choose from local, remote"):
        build_sandbox("docker")
    with pytest.raises(ValueError, match="already registered"):
        register_sandbox("local", "somewhere:Else")
    with pytest.raises(TypeError):
        build_sandbox("local", no_such_limit=1)
    with pytest.raises(ValueError, match="positive"):
        SandboxConfig(timeout_s=0)
    register_sandbox("local-alias", LocalSandbox)
    assert build_sandbox("local-alias", timeout_s=1).timeout_s == 1


def test_isolation_is_bubblewrap_on_this_machine_kind():
    assert os.path.exists("/usr/bin/python3")
    assert build_sandbox("local").isolation == "bwrap", "run scripts/setup.sh to install bubblewrap"


def test_runs_program_with_stdout_stderr_exit_code_stdin_and_files(sb):
    r = sb.run("import sys\nprint('out', input())\nprint(open('data.txt').read(), file=sys.stderr)\nsys.exit(3)",
               files={"data.txt": "DATA"}, stdin="hello\n")
    assert (r.status, r.returncode) == ("ok", 3)  # a failing program is a program result, not a sandbox failure
    assert r.stdout_tail == "out hello\n" and r.stderr_tail == "DATA\n" and not r.sandbox_failed


def test_environment_is_empty_and_workdir_fresh(sb, monkeypatch):
    monkeypatch.setenv("PT_SECRET_TOKEN", "s3cr3t-" + uuid.uuid4().hex)
    r = sb.run("import os\nprint(sorted(os.environ))\nopen('left.txt', 'w').write('x')\nprint(os.getcwd())")
    assert r.stdout_tail.splitlines()[0] == "['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']"
    assert os.environ["PT_SECRET_TOKEN"] not in r.stdout_tail
    again = sb.run("import os\nprint(os.listdir('.'))")
    assert again.stdout_tail.strip() == "['main.py']"


@needs_bwrap
def test_home_project_and_host_tmp_are_invisible(sb, tmp_path):
    (tmp_path / "host.txt").write_text("host")
    code = ("import os\nfor p in ['/root', '/home', '/work', '/run', %r]:\n    print(p, os.path.exists(p))\n"
            "print(sorted(os.listdir('/')))") % str(tmp_path / "host.txt")
    out = sb.run(code).stdout_tail
    assert out.count(" False") == 5, out
    assert "'usr'" in out and "'root'" not in out


def test_wall_time_limit_kills_the_program(sb):
    start = time.monotonic()
    r = sb.run("import time\ntime.sleep(60)", timeout_s=1)
    assert (r.status, r.info["limit"]) == ("timeout", "wall") and time.monotonic() - start < 3


def test_cpu_time_limit():
    r = build_sandbox("local", timeout_s=10, cpu_s=1).run("while True: pass")
    assert (r.status, r.info["limit"]) == ("timeout", "cpu") and r.duration_s < 8  # 1 s of CPU, long before 10 s


def test_output_cap_kills_and_keeps_a_bounded_tail():
    sb = build_sandbox("local", timeout_s=5, max_output_bytes=100_000, tail_bytes=1000)
    r = sb.run("import sys\nwhile True: sys.stdout.write('x' * 4096)")
    assert (r.status, r.info["limit"]) == ("error", "output") and not r.sandbox_failed
    assert len(r.stdout_tail) == 1000 and r.truncated and r.duration_s < 3


def test_a_program_may_ask_for_a_longer_stdout_tail_up_to_the_output_cap():
    from rewards.sandbox import Program

    sb = build_sandbox("local", timeout_s=5, max_output_bytes=100_000, tail_bytes=1000)
    code = "import sys\nsys.stdout.write('x' * 50_000)"
    default, longer, capped = sb.run_many([Program(code), Program(code, tail_bytes=60_000), Program(code, tail_bytes=10**9)])
    assert (len(default.stdout_tail), len(longer.stdout_tail), len(capped.stdout_tail)) == (1000, 50_000, 50_000)
    assert default.truncated and not longer.truncated


def test_memory_limit_per_process(sb):
    r = sb.run("x = bytearray(600 * 2**20)")
    assert r.status == "ok" and r.returncode == 1 and "MemoryError" in r.stderr_tail


def test_memory_limit_of_the_whole_program_with_cgroups(sb):
    if not sb.slots.cgroups:
        pytest.skip("cgroup v1 limits need root and a writable /sys/fs/cgroup")
    # Each child holds its 150 MiB for a second, so the six overlap (6 x 150 MiB > 256 MiB) however the
    # scheduler orders them: a child that exited at once let them run one after another on a CI machine.
    code = ("import os, time\nfor _ in range(6):\n    if os.fork() == 0:\n        b = bytearray(150 * 2**20)\n"
            "        for i in range(0, len(b), 4096): b[i] = 1\n        time.sleep(1.0)\n        os._exit(0)\n"
            "for _ in range(6): os.wait()")
    r = sb.run(code)
    assert (r.status, r.info.get("limit")) == ("error", "memory"), r


def test_process_limit_stops_forks():
    sb = build_sandbox("local", timeout_s=5, max_procs=8)
    r = sb.run("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n            time.sleep(5)\n"
               "        n += 1\nexcept OSError:\n    print('forks', n)")
    assert r.status == "ok" and 0 < int(r.stdout_tail.split()[1]) <= 8


def test_run_many_keeps_order_and_runs_workers_in_parallel(sb):
    start = time.monotonic()
    res = sb.run_many([Program(f"import time\ntime.sleep(1)\nprint({i})") for i in range(4)] + ["print('plain')"])
    assert [r.stdout_tail.strip() for r in res] == ["0", "1", "2", "3", "plain"]
    assert time.monotonic() - start < 4.5  # 4 x 1 s on 2 workers (+ startup), not 4 s serial + overhead
    assert sb.run_many([]) == []


def test_bad_file_name_is_a_sandbox_failure(sb):
    r = sb.run("print(1)", files={"../escape.py": "x"})
    assert r.status == "error" and r.sandbox_failed and r.info["failure"] == "sandbox"


def test_a_sandbox_that_cannot_start_is_a_sandbox_failure():
    sb = build_sandbox("local", tmp_mb=1, uid_base=UID_BASE)
    r = sb.run("print(1)", files={"big.txt": "x" * (2 << 20)})  # does not fit the 1 MB work dir
    assert r.sandbox_failed and "No space left" in r.info["detail"]
    fake = sb.run("import sys\nprint('bwrap: fake', file=sys.stderr)\nsys.exit(1)")
    assert (fake.status, fake.returncode, fake.sandbox_failed) == ("ok", 1, False)


def test_backends_pickle_for_ray():
    local = pickle.loads(pickle.dumps(build_sandbox("local", timeout_s=2, uid_base=UID_BASE)))
    assert local.run("print(7)").stdout_tail == "7\n"
    remote = pickle.loads(pickle.dumps(build_sandbox("remote", base_url="http://127.0.0.1:9", retries=0)))
    assert remote.run("print(7)").info["failure"] == "api"


def test_nothing_is_left_behind(sb):
    r = sb.run("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(30)\nprint(os.getuid())")
    assert UID_BASE <= int(r.stdout_tail) < UID_BASE + 64
    assert not [p for p in glob.glob("/proc/[0-9]*") if _uid(p) in range(UID_BASE, UID_BASE + 64) and not _zombie(p)]
    assert not [p for p in glob.glob("/sys/fs/cgroup/*/**/posttrain-sandbox-*", recursive=True)
                if UID_BASE <= int(p.rsplit("-", 1)[1]) < UID_BASE + 64]


def test_slots_are_exclusive_across_processes():
    """Two processes with a 2-slot pool: while we hold one slot, the other process gets the other uid."""
    sb = LocalSandbox(uid_base=UID_BASE + 100, uid_slots=2, timeout_s=5)
    with sb.slots.slot(1 << 30, 8, 1.0) as held:
        code = ("from rewards.sandbox_local import LocalSandbox\n"
                f"print(LocalSandbox(uid_base={UID_BASE + 100}, uid_slots=2).run('import os; print(os.getuid())').stdout_tail)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert int(out) == ({UID_BASE + 100, UID_BASE + 101} - {held.uid}).pop()


def test_rlimits_fallback_runs_isolated_enough(monkeypatch):
    monkeypatch.setenv("PT_FALLBACK_SECRET", "fallback-" + uuid.uuid4().hex)
    sb = LocalSandbox(isolation="rlimits", timeout_s=2, memory_mb=256)
    assert sb.isolation == "rlimits"
    r = sb.run("import os\nprint(os.getcwd())\nprint(dict(os.environ))")
    cwd = r.stdout_tail.splitlines()[0]
    assert r.status == "ok" and cwd.startswith("/tmp/pt-sbx-") and not os.path.exists(cwd)
    assert os.environ["PT_FALLBACK_SECRET"] not in r.stdout_tail
    assert sb.run("while True: pass").status == "timeout"


def _zombie(proc_dir: str) -> bool:
    try:
        with open(proc_dir + "/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True


def _uid(proc_dir: str) -> int:
    try:
        return os.stat(proc_dir).st_uid
    except OSError:
        return -1


def test_run_many_still_drives_a_backend_whose_run_predates_tail_bytes():
    from rewards.sandbox import Program, SandboxBase, SandboxResult

    class Old(SandboxBase):
        def run(self, code, files=None, stdin=None, timeout_s=None):
            return SandboxResult("ok", 0, code, "", 0.0)

    assert [r.stdout_tail for r in Old().run_many([Program("a", tail_bytes=10), "b"])] == ["a", "b"]
