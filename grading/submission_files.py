"""A submission's files, read without following a link, without blocking and without reading more than a cap.

Git stores symbolic links, so a cloned repository may hold ``rnn.py -> /etc/shadow``, a link to a classmate's
file or to the reference solution, or a link to something that never ends (/proc/kmsg, a FIFO). The grader
reads submissions as root and before any isolation, so every read of one goes through ``read_regular``: the
file is checked with ``lstat`` to be a regular file, opened with ``O_NOFOLLOW | O_NONBLOCK``, checked again on
the descriptor (the same file, still regular), and its size is checked before a byte is read; at most the cap
is ever read. Folders are listed by ``scan``, which follows no link and names each one it left out.

Nothing here imports more than the standard library: the zygote uses it to copy a repository's files.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from dataclasses import dataclass
from pathlib import Path

SOURCE_SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = {"__pycache__", "node_modules", "site-packages", "venv", ".venv", "env"}
ENVIRONMENT_MARKERS = {"pyvenv.cfg", "site-packages"}
"""A folder holding either is a Python environment, whatever its name: none of its files is the student's."""
MAX_FILES = 2000
MAX_FOLDER_BYTES = 256 * 2**20
"""What a scan lists of one folder, in all: a repository of 2000 ten-megabyte files is not read whole."""
MAX_ENTRIES = 100_000
"""Directory entries a scan looks at before it stops, however few of them are source files."""

OVER_BUDGET = f"over the {MAX_FOLDER_BYTES // 2**20} MiB the grader reads of a folder in all"
_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO, not a regular file",
    stat.S_IFCHR: "a device, not a regular file",
    stat.S_IFBLK: "a device, not a regular file",
    stat.S_IFSOCK: "a socket, not a regular file",
    stat.S_IFDIR: "a folder, not a file",
}
PLURALS = {
    "a symbolic link": "symbolic links",
    "a FIFO, not a regular file": "FIFOs, not regular files",
    "a device, not a regular file": "devices, not regular files",
    "a socket, not a regular file": "sockets, not regular files",
    "a folder, not a file": "folders, not files",
    "not a regular file": "not regular files",
    OVER_BUDGET: OVER_BUDGET,
}
"""Each reason ``why_not_regular`` gives, said of several files."""


class Refused(ValueError):
    """A file that was not read, or not whole; the message names it and says why."""


def why_not_regular(mode: int) -> str:
    """Why a file of this ``st_mode`` is not read ("a symbolic link", ...), or "" for a regular file."""
    return "" if stat.S_ISREG(mode) else _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_regular(path: str | Path, cap: int, *, name: str | None = None) -> bytes:
    """The bytes of the regular file at ``path``, at most ``cap`` of them; Refused for a link, anything else but a
    regular file, or a file over ``cap`` (told by its size, before reading). A missing file is an OSError.

    A link in the last part of ``path`` is never followed; a FIFO or a device is never opened.
    """
    name = name or Path(path).name
    before = os.lstat(path)
    why = why_not_regular(before.st_mode)
    if why:
        raise Refused(f"{name} is {why}; it was not read")
    if before.st_size > cap:
        raise Refused(f"{name} is {before.st_size} bytes; the limit is {cap}")
    # O_NONBLOCK: should the file be swapped for a FIFO since lstat, opening it does not wait for a writer.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(opened.st_mode):
            raise Refused(f"{name} changed while it was being read; it was not read")
        if opened.st_size > cap:
            raise Refused(f"{name} is {opened.st_size} bytes; the limit is {cap}")
        chunks, size = [], 0
        while size <= cap:  # one byte past the cap tells a file that grew since fstat
            chunk = os.read(fd, min(1 << 24, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > cap:
        raise Refused(f"{name} is more than {cap} bytes; the limit is {cap}")
    return b"".join(chunks)


@dataclass(frozen=True)
class Scan:
    """What ``scan`` found in a folder.

    ``files``: the regular files with the wanted suffixes, those of shallower folders first, each folder's by
    name. ``ignored``: (path inside the folder, why) for each symbolic link, each file with a wanted suffix that
    is not a regular file, and each that would take the files past MAX_FOLDER_BYTES. ``complete``: False when the
    scan stopped at MAX_FILES files or MAX_ENTRIES entries.
    """

    files: tuple[Path, ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()
    complete: bool = True


def is_environment(names: set[str]) -> bool:
    """Whether a folder whose entries have these ``names`` is a Python environment (a venv, a conda env's lib/pythonX.Y)."""
    return not ENVIRONMENT_MARKERS.isdisjoint(names)


def scan(folder: str | Path, suffixes: tuple[str, ...] = SOURCE_SUFFIXES, *, skipped: frozenset[str] | set[str] = SKIPPED_DIRS) -> Scan:
    """The files of ``folder`` worth reading, breadth first, following no link.

    Hidden entries, the folders named in ``skipped`` and Python environments (any folder below ``folder`` that
    holds ``pyvenv.cfg`` or ``site-packages``) are not walked. Breadth first, so that thousands of files in deeper
    folders can never hide a file nearer the top behind the MAX_FILES cap. Sizes are told by ``lstat``: nothing is
    opened. A ``folder`` that is itself a link is not listed.
    """
    folder = Path(folder)
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return Scan()
    except OSError:
        return Scan()
    files: list[Path] = []
    ignored: list[tuple[str, str]] = []
    total = seen = 0
    waiting: deque[Path] = deque([folder])
    while waiting:
        current = waiting.popleft()
        try:
            with os.scandir(current) as listing:
                found = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        seen += len(found)
        if current != folder and is_environment({e.name for e in found}):
            continue
        for entry in found:
            if entry.name.startswith("."):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            mode, size = info.st_mode, info.st_size
            why = ""
            if stat.S_ISDIR(mode):
                if entry.name not in skipped:
                    waiting.append(Path(entry.path))
            elif stat.S_ISLNK(mode) or (entry.name.endswith(suffixes) and not stat.S_ISREG(mode)):
                why = why_not_regular(mode)
            elif not entry.name.endswith(suffixes):
                pass
            elif len(files) >= MAX_FILES:
                return Scan(tuple(files), tuple(ignored), complete=False)
            elif total + size > MAX_FOLDER_BYTES:
                why = OVER_BUDGET
            else:
                files.append(Path(entry.path))
                total += size
            if why and len(ignored) < MAX_FILES:
                ignored.append((str(Path(entry.path).relative_to(folder)), why))
        if seen >= MAX_ENTRIES and waiting:
            return Scan(tuple(files), tuple(ignored), complete=False)
    return Scan(tuple(files), tuple(ignored))
