"""This process's one helper process of a kind (its zygote, its torch oracle): started on first use, started again
once it has died, and ended only by the process that started it.

A process forked from the grader (a batch's grading process) inherits the handle but not the helper, which
belongs to the parent: ``stop`` leaves it alone there, and the child's first ``get`` starts one of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


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
