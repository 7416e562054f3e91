"""Whatever bytes come back from the worker, a single script gets valid replies or WorkerLost, never another
exception (Hypothesis over the frames); and a whole grading ends with its four reports and no more points than the
honest answers earned.

The worker here is ``tests.grading.fake_worker``: honest answers computed in this process, then changed on their
way to the grader the way a submission can write into the channel: cut short, bytes flipped or
inserted, an extra frame, a header of any JSON, a body of any JSON under the right request number, a list of replies
of any JSON objects, or a single reply replaced by one.
"""

import json
import random
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading import api
from checks.session import Call, Done, Get, New, Raised, Set, WorkerLost
from grading import protocol
from grading.worker import WorkerSession
from tests.grading.fake_worker import ZeroRNN, fake_workers

SUBMISSION = Path(__file__).resolve().parents[1] / "fixtures" / "red_team" / "nan_results.py"  # read, never run: the fake answers

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
reply_keys = st.sampled_from(
    ["value", "values", "echoed", "note", "raised", "type", "array", "size", "from", "traceback", "replies", "refused", "id"]
)
json_objects = st.dictionaries(reply_keys | st.text(max_size=8), json_values, max_size=4)


def _split(frame: bytes) -> tuple[bytes, bytes]:
    length = int.from_bytes(frame[: protocol.HEADER_BYTES], "big")
    return frame[protocol.HEADER_BYTES : protocol.HEADER_BYTES + length], frame[protocol.HEADER_BYTES + length :]


def _framed(header: bytes, payload: bytes = b"") -> bytes:
    return len(header).to_bytes(protocol.HEADER_BYTES, "big") + header + payload


def _at(data: bytes, where: float) -> int:
    return min(int(where * len(data)), max(len(data) - 1, 0))


KINDS = ("cut", "flip", "insert", "junk", "extra", "length", "header", "body", "replies", "reply", "array")
FIELDS = ("dtype", "shape", "nbytes")


def tampered(kind: str, where: float, junk: bytes, value, obj, field: str, objects: list):
    """One way of changing an honest frame: a function (frame, request number) -> the bytes the grader reads."""

    def tamper(frame: bytes, number: int) -> bytes:
        header, payload = _split(frame)
        parsed = json.loads(header)
        if kind == "cut":
            return frame[: _at(frame, where)]
        if kind == "flip":
            i = _at(frame, where)
            return frame[:i] + bytes([frame[i] ^ (junk[0] | 1 if junk else 0xFF)]) + frame[i + 1 :]
        if kind == "insert":
            i = _at(frame, where)
            return frame[:i] + junk + frame[i:]
        if kind == "junk":
            return junk
        if kind == "extra":
            return frame + frame  # the same frame twice: the second is an extra one, read as the next reply
        if kind == "length":
            return min(int(where * 2**64), 2**64 - 1).to_bytes(8, "big") + frame[protocol.HEADER_BYTES :]
        if kind == "header":
            return _framed(json.dumps(value).encode(), payload)
        if kind == "body":
            parsed["body"] = {**obj, "id": number} if isinstance(obj, dict) else obj
            return _framed(json.dumps(parsed).encode(), payload)
        if kind == "replies":
            parsed["body"]["replies"] = objects
            return _framed(json.dumps(parsed).encode(), payload)
        replies = parsed["body"].get("replies")
        if not replies:
            return frame
        i = _at(bytes(len(replies)), where)
        if kind == "reply":
            replies[i] = obj
        else:  # an array description changed: its dtype, shape or size
            if not parsed["arrays"]:
                return frame
            parsed["arrays"][_at(bytes(len(parsed["arrays"])), where)][field] = value
        return _framed(json.dumps(parsed).encode(), payload)

    return tamper


tamperings = st.builds(
    tampered,
    st.sampled_from(KINDS),
    st.floats(0, 1),
    st.binary(max_size=64),
    json_values,
    json_objects,
    st.sampled_from(FIELDS),
    st.lists(json_objects, max_size=4),
)

HOSTILE = (None, True, -1, 2**70, 1.5, "x", "\ud800", [], [1], [[[]]], "<f8", [0] * 70, 10**12)
HOSTILE_OBJECTS = (
    {},
    {"values": [1]},
    {"value": {"type": 7}},
    {"value": {"type": "ndarray", "array": [1.0]}},
    {"value": {"type": "x", "size": -1}},
    {"raised": {"traceback": 5}},
    {"raised": {"op": "forward", "type": "E", "message": "\ud800", "traceback": [{"line": "3"}]}},
    {"echoed": {}},
    {"note": ["x"]},
    {"values": {"dWx": {"type": "missing"}}},
    {"replies": [], "refused": []},
)


def random_tampering(rng: random.Random):
    """A tampering drawn from ``rng``: the same kinds as ``tamperings``, with values from a list of hostile ones."""
    objects = [rng.choice(HOSTILE_OBJECTS) for _ in range(rng.randrange(4))]
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
    return tampered(rng.choice(KINDS), rng.random(), junk, rng.choice(HOSTILE), rng.choice(HOSTILE_OBJECTS), rng.choice(FIELDS), objects)


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """What the same answers earn when nothing changes them."""
    with fake_workers({"SimpleRNN": ZeroRNN}):
        report = api.grade(SUBMISSION, "dic-sprint22", out=tmp_path_factory.mktemp("honest"), max_examples=5, use_torch=False)
    return [p.score for p in report.problems]


def _reports_are_readable(folder: Path) -> dict:
    ET.parse(folder / "junit.xml")
    json.loads((folder / "results.json").read_text(encoding="utf-8"))
    (folder / "report.md").read_text(encoding="utf-8")
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_a_grading_ends_with_its_reports_and_no_more_points_than_its_answers_earned(honest, tmp_path):
    # 40 gradings, their tampering drawn by seeded generators, not by Hypothesis: a grading runs Hypothesis itself,
    # which must not be nested.
    for seed in range(40):
        rng = random.Random(seed)
        schedule = {n: random_tampering(rng) for n in rng.sample(range(1, 61), rng.randint(1, 4))}

        def tamper(frame: bytes, number: int, request: dict, schedule=schedule) -> bytes:
            return schedule[number](frame, number) if number in schedule else frame

        with fake_workers({"SimpleRNN": ZeroRNN}, tamper):
            report = api.grade(SUBMISSION, "dic-sprint22", out=tmp_path / str(seed), max_examples=5, use_torch=False)
        written = _reports_are_readable(tmp_path / str(seed))
        assert written["score"] == report.score, seed
        assert all(p.score <= earned for p, earned in zip(report.problems, honest)), seed
        # What reached a check was a valid reply: no check tripped over one and failed as the grader's own fault.
        assert not [c.message for p in report.problems for c in p.checks if "the grader could not run this check" in c.message], seed


FORWARD = [
    New("SimpleRNN", (2, 3)),
    Set({"Wx": np.ones((2, 3)), "Wh": np.ones((3, 3)), "B": np.ones(3)}),
    Call("forward", (np.ones((2, 4, 2)),)),
]
BACKWARD = [*FORWARD, Call("backward", (np.ones((2, 4, 3)),), echo=True), Get(("dWx", "dWh", "dB"))]


@settings(max_examples=300, deadline=None)
@given(tamper=tamperings, script=st.sampled_from([FORWARD, BACKWARD]))
def test_one_script_gets_valid_replies_or_worker_lost_whatever_comes_back(tamper, script):
    with fake_workers({"SimpleRNN": ZeroRNN}, lambda frame, number, _: tamper(frame, number)):  # the load's reply too
        session = WorkerSession({"op": "load", "sources": [], "mode": "module"}, blocked=frozenset(), memory_bytes=0)
        session.deadline = time.monotonic() + 60
        try:
            replies = session.run(list(script))
        except WorkerLost as lost:
            assert lost.reason and not lost.timeout
            return
        finally:
            session.close()
    assert 1 <= len(replies) <= len(script) and all(isinstance(r, (Done, Raised)) for r in replies)
    most = 4 * 2 * 4 * 3 + 1024  # what one value may hold for these inputs: 4 x (8 rows of X) x (3 columns of Wh), plus 1024
    for reply in replies:
        values = [reply.value, *reply.values.values(), *reply.echoed] if isinstance(reply, Done) else []
        assert all(value is None or value.array is None or value.array.size <= most for value in values)
