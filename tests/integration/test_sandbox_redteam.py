"""Red-team the local sandbox through ``code_tests``: attack programs submitted as completions.

Rule (see rewards/code.py): every attack scores 0. The row has a reference solution, so the
attacks run under the io harness (rewards/code_io.py); tests/unit/rewards/test_code_redteam.py
has the programs that game the grader rather than the sandbox. Its status is ``timeout`` when it runs into
the time limit, ``error`` when it never lets the harness reach a verdict (it crashed, exited,
or a limit killed it), and ``ok`` only for an attack that ran "successfully" inside its own
private world and then failed the tests (passed == 0), e.g. writing to its private /tmp.
Each attack lists the statuses it may end with. Besides, every run ends within its limit plus
slack, a canary secret planted in our environment never shows up, a loopback listener we open
sees no connection, no file appears outside the sandbox, we are alive with the same pid and
process group, and no process or cgroup of the sandbox uids is left.
"""
from __future__ import annotations

import glob
import os
import socket
import threading
import time
import uuid

import pytest

from rewards.code import CodeTests
from rewards.sandbox import build_sandbox

TESTS = "assert add(1, 2) == 3"
ROW = {"tests": TESTS, "entry_point": "add", "answer": "def add(a, b):\n    return a + b\n"}  # the io harness
CANARY = "CANARY-" + uuid.uuid4().hex
ESCAPE = f"/tmp/canary-{uuid.uuid4().hex}"
PROJECT_FILE = os.path.join(os.getcwd(), f"pwned-{uuid.uuid4().hex}.txt")
UID_BASE = 60600  # a uid range of our own, so sandboxes of concurrent test sessions do not count
TIMEOUT = 2.0
SLACK = 2.0
T, E, O = "timeout", "error", "ok"
RAISE = "\nraise SystemExit(1)"  # exfiltration attempts print what they found, then give up


def attacks(port: int) -> dict[str, tuple[str, set[str]]]:
    me = os.getpid()
    return {
        # processes
        "fork_bomb": ("import os\nwhile True:\n    os.fork()", {E, T}),
        "fork_bomb_swallow": ("import os\nwhile True:\n    try: os.fork()\n    except OSError: pass", {E, T}),
        "multiprocessing_bomb": ("import multiprocessing as m, time\nps = [m.Process(target=time.sleep, args=(60,)) "
                                 "for _ in range(1000)]\nfor p in ps: p.start()", {E, T}),
        "subprocess_loop": ("import subprocess\nwhile True: subprocess.Popen(['sleep', '100'])", {E, T}),
        "os_system": (f"import os\nos.system('touch {ESCAPE}; sleep 100')", {T}),
        "thread_bomb": ("import threading, time\nwhile True: threading.Thread(target=time.sleep, args=(100,)).start()", {E, T}),
        "setsid_daemon": ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(100)\nos._exit(0)", {E}),
        # memory, cpu, time, disk
        "memory_bomb": ("x = bytearray(10**11)", {E}),
        "memory_grow": ("x = []\nwhile True: x.append(' ' * 10**7)", {E}),
        "memory_many_procs": ("import os\nfor _ in range(12):\n    if os.fork() == 0:\n        b = bytearray(200 * 2**20)\n"
                              "        for i in range(0, len(b), 4096): b[i] = 1\n        import time; time.sleep(60)\n"
                              "os.wait()", {E, T}),
        "infinite_loop": ("while True: pass", {T}),
        "sleep_beyond_limit": ("import time\ntime.sleep(100)", {T}),
        "deep_recursion": ("import sys\nsys.setrecursionlimit(10**9)\ndef f(n): return f(n + 1)\nf(0)", {E, T}),
        "huge_stdout": ("import sys\nwhile True: sys.stdout.write('x' * 65536)", {E}),
        "huge_stderr": ("import sys\nwhile True: sys.stderr.write('y' * 65536)", {E}),
        "huge_file": ("f = open('big', 'wb')\nwhile True: f.write(b'0' * 10**6)", {E}),
        "fill_tmp_many_files": ("i = 0\nwhile True:\n    open(f'/tmp/f{i}', 'wb').write(b'0' * 10**6); i += 1", {E}),
        "fill_dev_shm": ("i = 0\nwhile True:\n    open(f'/dev/shm/f{i}', 'wb').write(b'0' * 10**6); i += 1", {E}),
        "fd_exhaustion": ("fs = [open('/dev/null') for _ in range(100000)]", {E}),
        # network
        "network_connect": (f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hi')", {E}),
        "network_udp": (f"import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hi', ('127.0.0.1', {port}))\n"
                        f"socket.create_connection(('10.0.0.1', 80), timeout=1)", {E}),
        "network_dns": ("import socket\nprint(socket.gethostbyname('pypi.org'))", {E}),
        # files outside the work dir
        "write_tmp_outside": (f"open('{ESCAPE}', 'w').write('x')\nprint(open('{ESCAPE}').read())", {O}),
        "write_root": ("open('/root/pwned', 'w').write('x')", {E}),
        "write_project": (f"open('{PROJECT_FILE}', 'w').write('x')", {E}),
        "write_usr": ("open('/usr/pwned', 'w').write('x')", {E}),
        "write_dev": ("open('/dev/pwned', 'w').write('x')", {E}),
        "read_etc_shadow": ("print(open('/etc/shadow').read())", {E}),
        "read_home": ("import os\nprint(open('/root/.bashrc').read(), os.listdir('/home'))", {E}),
        "symlink_shadow": ("import os\nos.symlink('/etc/shadow', 'x')\nprint(open('x').read())", {E}),
        # secrets and other processes
        "read_env": ("import os\nprint(dict(os.environ))" + RAISE, {E}),
        "proc_parent_environ": ("import os\nprint(open(f'/proc/{os.getppid()}/environ').read())" + RAISE, {E}),
        "proc_scan_environ": ("import glob\nfor p in glob.glob('/proc/[0-9]*/environ'):\n    try: print(open(p).read())\n"
                              "    except OSError as e: print(e)" + RAISE, {E}),
        "proc_test_pid_environ": (f"print(open('/proc/{me}/environ').read())", {E}),
        "proc_1_root_escape": ("import os\nprint(os.listdir('/proc/1/root/root'))", {E}),
        "kill_parent": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", {O, E}),
        "kill_test_process_by_pid": (f"import os, signal\nos.kill({me}, signal.SIGKILL)", {E}),
        "kill_all": ("import os, signal\nos.kill(-1, signal.SIGKILL)", {E}),
        "killpg": ("import os, signal\nos.killpg(0, signal.SIGKILL)", {E}),
        "shell_kill_all": ("import os\nos.system('kill -9 -1')", {E, O}),
        "kill_every_pid": ("import os, signal\nfor p in range(1, 70000):\n    try: os.kill(p, signal.SIGKILL)\n"
                           "    except OSError: pass", {E}),
        "new_user_namespace": ("import ctypes\nassert ctypes.CDLL(None).unshare(0x10000000) == 0, 'unshare failed'", {E}),
        # crashes and fake passes
        "ctypes_segfault": ("import ctypes\nctypes.string_at(0)", {E}),
        "exit_zero_before_tests": ("import sys\nprint('all tests passed')\nsys.exit(0)", {E}),
        "os_exit_zero": ("import os\nprint('OK')\nos._exit(0)", {E}),
        "monkeypatch_builtins": ("import builtins\ndef add(a, b): return 0\nbuiltins.exec = lambda *a, **k: None\n"
                                 "builtins.AssertionError = KeyError", {O}),
    }


@pytest.fixture(scope="module")
def listener():
    hits: list[bytes] = []
    tcp, udp = socket.socket(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp.bind(("127.0.0.1", 0))
    udp.bind(("127.0.0.1", tcp.getsockname()[1]))
    tcp.listen()
    tcp.settimeout(0.1)
    udp.settimeout(0.1)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            for recv in (lambda: tcp.accept()[0].recv(100), lambda: udp.recv(100)):
                try:
                    hits.append(recv())
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield tcp.getsockname()[1], hits
    stop.set()
    t.join()
    tcp.close()
    udp.close()


@pytest.fixture(scope="module")
def sandbox():
    sb = build_sandbox("local", timeout_s=TIMEOUT, memory_mb=512, workers=2, uid_base=UID_BASE)
    if sb.isolation != "bwrap":
        pytest.skip("bubblewrap is not available: run scripts/setup.sh (test_sandbox.py fails on this)")
    return sb


def test_attacks_are_contained(listener, sandbox, monkeypatch):
    port, hits = listener
    monkeypatch.setenv("POSTTRAIN_CANARY_SECRET", CANARY)
    pid, pgid = os.getpid(), os.getpgrp()
    progs = attacks(port)
    assert len(progs) >= 30
    start = time.monotonic()
    results = CodeTests(sandbox=sandbox)([{**ROW, "completion": f"```python\n{code}\n```"}
                                          for code, _ in progs.values()])
    elapsed = time.monotonic() - start
    for (name, (_, allowed)), res in zip(progs.items(), results):
        assert res.score == 0.0, (name, res)
        assert res.info.get("harness") == "io", (name, res.info)
        assert res.status in allowed, (name, res.status, res.info)
        assert res.status != "ok" or res.info["passed"] == 0, (name, res.info)
        assert res.info.get("reason") not in ("sandbox_failure", "api_failure"), (name, res.info)
        assert res.info["duration_s"] <= TIMEOUT + SLACK, (name, res.info["duration_s"])
        assert CANARY not in repr(res), name
    assert elapsed < len(progs) * (TIMEOUT + SLACK) / 2 + 10, elapsed
    assert hits == [], "the sandbox reached a loopback listener"
    for path in (ESCAPE, PROJECT_FILE, "/root/pwned", "/usr/pwned", "/dev/pwned"):
        assert not os.path.exists(path), path
    assert not glob.glob("/tmp/canary-*") and not glob.glob("/tmp/f0")
    assert (os.getpid(), os.getpgrp()) == (pid, pgid)  # still here, unharmed
    assert not [p for p in glob.glob("/proc/[0-9]*") if _live_sandbox_process(p)], "left-over sandbox processes"
    assert not [p for p in glob.glob("/sys/fs/cgroup/*/**/posttrain-sandbox-*", recursive=True)
                if UID_BASE <= int(p.rsplit("-", 1)[1]) < UID_BASE + 64]


def test_honest_solution_still_passes_after_attacks(sandbox):
    res = CodeTests(sandbox=sandbox)([{**ROW, "completion": "```python\ndef add(a, b):\n    return a + b\n```"}])[0]
    assert (res.score, res.status, res.info["harness"]) == (1.0, "ok", "io")


def _live_sandbox_process(proc_dir: str) -> bool:
    try:
        uid = os.stat(proc_dir).st_uid
        with open(proc_dir + "/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return UID_BASE <= uid < UID_BASE + 64 and state != b"Z"
