"""Workers that run at the same time cannot see or signal one another, nor the grader: each has a PID namespace of its
own, and (as root) a user of its own."""

import os
import time

import numpy as np
import pytest

from checks.session import Call, New
from grading.sandbox import WORKER_IDS, isolation
from grading.worker import WorkerSession

PROBE = """
import os
import signal


def seen(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Probe:
    def ids(self):
        return [os.getuid(), os.getgid()]

    def pids_seen(self):
        return [pid for pid in range(1, 32769) if seen(pid)]

    def kill_everything(self):
        for target in (-1, 1):
            try:
                os.kill(target, signal.SIGKILL)
            except OSError:
                pass
        return 1.0

    def alive(self):
        return 1.0
"""

pytestmark = pytest.mark.skipif(not isolation().isolated, reason=f"workers are not isolated here: {isolation().note}")


def session() -> WorkerSession:
    s = WorkerSession(
        {"op": "load", "sources": [{"file": "probe.py", "code": PROBE}], "mode": "module"},
        blocked=frozenset({"torch"}),
        memory_bytes=1 << 30,
    )
    s.deadline = time.monotonic() + 30
    return s


def answer(s: WorkerSession, method: str) -> list:
    return np.ravel(s.run([New("Probe"), Call(method)])[1].value.array).tolist()


def test_two_workers_at_once_see_only_their_own_init_and_themselves_and_kill_nothing_of_the_other():
    first, second = session(), session()
    try:
        first.load(), second.load()
        assert answer(first, "pids_seen") == [1, 2] and answer(second, "pids_seen") == [1, 2]
        answer(first, "kill_everything")
        assert answer(second, "alive") == [1.0] and answer(first, "alive") == [1.0]
        assert first.starts == second.starts == 1  # neither worker died
    finally:
        first.close(), second.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="without root, every worker has the grader's uid (in a user namespace of its own)")
def test_two_workers_at_once_run_as_users_of_their_own():
    first, second = session(), session()
    try:
        uid, gid = answer(first, "ids")
        other_uid, other_gid = answer(second, "ids")
        assert uid != other_uid and gid != other_gid
        assert {uid, gid, other_uid, other_gid} <= set(WORKER_IDS)
    finally:
        first.close(), second.close()
