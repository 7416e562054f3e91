"""A reply is bounded by its own script: no returned value may hold more than four times what the script's inputs
make an honest answer hold, and the whole frame no more than an honest reply's values and texts could fill. An
honest worker describes a larger value instead of sending it (a wrong answer that says so); a frame larger than the
bound is refused before it is read."""

import itertools
import time

import numpy as np
import pytest

from checks.session import Call, Get, New, Set, WorkerLost, to_wire
from grading import protocol, worker
from grading.worker import WorkerSession
from reference import stacked
from tests.grading.fake_worker import ZeroRNN, decode_frame, fake_workers


def session(code: str) -> WorkerSession:
    s = WorkerSession(
        {"op": "load", "sources": [{"file": "sub.py", "code": code}], "mode": "module"}, blocked=frozenset(), memory_bytes=1 << 30
    )
    s.deadline = time.monotonic() + 30
    return s


def scripts(kind: str, N: int, T: int, D: int, H: int):
    params = {k: np.zeros(s) for k, s in stacked.CELLS[kind].param_shapes(D, H).items()}
    x, h0, dh = np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((N, T, H))
    forward = [New("L", (D, H)), Set(params), Call("forward", (x,), {"h0": h0}, echo=True)]
    return forward, [*forward, Call("backward", (dh,)), Get(tuple(params))]


@pytest.mark.parametrize("kind", sorted(stacked.CELLS))
def test_every_honest_answer_fits_four_times_over_for_every_shape_a_check_draws(kind):
    # The strategies' ranges and the realistic cases': batch up to 16, 32 steps, 5 features, 6 nodes.
    for N, T, D, H in itertools.product((1, 4, 16), (1, 6, 32), range(1, 6), range(1, 7)):
        forward, backward = scripts(kind, N, T, D, H)
        outputs = [N * T * H, *([2 * N * T * H] if kind == "lstm" else [])]  # every h_t, or (hs, cs) from an LSTM
        assert 4 * max(outputs) <= protocol.most_entries([to_wire(op) for op in forward]), (N, T, D, H)
        gradients = [N * T * D, *(p.size for p in backward[1].attrs.values())]
        assert 4 * max(gradients) <= protocol.most_entries([to_wire(op) for op in backward]), (N, T, D, H)


def test_a_forward_returning_32_mib_is_a_wrong_answer_that_names_its_size_and_nothing_large_is_read():
    s = session("import numpy as np\nclass L:\n    def run(self, x):\n        return np.ones(32 * 2**20, np.uint8)\n")
    script = [New("L"), Call("run", (np.zeros((2, 3, 4)),))]
    try:
        value = s.run(script)[1].value
    finally:
        s.close()
    assert value.array is None, "32 MiB were read and widened to 256 MiB of float64"
    _, most, limit = worker.script_frame(script)
    assert value.size == 32 * 2**20 and value.most == most == 4 * 24 + protocol.RETURN_SLACK
    assert value.describe() == f"an ndarray of 33554432 values, more than the {most} one value may hold for these inputs"
    assert limit < 256 * 1024  # the most this script's reply frame may take, texts included


def test_a_forged_array_over_the_bound_ends_the_worker_before_its_bytes_are_read():
    script = [
        New("SimpleRNN", (2, 3)),
        Set({"Wx": np.ones((2, 3)), "Wh": np.ones((3, 3)), "B": np.ones(3)}),
        Call("forward", (np.ones((1, 2, 2)),)),
    ]
    _, most, limit = worker.script_frame(script)

    def enlarged(size):
        def tamper(frame, number, request):
            if request.get("op") == "load":
                return frame
            body = decode_frame(frame)
            body["replies"][2] = {"value": {"type": "ndarray", "array": np.ones(size, np.uint8)}}
            return protocol.encode(body)

        return tamper

    for size, said in ((most + 1, f"where one value may hold at most {most}"), (limit + 1, f"over the {limit}-byte limit")):
        with fake_workers({"SimpleRNN": ZeroRNN}, enlarged(size)):
            s = WorkerSession({"op": "load", "sources": [], "mode": "module"}, blocked=frozenset(), memory_bytes=0)
            s.deadline = time.monotonic() + 30
            with pytest.raises(WorkerLost, match="the worker sent a malformed reply") as lost:
                s.run(script)
            s.close()
        assert said in lost.value.reason
