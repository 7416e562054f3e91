"""Run a command under a child subreaper, so that every process it leaves behind can be found.

A process whose parent dies is reparented to the nearest ancestor that is a
child subreaper (``PR_SET_CHILD_SUBREAPER``), else to init. This helper makes
itself one and starts the command: whatever the command starts, even after
the command is killed, stays a descendant of the helper, where
``Subreaper.descendants`` finds it in /proc. The helper reaps the processes
that end, so that only the living are found, and kills whatever is left when
it is closed, so that a failing test leaves nothing on the machine.

As a script (``python subreaper.py COMMAND...``) it prints ``started PID`` and,
when the command ends, ``exited CODE``; it runs until its stdin closes. The
command's stdout and stderr go to the helper's stderr.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def children_by_parent() -> dict[int, list[int]]:
    """Every living process's pid under its parent's, read from /proc; zombies (ended, not yet reaped) are left out."""
    found: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            found.setdefault(int(fields[1]), []).append(int(name))
    return found


def generations(pid: int) -> list[list[int]]:
    """The living processes descended from ``pid``, by generation: its children, their children, and so on."""
    tree, found = children_by_parent(), []
    level = tree.get(pid, [])
    while level:
        found.append(level)
        level = [child for parent in level for child in tree.get(parent, [])]
    return found


def descendants(pid: int) -> list[int]:
    """The living processes descended from ``pid``."""
    return [child for level in generations(pid) for child in level]


def started(pids: list[int]) -> set[tuple[int, int]]:
    """Each process with its start time, which tells it apart from a later process given the same pid."""
    found = set()
    for pid in pids:
        try:
            found.add((pid, int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])))
        except (OSError, IndexError, ValueError):
            pass
    return found


def still_alive(processes: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of ``processes`` (from ``started``) that still run: same pid, same start, not a zombie."""
    living = {pid for pids in children_by_parent().values() for pid in pids}
    return {p for p in started([pid for pid, _ in processes if pid in living]) if p in processes}


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "(ended)"


class Subreaper:
    """The test's side: start ``command`` under the helper, and see what it and its descendants do."""

    def __init__(self, command: list[str], *, output=None):
        """``output``: where the command's stdout and stderr go (a file, or subprocess.DEVNULL; by default the test's stderr)."""
        self.helper = subprocess.Popen(
            [sys.executable, __file__, *command], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=output, text=True
        )
        self.pid = int(self._line("started"))  # the command's pid

    def _line(self, word: str) -> str:
        line = self.helper.stdout.readline().split()
        assert line and line[0] == word, f"the subreaper said {line}, not {word!r}"
        return line[1]

    def exit_code(self, timeout: float | None = None) -> int:
        """Wait for the command to end; its exit code (negative for a signal). TimeoutError if it runs past ``timeout``."""
        if timeout is not None and not select.select([self.helper.stdout], [], [], timeout)[0]:
            raise TimeoutError(f"still running after {timeout:g} s: {self.describe()}")
        return int(self._line("exited"))

    def processes(self) -> list[int]:
        """The command, if alive, and every living process it left, wherever its parent went."""
        return descendants(self.helper.pid)

    def wait_until(self, condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def describe(self) -> list[str]:
        return [f"{pid}: {command_line(pid)[:150]}" for pid in self.processes()]

    def close(self) -> None:
        self.helper.stdin.close()
        self.helper.wait(30)


def _reap() -> list[tuple[int, int]]:
    ended = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended.append((pid, os.waitstatus_to_exitcode(status)))


def main(command: list[str]) -> None:
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr)  # this stdout is the test's channel
    print("started", child.pid, flush=True)
    while not select.select([sys.stdin], [], [], 0.02)[0] or sys.stdin.read(1):
        for pid, code in _reap():
            if pid == child.pid:
                print("exited", code, flush=True)
    for _ in range(100):  # closed: kill whatever is left, the test's verdict is already taken
        left = descendants(os.getpid())
        if not left:
            break
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
        _reap()


if __name__ == "__main__":
    main(sys.argv[1:])
