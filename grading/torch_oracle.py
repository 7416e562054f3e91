"""torch's answers from a process of its own, started first, so that torch imports while the other checks run.

Importing torch takes about three seconds here, longer than every other check
of a grading together. So a grading that needs torch, in a process that has
not imported it, starts this oracle at once: it imports torch on the other
core while the worker runs the checks that need no torch, and the torch parity
checks run last (``grading.score``). A process that already holds torch (a
batch's grading processes inherit it from their coordinator) asks
``checks.torch_parity`` directly instead.

The oracle runs the project's own code on inputs the grader drew; no student
code and nothing from the worker ever reaches it. It speaks ``grading.protocol``
over two pipes:

    request  {"x", "cells", "options"}             -> {"run": [out, h_n, c_n, grads]}  or  {"error"}
    request  {"op": "ready"}                        -> {"ready": true}   (once torch has imported)
"""

from __future__ import annotations

import os
import sys

from checks.torch_run import TorchRun
from grading import protocol
from grading.helper import Helper, answer_until_closed, detached, end_process, start_process

ANSWER_SECONDS = 120.0
"""How long one answer may take, torch's import included; only a broken installation takes this long."""


class OracleFailed(RuntimeError):
    """The oracle could not answer: torch failed to import, or the process died."""


class TorchOracle:
    """The grader's handle on its torch process.

    The process runs in a session of its own, so that a terminal's Ctrl-C
    reaches the grader only, and is killed when the grader ends, however it
    ends (``zygote.die_with_parent``).
    """

    def __init__(self):
        self.process, self.to_oracle, self.from_oracle = start_process("torch_oracle")
        self.owner = os.getpid()

    def _ask(self, message: dict) -> dict:
        try:
            protocol.send(self.to_oracle, message, timeout=ANSWER_SECONDS)
            reply = protocol.receive(self.from_oracle, timeout=ANSWER_SECONDS)
        except protocol.ProtocolError as error:
            raise OracleFailed(f"the torch process did not answer ({error})") from None
        if "error" in reply:
            raise OracleFailed(f"the torch process failed: {reply['error']}")
        return reply

    def ready(self) -> None:
        """Wait until torch has imported in the oracle."""
        self._ask({"op": "ready"})

    def run(self, x, cells, **options):
        """``checks.torch_parity.run``, answered by the oracle."""
        return TorchRun(*self._ask({"x": x, "cells": list(cells), "options": options})["run"])

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def close(self) -> None:
        """End the process and wait for it.

        Killed rather than asked: it holds nothing to save, and a process still
        importing torch reads its pipe only once the import is done.
        """
        end_process(self.process, self.to_oracle, self.from_oracle)


_oracle = Helper(TorchOracle)
"""This process's oracle, started on first use."""


def stop() -> None:
    """End this process's oracle, if it started one, and wait for it: what the grader calls before it exits.

    An oracle inherited through a fork belongs to the parent and is left alone.
    """
    _oracle.stop()


class _InProcess:
    """torch in this process: for a process that already imported it."""

    @staticmethod
    def ready() -> None:
        from checks import torch_parity  # noqa: F401, PLC0415 - already imported, or imported now

    @staticmethod
    def run(*args, **options):
        from checks import torch_parity  # noqa: PLC0415

        return torch_parity.run(*args, **options)


def oracle() -> TorchOracle | _InProcess:
    """Where this process gets torch's answers: itself when torch is loaded, else the oracle, started now if need be."""
    if "torch" in sys.modules:
        return _InProcess()
    return _oracle.get()


def serve(read_fd: int, write_fd: int, *, parent: int | None = None) -> None:
    """The oracle's side: import torch, then answer requests until the grader closes the channel or ends.

    ``parent``: the grader's pid, whose end, however it comes, kills this process.
    """
    detached(parent)
    try:
        import torch  # noqa: PLC0415

        torch.set_num_threads(1)
        from checks import torch_parity  # noqa: PLC0415
    except Exception as error:  # noqa: BLE001 - reported to the grader, which fails the torch checks with it
        failure: str | None = f"{type(error).__name__}: {error}"
    else:
        failure = None

    def answer(message: dict) -> dict:
        if failure:
            return {"error": f"torch did not import ({failure})"}
        if message.get("op") == "ready":
            return {"ready": True}
        try:
            return {"run": list(torch_parity.run(message["x"], message["cells"], **message["options"]))}
        except Exception as error:  # noqa: BLE001 - a fault here fails the check that asked, not the grading
            return {"error": f"{type(error).__name__}: {error}"}

    answer_until_closed(read_fd, write_fd, answer)
