"""Every script is run for its own call: a submission that keeps state in its class answers the same script differently the
second time, and the grader sees the second answer, not a remembered first one, whether the scripts went to the
worker one by one or together (``WorkerSession.prefetch``)."""

import time

import numpy as np
import pytest

from checks.session import Call, New, Set, WorkerLost
from grading.worker import WorkerSession

COUNTING = """
import numpy as np
import pytest

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


def session_of(code: str) -> WorkerSession:
    s = WorkerSession(
        {"op": "load", "sources": [{"file": "sub.py", "code": code}], "mode": "module"}, blocked=frozenset(), memory_bytes=1 << 30
    )
    s.deadline = time.monotonic() + 30
    return s


def test_scripts_sent_together_each_answer_one_call_and_a_repeat_goes_to_the_worker():
    session = session_of(COUNTING)
    script = [New("SimpleRNN", (1, 2)), Set({"Wx": np.zeros((1, 2))}), Call("forward", (np.zeros((1, 3, 1)),))]
    try:
        session.prefetch([script, list(script)])  # run in the worker now: calls 1 and 2
        answers = [session.run(list(script))[-1].value.array.max() for _ in range(3)]
    finally:
        session.close()
    assert answers == [1.0, 2.0, 3.0]  # the third was asked of the worker, not taken from the first two


def test_what_no_call_asked_for_answers_nothing_later():
    session = session_of(COUNTING)
    script = [New("SimpleRNN", (1, 2)), Call("forward", (np.zeros((1, 3, 1)),))]
    try:
        session.prefetch([script, list(script)])
        session.prefetch([])
        answer = session.run(script)[-1].value.array.max()
    finally:
        session.close()
    assert answer == 3.0


HANGS_ON_THREE_STEPS = """
import numpy as np
import pytest

class SimpleRNN:
    def __init__(self, n_features, n_nodes):
        self.n_nodes = n_nodes

    def forward(self, X):
        while X.shape[1] == 3:
            pass
        return np.zeros((X.shape[0], X.shape[1], self.n_nodes))
"""


def test_a_hang_in_scripts_sent_together_names_the_script_and_the_call():
    session = session_of(HANGS_ON_THREE_STEPS)
    session.load()
    session.deadline = time.monotonic() + 3
    fine = [New("SimpleRNN", (1, 2)), Call("forward", (np.zeros((1, 2, 1)),))]
    hangs = [New("SimpleRNN", (1, 2)), Call("forward", (np.zeros((1, 3, 1)),))]
    try:
        with pytest.raises(WorkerLost) as lost:
            session.prefetch([fine, list(fine), hangs, fine])
    finally:
        session.close()
    assert lost.value.timeout and (lost.value.script, lost.value.index, lost.value.running) == (2, 1, "forward")
