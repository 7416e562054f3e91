"""report.html's pictures, drawn in a process of its own while the grading goes on.

matplotlib's import (about 0.3 s) and each drawing (about 20 ms) would otherwise come after the grading, on the way
to its report; a thread would not help, as the grading's own Python holds the interpreter. So a grading that finds a
wrong array orders its pictures here at once (``order``): the painter starts, imports matplotlib on the other core
while the worker runs the remaining checks, and draws each picture with ``grading.reports.pictures.draw``, the very
function report.html would call. report.html then takes each picture from here (``drawn``), waiting for one still
being drawn. A picture never ordered, or one the painter could not make, is drawn by report.html itself: the same
function on the same data, so the same SVG.

The painter runs the project's own code on arrays the grader holds; no student code and nothing from the worker
reaches it (the received arrays are numbers the grader already decoded). It speaks ``grading.protocol``:

    request  {"kind", "figure", "compared": {name, axes, worst, atol, rtol, expected, received}}  -> {"svg"} or {"error"}

Replies come in the order of the requests, and a thread of the grader's reads them as they come, so that neither
side ever waits on a full pipe.
"""

from __future__ import annotations

import hashlib
import os
import threading

from checks.results import Compared
from grading import protocol
from grading.helper import Helper, answer_until_closed, detached, end_process, start_process

WAIT_SECONDS = 20.0
"""How long report.html waits for a picture the painter was asked for before drawing it itself."""


def key(kind: str, figure: str, compared: Compared) -> str:
    """A picture's identity, by value: its kind, its figure's id and everything drawn from."""
    digest = hashlib.blake2b(repr((kind, figure, compared)).encode(), digest_size=16)
    for array in (compared.expected, compared.received):
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class Painter:
    """The grader's handle on its painting process, killed when the grader ends (``zygote.die_with_parent``)."""

    def __init__(self):
        self.process, self.to_painter, self.from_painter = start_process("painter")
        self.owner = os.getpid()
        self.ordered: list[str] = []  # keys, in the order of the requests
        self.done: dict[str, str | None] = {}  # key -> SVG text, or None when the painter could not draw it
        self.changed = threading.Condition()
        self.closed = False
        self.reader = threading.Thread(target=self._read, name="painter replies", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        answered = 0
        while True:
            try:
                reply = protocol.receive(self.from_painter)
            except (protocol.ProtocolError, OSError):
                break
            with self.changed:
                svg = reply.get("svg")
                self.done[self.ordered[answered]] = svg if isinstance(svg, str) else None
                answered += 1
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def order(self, kind: str, figure: str, compared: Compared) -> None:
        wanted = key(kind, figure, compared)
        with self.changed:
            if wanted in self.ordered:
                return
            self.ordered.append(wanted)
        message = {
            "kind": kind,
            "figure": figure,
            "compared": {**compared.to_dict(), "expected": compared.expected, "received": compared.received},
        }
        try:
            protocol.send(self.to_painter, message, timeout=WAIT_SECONDS)
        except (protocol.ProtocolError, OSError):
            self.close()  # a frame half sent leaves the channel unreadable: report.html draws whatever was not drawn

    def drawn(self, kind: str, figure: str, compared: Compared) -> str | None:
        """The picture if it was ordered, once drawn; None if it was not, or could not be drawn in time."""
        wanted = key(kind, figure, compared)
        with self.changed:
            if wanted not in self.ordered:
                return None
            self.changed.wait_for(lambda: wanted in self.done or self.closed, timeout=WAIT_SECONDS)
            return self.done.get(wanted)

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def close(self) -> None:
        """End the process, then, once the reader has seen the channel close, the pipes: the reader never reads from a
        descriptor that was closed (and perhaps reused) under it."""
        self.process.kill()
        self.process.wait()
        if self.reader is not threading.current_thread():
            self.reader.join(timeout=WAIT_SECONDS)
        end_process(self.process, self.to_painter, self.from_painter)


_painter = Helper(Painter)
"""This process's painter, started at the first order."""


def order(kind: str, figure: str, compared: Compared) -> None:
    """Have ``pictures.draw(kind, compared, figure)`` drawn now, in the painter (started if need be)."""
    _painter.get().order(kind, figure, compared)


def drawn(kind: str, figure: str, compared: Compared) -> str | None:
    """The painter's drawing of an ordered picture, waiting for it if need be; None when there is none to take."""
    painter = _painter.running()
    return None if painter is None else painter.drawn(kind, figure, compared)


def running() -> Painter | None:
    """This process's painter, if it started one that is alive."""
    return _painter.running()


def stop() -> None:
    """End this process's painter, if it started one, and wait for it (one inherited through a fork is left alone)."""
    _painter.stop()


def serve(read_fd: int, write_fd: int, *, parent: int | None = None) -> None:
    """The painter's side: import matplotlib, then draw each request until the grader closes the channel or ends."""
    detached(parent)
    from grading.reports import pictures  # noqa: PLC0415

    try:
        import matplotlib.backends.backend_svg  # noqa: F401, PLC0415 - imported now, while the grading goes on
        import matplotlib.figure  # noqa: F401, PLC0415
    except Exception:  # noqa: BLE001, S110 - each drawing then fails with the reason, and report.html draws it itself
        pass

    def answer(message: dict) -> dict:
        try:
            data = message["compared"]
            compared = Compared.kept(
                data["name"],
                tuple(data["axes"]),
                data["expected"],
                data["received"],
                worst=tuple(data["worst"]),
                atol=data["atol"],
                rtol=data["rtol"],
            )
            return {"svg": pictures.draw(message["kind"], compared, message["figure"])}
        except Exception as error:  # noqa: BLE001 - report.html draws this one itself
            return {"error": f"{type(error).__name__}: {error}"}

    answer_until_closed(read_fd, write_fd, answer)
