"""Every script goes to the worker: a submission that keeps state in its class answers the same script differently the
second time, and the grader sees the second answer, not a remembered first one."""

import time

import numpy as np

from checks.session import Call, New, Set
from grading.worker import WorkerSession

COUNTING = """
import numpy as np

class SimpleRNN:
    calls = 0  # shared by every object: the state a reply cache would hide

    def __init__(self, n_features, n_nodes):
        self.n_nodes = n_nodes

    def forward(self, X):
        SimpleRNN.calls += 1
        return np.full((X.shape[0], X.shape[1], self.n_nodes), float(SimpleRNN.calls))
"""


def test_the_same_script_twice_gets_the_submissions_second_answer():
    session = WorkerSession(
        {"op": "load", "sources": [{"file": "sub.py", "code": COUNTING}], "mode": "module"}, blocked=frozenset(), memory_bytes=1 << 30
    )
    session.deadline = time.monotonic() + 30
    script = [New("SimpleRNN", (1, 2)), Set({"Wx": np.zeros((1, 2))}), Call("forward", (np.zeros((1, 3, 1)),))]
    try:
        first, second = session.run(script), session.run(list(script))
    finally:
        session.close()
    assert first[-1].value.array.max() == 1.0 and second[-1].value.array.max() == 2.0
