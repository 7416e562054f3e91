"""A course function's cache never leaves the worker: the grader gets only the outputs it asks for, and hands the cache
back to the student's own backward by name (``Kept``)."""

import time

import numpy as np
import pytest

from checks.session import Apply, Done, Kept, MalformedReply, Raised, replies_from_wire
from grading.worker import WorkerSession

COURSE = """
import numpy as np

def step_forward(x, W):
    out = x @ W
    return out, out * 1000.0          # a cache shaped like the output, which an array reply could carry

def step_backward(dout, cache):
    dout += 1.0                       # writes into its upstream gradient
    return {"dx": dout * 2, "seen": cache}

def only_output(x, W):
    return x @ W

def gradients(dout, cache):
    return {"dW": dout.sum(), "note": "text"}

def none_yet(x, W):
    pass

def many_keys(dout, cache):
    return {f"d{k}": np.zeros(1) for k in range(100000)}

def huge(x, W):
    return np.zeros(10_000_000), None
"""


@pytest.fixture(scope="module")
def session():
    s = WorkerSession(
        {"op": "load", "sources": [{"file": "course.py", "code": COURSE}], "mode": "module"}, blocked=frozenset(), memory_bytes=1 << 30
    )
    s.deadline = time.monotonic() + 60
    yield s
    s.close()


X, W = np.ones((2, 3)), np.full((3, 2), 0.5)


def test_a_forward_sends_back_only_the_outputs_asked_for_and_the_type_of_the_whole(session):
    (reply,) = session.run([Apply("step_forward", (X, W), "tuple", (0,))])
    assert isinstance(reply, Done) and reply.value.type == "tuple" and reply.value.array is None
    assert list(reply.values) == ["0"] and np.array_equal(reply.values["0"].array, X @ W)


def test_the_backward_gets_the_forwards_cache_kept_by_name_and_the_echo_leaves_the_cache_out(session):
    ops = [
        Apply("step_forward", (X, W), "tuple", (0,), keep="f"),
        Apply("step_backward", (np.zeros((2, 2)), Kept("f", 1)), "dict", echo=True),
    ]
    _, back = session.run(ops)
    assert np.array_equal(back.values["dx"].array, np.full((2, 2), 2.0))
    assert np.array_equal(back.values["seen"].array, 1000 * (X @ W))  # the student chose to return it: theirs to send
    assert len(back.echoed) == 1 and np.array_equal(back.echoed[0].array, np.ones((2, 2)))  # dout as the student left it


def test_a_kept_value_lives_only_as_long_as_its_script(session):
    session.run([Apply("step_forward", (X, W), "tuple", (0,), keep="f")])
    (reply,) = session.run([Apply("step_backward", (np.zeros((2, 2)), Kept("f", 1)), "dict")])
    assert isinstance(reply, Raised) and reply.type == "KeyError"


def test_a_forward_that_returns_no_tuple_cannot_hand_over_a_cache_and_says_why(session):
    ops = [Apply("only_output", (X, W), "tuple", (0,), keep="f"), Apply("step_backward", (np.zeros((2, 2)), Kept("f", 1)), "dict")]
    first, second = session.run(ops)
    assert first.value.type == "ndarray" and first.values["0"].type == "missing"
    assert second.message == "only_output returned only a value of type ndarray, where a tuple holding its cache was expected"


def test_a_missing_function_and_a_none_are_told_apart(session):
    (missing,) = session.run([Apply("nowhere", (X,), "value")])
    (none,) = session.run([Apply("none_yet", (X, W), "value")])
    assert missing.type == "NameError" and missing.message == "the submission defines no function nowhere"
    assert none.value.type == "NoneType"


def test_a_reply_with_values_an_apply_did_not_ask_for_is_malformed():
    op = Apply("step_forward", (X, W), "tuple", (0,))
    with pytest.raises(MalformedReply):
        replies_from_wire([{"value": {"type": "tuple"}, "values": {"0": {"type": "x"}, "1": {"type": "y"}}}], [op])
    with pytest.raises(MalformedReply):
        replies_from_wire([{"value": {"type": "tuple"}, "values": {}, "echoed": [{"type": "x"}]}], [op])


def test_a_dict_of_a_hundred_thousand_keys_comes_back_capped(session):
    ops = [Apply("step_forward", (X, W), "tuple", (0,), keep="f"), Apply("many_keys", (np.zeros((2, 2)), Kept("f", 1)), "dict")]
    _, back = session.run(ops)
    assert isinstance(back, Done) and len(back.values) == 24


def test_an_output_far_larger_than_the_inputs_is_described_not_sent(session):
    (reply,) = session.run([Apply("huge", (X, W), "tuple", (0,))])
    assert reply.values["0"].array is None and reply.values["0"].size == 10_000_000
