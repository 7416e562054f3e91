"""The worker runs student code apart from the grader: imports refused, limits enforced, crashes and hangs contained."""

import os
import time

import numpy as np
import pytest

from checks.session import Call, Done, New, Raised, WorkerLost
from grading.sandbox import isolation
from grading.worker import WorkerSession

BLOCKED = frozenset({"torch", "tensorflow", "reference", "checks", "grading"})


def session(code: str, *, memory=1 << 30, timeout=10.0) -> WorkerSession:
    s = WorkerSession({"op": "load", "sources": [{"file": "sub.py", "code": code}], "mode": "module"}, blocked=BLOCKED, memory_bytes=memory)
    s.deadline = time.monotonic() + timeout
    return s


def call(code: str, method: str = "run", *args, **kwargs):
    s = session(code, **kwargs)
    try:
        return s.run([New("Probe"), Call(method, args)]), s
    finally:
        s.close()


PROBE = "import sys, os\nclass Probe:\n"


def test_forbidden_imports_are_refused_however_they_are_asked_for():
    code = PROBE + (
        "    def run(self):\n"
        "        import importlib\n"
        "        refused = []\n"
        "        for attempt in (lambda: __import__('torch'), lambda: importlib.import_module('reference.rnn'),\n"
        "                        lambda: exec('import checks'), lambda: __import__('grading.worker')):\n"
        "            try:\n"
        "                attempt()\n"
        "            except ImportError as e:\n"
        "                refused.append(len(str(e)))\n"
        "        return refused\n"
    )
    replies, s = call(code)
    assert isinstance(replies[1], Done) and len(replies[1].value.array) == 4
    assert set(s.refused) == {"torch", "reference", "checks", "grading"}


@pytest.mark.skipif(not isolation().isolated, reason=f"the worker is not isolated here: {isolation().note}")
def test_with_the_import_hook_removed_torch_is_absent_from_the_workers_files_and_the_attempt_is_still_reported():
    # The hook only says why; the wall is that torch is not in the worker's filesystem (grading.sandbox).
    code = PROBE + (
        "    def run(self):\n"
        "        import importlib.util\n"
        "        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != 'ImportBlocker']\n"
        "        try:\n"
        "            import torch\n"
        "            imported = 1\n"
        "        except ModuleNotFoundError:\n"
        "            imported = 0\n"
        "        return [imported, importlib.util.find_spec('torch') is None]\n"
    )
    replies, s = call(code)
    assert list(replies[1].value.array) == [0, 1]
    assert s.refused == ["torch"]


def test_a_comment_that_mentions_torch_is_fine():
    replies, s = call("# we could import torch here, but we do not\n" + PROBE + "    def run(self):\n        return 1.0\n")
    assert replies[1].value.array == 1.0 and s.refused == []


def test_the_worker_holds_neither_torch_nor_the_reference():
    replies, _ = call(
        PROBE + "    def run(self):\n        return [m.split('.')[0] in ('torch', 'reference', 'checks') for m in sys.modules]\n"
    )
    assert not replies[1].value.array.any()


def test_the_worker_runs_in_an_empty_temporary_folder():
    # The one thing allowed in it: Python's own folders, when Python lives under /tmp (a venv), bound read-only there.
    replies, _ = call(
        PROBE + "    def run(self):\n"
        "        pythons = [os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)]\n"
        "        holds_python = lambda name: any((p + '/').startswith(os.path.realpath(name) + '/') for p in pythons)\n"
        "        others = [name for name in os.listdir('.') if not holds_python(name)]\n"
        "        return [len(others), os.getcwd().startswith('/tmp') or 'rnn-grader-worker' in os.getcwd()]\n"
    )
    assert list(replies[1].value.array) == [0.0, 1.0]


def test_memory_beyond_the_limit_raises_memory_error_in_the_submission():
    replies, _ = call(PROBE + "    def run(self):\n        return bytearray(3 << 30)\n", memory=1 << 30)
    assert isinstance(replies[1], Raised) and replies[1].type == "MemoryError"


def test_a_segfault_becomes_worker_lost_and_the_next_script_gets_a_fresh_worker():
    s = session(PROBE + "    def run(self):\n        import ctypes\n        ctypes.string_at(0)\n    def ok(self):\n        return 2.0\n")
    with pytest.raises(WorkerLost, match=r"worker died \(signal 11, SIGSEGV\)"):
        s.run([New("Probe"), Call("run")])
    assert s.run([New("Probe"), Call("ok")])[1].value.array == 2.0
    assert s.starts == 2
    s.close()


def test_a_hang_times_out_and_kills_the_worker_and_its_children():
    code = (
        PROBE
        + "    def run(self):\n        import subprocess\n        subprocess.Popen(['sleep', '300'])\n        while True:\n            pass\n"
    )
    s = session(code, timeout=1.5)
    s.load()
    pid = s.process.pid
    started = time.monotonic()
    with pytest.raises(WorkerLost) as lost:
        s.run([New("Probe"), Call("run")])
    assert lost.value.timeout and time.monotonic() - started < 5
    time.sleep(0.2)
    assert not any(_in_group(p, pid) for p in os.listdir("/proc") if p.isdigit())
    s.close()


def _in_group(pid: str, group: int) -> bool:
    """A live process of the group; a killed one waiting to be reaped (state Z) no longer runs."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[2]) == group and fields[0] != "Z"
    except (OSError, IndexError, ValueError):
        return False


def test_a_print_flood_is_drained_and_capped():
    s = session(PROBE + "    def run(self):\n        for _ in range(200000):\n            print('x' * 100)\n        return 1.0\n")
    assert s.run([New("Probe"), Call("run")])[1].value.array == 1.0
    out, _ = s.close()
    assert len(out) < 70_000 and "more bytes not kept" in out


def test_returned_objects_cross_as_type_names_and_lists_as_arrays():
    code = PROBE + "    def obj(self):\n        return object()\n    def lst(self):\n        return [[1, 2], [3, 4]]\n"
    s = session(code)
    obj = s.run([New("Probe"), Call("obj")])[1].value
    lst = s.run([New("Probe"), Call("lst")])[1].value
    s.close()
    assert obj.array is None and obj.type == "object"
    assert lst.type == "list" and np.array_equal(lst.array, [[1, 2], [3, 4]])
