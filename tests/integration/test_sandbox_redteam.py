"""Red-team the code sandbox through ``code_tests``: every attack scores 0, ends within its
limit, leaks no secret, writes nothing outside its work dir, and leaves us unharmed."""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid

import pytest

from rewards.code import CodeTests
from rewards.sandbox import build_sandbox

TESTS = "assert add(1, 2) == 3"
CANARY = "CANARY-" + uuid.uuid4().hex
ESCAPE = f"/tmp/pt-escape-{uuid.uuid4().hex}"
TIMEOUT = 3.0


def attacks(port: int) -> dict[str, str]:
    return {
        "fork_bomb": "import os\nwhile True:\n    os.fork()",
        "fork_bomb_swallow": "import os\nwhile True:\n    try: os.fork()\n    except Exception: pass",
        "multiprocessing_bomb": "import multiprocessing as m\nps=[m.Process(target=lambda: None) for _ in range(10000)]\n[p.start() for p in ps]",
        "subprocess_loop": "import subprocess\nwhile True: subprocess.Popen(['sleep','100'])",
        "os_system": "import os\nos.system('touch " + ESCAPE + "; sleep 100')",
        "memory_bomb": "x = bytearray(10**11)",
        "memory_grow": "x=[]\nwhile True: x.append(' ' * 10**7)",
        "infinite_loop": "while True: pass",
        "sleep_beyond_limit": "import time\ntime.sleep(100)",
        "network_connect": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hello')",
        "network_dns": "import socket\nprint(socket.gethostbyname('pypi.org'))",
        "write_tmp_outside": f"open('{ESCAPE}', 'w').write('x')",
        "write_root": "open('/root/pwned', 'w').write('x')",
        "write_cwd_project": f"open('{os.getcwd()}/pwned.txt', 'w').write('x')",
        "read_etc_shadow": "print(open('/etc/shadow').read())",
        "read_home": "import os\nprint(os.listdir(os.path.expanduser('~root')))\nprint(open('/root/.bashrc').read())",
        "read_env": "import os\nprint(dict(os.environ))\nraise SystemExit(1)",
        "proc_parent_environ": "import os\nprint(open(f'/proc/{os.getppid()}/environ').read())\nraise SystemExit(1)",
        "proc_1_environ": "print(open('/proc/1/environ').read())\nraise SystemExit(1)",
        "proc_root_escape": "import os\nprint(os.listdir('/proc/1/root/root'))\nraise SystemExit(1)",
        "kill_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        "kill_all": "import os, signal\nos.kill(-1, signal.SIGKILL)",
        "killpg": "import os, signal\nos.killpg(0, signal.SIGKILL)",
        "huge_stdout": "import sys\nwhile True: sys.stdout.write('x' * 65536)",
        "huge_stderr": "import sys\nwhile True: sys.stderr.write('y' * 65536)",
        "huge_file": "f=open('big','wb')\nwhile True: f.write(b'0'*10**6)",
        "ctypes_segfault": "import ctypes\nctypes.string_at(0)",
        "deep_recursion": "import sys\nsys.setrecursionlimit(10**9)\ndef f(n): return f(n+1)\nf(0)",
        "thread_bomb": "import threading, time\nwhile True: threading.Thread(target=time.sleep, args=(100,)).start()",
        "exit_early_fake_pass": "import sys\nprint('all tests passed')\nsys.exit(0)",
        "os_exit_fake_pass": "import os\nprint('OK')\nos._exit(0)",
        "fd_exhaustion": "fs=[open('/dev/null') for _ in range(100000)]",
        "syntax_error": "def add(a, b) return a + b",
    }


@pytest.fixture(scope="module")
def listener():
    hits: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                hits.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    stop.set()
    srv.close()


def test_attacks_are_contained(listener, monkeypatch):
    port, hits = listener
    monkeypatch.setenv("POSTTRAIN_CANARY", CANARY)
    pid = os.getpid()
    reward = CodeTests(sandbox=build_sandbox("local", timeout_s=TIMEOUT, memory_mb=512, workers=2))
    progs = attacks(port)
    assert len(progs) >= 30
    start = time.monotonic()
    results = reward([{"tests": TESTS, "completion": code} for code in progs.values()])
    elapsed = time.monotonic() - start
    for name, res in zip(progs, results):
        assert res.score == 0.0, name
        assert res.status in ("error", "timeout"), (name, res.status, res.info)
        assert res.info["duration_s"] <= TIMEOUT + 2.0, (name, res.info["duration_s"])
        blob = str(res.info)
        assert CANARY not in blob, name
    assert elapsed < len(progs) * (TIMEOUT + 2.0) / 2 + 10
    assert hits == [], "the sandbox reached a loopback listener"
    assert not os.path.exists(ESCAPE) and not os.path.exists("/root/pwned") and not os.path.exists("pwned.txt")
    assert os.getpid() == pid  # still here, unharmed


def test_honest_solution_still_passes_after_attacks():
    reward = CodeTests(sandbox=build_sandbox("local", timeout_s=TIMEOUT, workers=2))
    res = reward([{"tests": TESTS, "completion": "```python\ndef add(a, b):\n    return a + b\n```"}])[0]
    assert (res.score, res.status) == (1.0, "ok")


def test_isolation_layer_is_bubblewrap():
    assert build_sandbox("local").isolation == "bwrap", "run scripts/setup.sh to install bubblewrap"
