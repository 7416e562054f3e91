"""A call that never returns: the report names the call and the input it was running on, the other problems keep
their time, and the whole submission keeps to its time limit."""

import time
from pathlib import Path

from grading import api
from checks.session import Call, New
from grading import load
from grading.worker import WorkerSession
from checks.session import WorkerLost

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMIT = 5.0
MARGIN = 1.5  # killing the worker, the diagnosis and the report, after the limit


def test_a_forward_that_hangs_on_one_input_names_forward_and_that_input_and_the_other_problems_still_run():
    started = time.monotonic()
    report = api.grade(FIXTURES / "dic_sprint22" / "hang_in_forward_on_a_batch_of_three.py", max_examples=15, timeout=LIMIT)
    elapsed = time.monotonic() - started
    first = report.problems[0].checks[0]
    assert first.status == "timeout"
    assert first.message == "timed out: forward did not return within problem1's share of the submission's 5 s (problem1: forward_shape)"
    assert first.counterexample.startswith("X (batch=3,")
    assert report.problems[1].score == 15  # the experiment's batch of one runs in its own share of the time
    assert {c.message for c in report.problems[0].checks[1:]} == {
        "not run: problem1 ran out of time while forward was running in forward_shape"
    }
    assert report.status == "timeout"
    assert report.seconds <= LIMIT + MARGIN and elapsed <= LIMIT + MARGIN + 1.0


def test_a_forward_that_never_returns_costs_the_time_limit_once_not_once_per_problem():
    started = time.monotonic()
    report = api.grade(FIXTURES / "red_team" / "hang_loop_in_forward.py", max_examples=15, timeout=LIMIT)
    assert time.monotonic() - started <= LIMIT + MARGIN + 1.0
    first = report.problems[0].checks[0]
    assert first.message.startswith("timed out: forward did not return")
    assert first.counterexample == "the grader's call of forward to learn its return style: X of shape (2, 4, 2), n_nodes 3"


def test_a_hang_at_import_says_it_was_loading():
    report = api.grade(FIXTURES / "dic_sprint22" / "hang_at_import.py", max_examples=15, timeout=2.0)
    assert report.status == "timeout"
    assert report.reason == "timed out while loading the submission: its top-level code ran past the submission's 2 s"
    assert report.seconds <= 2.0 + MARGIN


def test_the_worker_says_which_operation_of_a_script_was_running_when_the_time_ran_out(tmp_path):
    (tmp_path / "slow_backward.py").write_text(
        "import numpy as np\n\n"
        "class SimpleRNN:\n"
        "    def __init__(self, n_features, n_nodes):\n"
        "        pass\n\n"
        "    def forward(self, X, h0=None):\n"
        "        return X\n\n"
        "    def backward(self, dH):\n"
        "        while True:\n"
        "            pass\n"
    )
    submission = load.load(tmp_path / "slow_backward.py", ("SimpleRNN",))
    session = WorkerSession(submission.load_message(), blocked=frozenset(), memory_bytes=2**30)
    try:
        session.deadline = time.monotonic() + 2.0
        session.load()
        lost = None
        try:
            session.run([New("SimpleRNN", (1, 1)), Call("forward", (1.0,)), Call("backward", (1.0,))])
        except WorkerLost as error:
            lost = error
        assert lost is not None and lost.timeout and lost.running == "backward" and lost.index == 2
    finally:
        session.close()
