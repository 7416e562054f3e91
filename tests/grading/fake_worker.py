"""A worker with no process: it answers in this process, as an honest worker would, then hands the grader whatever
bytes a test makes of that answer.

``FakeWorker`` stands in for ``grading.worker.WorkerProcess``: the grader's real ``request`` sends each request to
/dev/null and reads the reply from a memory file holding ``reply(frame, number)``'s bytes. By default those are the
frame an honest worker would send, from ``grading.worker_main.Worker`` running ``classes`` here; a test changes them
by setting ``FakeWorker.tamper`` to a function of (honest frame bytes, request number, decoded request) -> bytes.

    with fake_workers({"SimpleRNN": ZeroRNN}, tamper=flip_a_byte):
        report = api.grade(path, "dic-sprint22", out=folder, use_torch=False)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import ClassVar
from unittest import mock

import numpy as np

from grading import protocol, worker
from grading.worker_main import Worker


class ZeroRNN:
    """Zeros of the right shape from forward and backward: the answers of ``tests/fixtures/red_team`` zero classes."""

    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx, self.Wh, self.B = np.zeros((n_features, n_nodes)), np.zeros((n_nodes, n_nodes)), np.zeros(n_nodes)

    def forward(self, X, h0=None):
        return np.zeros((X.shape[0], X.shape[1], self.Wh.shape[0]))

    def backward(self, dH):
        self.dWx, self.dWh, self.dB = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.B)
        return np.zeros((dH.shape[0], dH.shape[1], self.Wx.shape[0]))


Tamper = Callable[[bytes, int, dict], bytes]


def decode_frame(frame: bytes):
    """The message a whole frame (8-byte length, header, payload) carries."""
    length = int.from_bytes(frame[: protocol.HEADER_BYTES], "big")
    return protocol.decode(frame[protocol.HEADER_BYTES : protocol.HEADER_BYTES + length], frame[protocol.HEADER_BYTES + length :])


class _Silent:
    """What the grader reads of a worker's stdout or stderr: nothing."""

    dropped = 0

    def text(self) -> str:
        return ""

    def join(self, timeout=None) -> None:
        pass


class FakeWorker(worker.WorkerProcess):
    classes: ClassVar[dict] = {}
    tamper: Tamper | None = None
    requests: ClassVar[list] = []  # (number, decoded request) for each request answered, over every fake worker

    def __init__(self, **_options):  # no process, no pipes: see the module docstring
        self.pid, self.returncode, self.killed, self.isolation = -1, 0, False, "a fake worker, no process"
        self.to_worker = os.open(os.devnull, os.O_WRONLY)
        self.from_worker = -1
        self.progress = bytearray(worker.PROGRESS_BYTES)
        self.stdout = self.stderr = _Silent()
        self.answerer = Worker(mock.Mock(refused=[]))
        self.answerer.namespace = dict(self.classes)

    def honest(self, message: dict | bytes, number: int) -> tuple[bytes, dict]:
        """The frame an honest worker sends in reply to ``message`` as request ``number``, and the request decoded."""
        if isinstance(message, bytes):
            message = decode_frame(message)
        if message.get("op") == "load":
            reply = {"warnings": [], "classes": sorted(self.classes), "methods": {}, "refused": [], "isolation": "a fake worker"}
            reply["methods"] = {name: ["backward", "forward"] for name in self.classes}
        elif message.get("op") == "discover":
            reply = self.answerer.discover(message["contract"], message["probes"])
        elif message.get("op") == "bind":
            reply = self.answerer.bind(message["bindings"])
        elif message.get("op") == "scripts":
            reply = {"replies": [self.answerer.script(ops) for ops in message["scripts"]], "refused": []}
        else:
            reply = {"replies": self.answerer.script(message["ops"]), "refused": []}
        return protocol.encode({**reply, "id": number}), message

    def request(self, message, timeout, *, number=0, limit=protocol.MAX_MESSAGE_BYTES):
        frame, decoded = self.honest(message, number)
        type(self).requests.append((number, decoded))
        data = frame if self.tamper is None else type(self).tamper(frame, number, decoded)
        self.from_worker = os.memfd_create("fake-worker-reply")
        os.write(self.from_worker, data)
        os.lseek(self.from_worker, 0, os.SEEK_SET)
        try:
            return super().request(message, timeout, number=number, limit=limit)
        finally:
            os.close(self.from_worker)
            self.from_worker = -1

    def running(self) -> int | None:
        return None

    def kill(self) -> None:
        pass

    def close(self) -> None:
        if self.to_worker >= 0:
            os.close(self.to_worker)
            self.to_worker = -1


@contextlib.contextmanager
def fake_workers(classes: dict, tamper: Tamper | None = None) -> Iterator[type[FakeWorker]]:
    """Every worker started inside the block is a FakeWorker answering with ``classes``, its frames changed by ``tamper``."""
    fake = type("Fake", (FakeWorker,), {"classes": classes, "tamper": staticmethod(tamper) if tamper else None, "requests": []})
    with mock.patch.object(worker, "WorkerProcess", fake):
        yield fake
