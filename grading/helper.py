"""This process's one helper process of a kind (its zygote, its torch oracle): started on first use, started again
once it has died, and ended only by the process that started it.

A process forked from the grader (a batch's grading process) inherits the handle but not the helper, which
belongs to the parent: ``stop`` leaves it alone there, and the child's first ``get`` starts one of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from grading import protocol

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); from grading import {module}; "
    "{module}.serve(int(sys.argv[1]), int(sys.argv[2]), parent=int(sys.argv[3]))"
)


def start_process(module: str) -> tuple[subprocess.Popen, int, int]:
    """Start ``grading.<module>.serve(read_fd, write_fd, parent=this pid)`` in a Python of its own: isolated mode, run
    from /, in a session of its own (a terminal's Ctrl-C reaches the grader only), one thread per numeric library.
    The process, the fd that writes to it and the fd that reads from it."""
    to_helper_r, to_helper = os.pipe()
    from_helper, from_helper_w = os.pipe()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-c",
            BOOTSTRAP.format(root=str(ROOT), module=module),
            str(to_helper_r),
            str(from_helper_w),
            str(os.getpid()),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        env=env,
        cwd="/",
        pass_fds=(to_helper_r, from_helper_w),
        start_new_session=True,
    )
    os.close(to_helper_r)
    os.close(from_helper_w)
    return process, to_helper, from_helper


def detached(parent: int | None) -> None:
    """A helper process's first step: a terminal's Ctrl-C is the grader's to handle, and the grader's end, however it
    comes, kills it (``parent``: the grader's pid)."""
    from grading.zygote import die_with_parent  # noqa: PLC0415 - only a helper's process needs it

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(signal.SIGKILL, parent=parent)


def answer_until_closed(read_fd: int, write_fd: int, answer: Callable[[dict], dict]) -> None:
    """A helper's loop: each request read from ``read_fd`` answered on ``write_fd``, until the grader closes the channel."""
    while True:
        try:
            message = protocol.receive(read_fd)
        except protocol.ChannelClosed:
            return
        protocol.send(write_fd, answer(message))


def end_process(process: subprocess.Popen, *fds: int) -> None:
    """Close the helper's pipes, kill it and wait for it: it holds nothing to save."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
    process.kill()
    process.wait()


class Handle(Protocol):
    """The grader's side of a helper process."""

    owner: int  # the pid of the process that started the helper

    def alive(self) -> bool: ...

    def close(self) -> None: ...


H = TypeVar("H", bound=Handle)


class Helper(Generic[H]):
    """Holds the handle of this process's helper, started by ``start`` when needed."""

    def __init__(self, start: Callable[[], H]):
        self._start = start
        self._handle: H | None = None

    def get(self) -> H:
        """The helper, started now if this process has none alive."""
        if self._handle is None or not self._handle.alive():
            self._handle = self._start()
        return self._handle

    def running(self) -> H | None:
        """The helper if this process has one alive, else None; never starts one."""
        if self._handle is not None and self._handle.alive():
            return self._handle
        return None

    def forget(self) -> None:
        """Let go of the helper without ending it, so that the next ``get`` starts a fresh one."""
        self._handle = None

    def stop(self) -> None:
        """End the helper, if this process started it, and wait for it; forget it either way."""
        if self._handle is not None and self._handle.owner == os.getpid():
            self._handle.close()
        self._handle = None
