"""Every field of every frame from the worker is checked before it is used: a forged or broken frame ends the worker
with "the worker sent a malformed reply: ...", never an exception of the grader's own, and texts come out readable."""

import json
import os
import time

import numpy as np
import pytest

from checks.session import Call, Get, MalformedReply, New, Raised, Set, WorkerLost, readable, replies_from_wire, reply_from_wire
from grading import protocol
from grading.worker import WorkerSession
from tests.grading.fake_worker import ZeroRNN, decode_frame, fake_workers


def header(value) -> bytes:
    return json.dumps(value).encode()


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested 100000 levels deep"),
        (b'{"body": ' + b"[" * 33 + b"]" * 33 + b', "arrays": []}', "nested 34 levels deep"),
        (header([1, 2]), "header is 'list'"),
        (header({"body": {}}), "expected an object"),
        (header({"body": {}, "arrays": {}}), '"arrays" is {}'),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": [0] * 70, "nbytes": 0}]}), "at most 8 sizes"),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": [True], "nbytes": 8}]}), "each an int >= 0"),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": [-1], "nbytes": -8}]}), "each an int >= 0"),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": "3", "nbytes": 24}]}), "array shape '3' refused"),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": [3], "nbytes": 8}]}), "gives 8 bytes"),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": [3], "nbytes": 24.0}]}), "gives 24.0 bytes"),
        (header({"body": {}, "arrays": [{"dtype": ["<f8"], "shape": [3], "nbytes": 24}]}), "array of dtype ['<f8'] refused"),
        (header({"body": {}, "arrays": [{"dtype": "<f8", "shape": [3], "nbytes": 24, "x": 1}]}), "is not"),
    ],
    ids=lambda x: x[:40] if isinstance(x, str) else "",
)
def test_a_header_is_refused_field_by_field_with_a_protocol_error(raw, said):
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.decode(raw, b"")
    assert said in str(refused.value)


def test_nesting_is_measured_without_parsing_and_ignores_brackets_inside_strings():
    assert protocol.nesting(header({"a": "[[[[{{{{", "b": [[1]], "c": '\\"[['})) == 3
    assert protocol.nesting(b"[" * 10**6) == 10**6  # no recursion, however deep


def test_a_frame_over_the_readers_limit_is_refused_before_its_arrays_are_read():
    frame = protocol.encode({"x": np.zeros(100)})
    limit = len(frame) - protocol.HEADER_BYTES - 1  # the header and the arrays each fit; together they do not
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, frame)
        with pytest.raises(protocol.ProtocolError, match=f"over the {limit}-byte limit"):
            protocol.receive(read_fd, timeout=1, limit=limit)
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_a_numbered_frame_carries_its_number_in_its_body_and_nothing_else_changes():
    message = {"op": "script", "ops": [{"op": "call", "args": [np.arange(3.0)]}]}
    back = decode_frame(protocol.numbered(protocol.encode(message), 41))
    assert back["id"] == 41 and back["op"] == "script" and np.array_equal(back["ops"][0]["args"][0], np.arange(3.0))


FORWARD = [
    New("SimpleRNN", (2, 3)),
    Set({"Wx": np.ones((2, 3)), "Wh": np.ones((3, 3)), "B": np.ones(3)}),
    Call("forward", (np.ones((1, 2, 2)),)),
]


def run_tampered(tamper, script=FORWARD):
    """``script`` run in a fake worker whose script replies pass through ``tamper(body)`` (a dict -> a dict)."""

    def change(frame, number, request):
        if request.get("op") == "load":
            return frame
        return protocol.encode(tamper(decode_frame(frame)))

    with fake_workers({"SimpleRNN": ZeroRNN}, change):
        session = WorkerSession({"op": "load", "sources": [], "mode": "module"}, blocked=frozenset(), memory_bytes=0)
        session.deadline = time.monotonic() + 30
        try:
            return session.run(list(script))
        finally:
            session.close()


@pytest.mark.parametrize(
    ("tamper", "said"),
    [
        (lambda body: {**body, "id": body["id"] - 1}, "answers no request it was sent"),
        (lambda body: {k: v for k, v in body.items() if k != "id"}, "answers no request it was sent"),
        (lambda body: {**body, "id": True}, "answers no request it was sent"),
        (lambda body: {**body, "replies": []}, "0 replies to a script of 3 operations"),
        (lambda body: {**body, "replies": body["replies"] * 2}, "6 replies to a script of 3 operations"),
        (lambda body: {**body, "replies": body["replies"][:2]}, "the last did not raise"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"raised": {"traceback": 5}}]}, "a traceback is int"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"values": [1]}]}, "not an object"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"value": {"type": 7}}]}, "a value's type is int"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"value": {"type": "x", "array": [1.0]}}]}, "not an array"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"value": {"type": "x", "size": "big"}}]}, "not a count"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"value": {"type": "x", "array": np.ones(3), "from": "O"}}]}, "no real"),
        (lambda body: {**body, "replies": [*body["replies"][:2], {"values": {}}]}, "is not the kind of reply it gets"),
        (lambda body: {**body, "replies": [{"value": {"type": "x"}}, *body["replies"][1:]]}, "is not the kind of reply it gets"),
        (lambda body: {**body, "refused": "torch"}, '"refused" is not a list of names'),
    ],
)
def test_a_reply_that_no_honest_worker_sends_ends_the_worker_with_what_was_wrong(tamper, said):
    with pytest.raises(WorkerLost, match="the worker sent a malformed reply") as lost:
        run_tampered(tamper)
    assert said in lost.value.reason and not lost.value.timeout


def test_an_extra_frame_queued_ahead_of_the_reply_is_not_read_as_the_reply():
    def twice(frame, number, request):
        if request.get("op") == "load":
            return frame
        extra = protocol.encode({"replies": [], "refused": []})  # a well-formed frame with no number
        return extra + frame

    with fake_workers({"SimpleRNN": ZeroRNN}, twice):
        session = WorkerSession({"op": "load", "sources": [], "mode": "module"}, blocked=frozenset(), memory_bytes=0)
        session.deadline = time.monotonic() + 30
        with pytest.raises(WorkerLost, match="answers no request it was sent"):
            session.run(FORWARD)
        session.close()


def test_a_get_answers_exactly_the_names_it_read():
    script = [*FORWARD, Get(("Wx", "Wh"))]
    with pytest.raises(WorkerLost, match="is not the kind of reply it gets"):
        run_tampered(lambda body: {**body, "replies": [*body["replies"][:3], {"values": {"Wx": {"type": "missing"}}}]}, script)
    assert set(run_tampered(lambda body: body, script)[3].values) == {"Wx", "Wh"}


def test_lone_surrogates_are_replaced_and_every_text_is_capped():
    raised = reply_from_wire(
        {"raised": {"op": "backward", "type": "Bad\udc80", "message": "x\ud800y" * 5000, "traceback": [{"file": "f\udfff", "line": 3}]}}
    )
    assert isinstance(raised, Raised) and raised.type == "Bad\ufffd" and len(raised.message) == 2000
    assert raised.message.startswith("x\ufffdy") and raised.traceback[0].file == "f\ufffd"
    (raised.describe() + raised.type).encode("utf-8")  # no lone surrogate left anywhere
    assert readable("a\ud83d\ude00b") == "a\U0001f600b"  # a valid pair, split by JSON's escapes, is kept as the character


def test_the_load_reply_is_checked_too_and_a_broken_one_ends_loading_with_the_reason():
    def broken(frame, number, request):
        return protocol.encode({"warnings": 3, "classes": [], "refused": [], "id": number}) if request.get("op") == "load" else frame

    with fake_workers({"SimpleRNN": ZeroRNN}, broken):
        session = WorkerSession({"op": "load", "sources": [], "mode": "module"}, blocked=frozenset(), memory_bytes=0)
        session.deadline = time.monotonic() + 30
        with pytest.raises(WorkerLost, match='the worker sent a malformed reply: "warnings" is not a list while loading the submission'):
            session.load()
        session.close()


def test_replies_from_wire_accepts_what_an_honest_worker_sends():
    honest = [{"note": ""}, {}, {"value": {"type": "ndarray", "array": np.zeros((1, 2, 3))}}]
    replies = replies_from_wire(honest, FORWARD, most=100)
    assert replies[2].value.array.shape == (1, 2, 3)
    with pytest.raises(MalformedReply, match="where one value may hold at most 5"):
        replies_from_wire(honest, FORWARD, most=5)
