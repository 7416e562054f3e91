"""A submission as bytes, for a grading process on another machine: packed by the driver, unpacked into a temporary folder.

A cluster's workers share no filesystem with the driver, so the driver reads each submission (``pack``) exactly as
the grader reads it anywhere: through ``submission_files``, following no link, capped. Everything that a grading
could look at travels, and nothing else:

- the source files that ``grading.load`` scans (.py and .ipynb, as ``scan`` finds them), with their bytes and their
  modification times (a folder's newest real implementation is the one graded);
- the .py files the zygote copies for a repository's imports (``zygote._python_files``: folders such as ``env/``
  too);
- what those scans leave out, by kind only: a symbolic link travels as "a link" (never its target), a file over
  the grader's limits as its size alone (``unpack`` recreates it sparse, so every reader refuses it by its size, as
  it would the original), a FIFO as a FIFO.

``unpack`` recreates the entry under its own name in a folder of the grading process's own, so that a grading of
the copy reads what a grading of the original would, and its reports match byte for byte but for the path and
the timings. Standard library only, like ``submission_files``.
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from grading.submission_files import OVER_BUDGET, Refused, read_regular, scan, why_not_regular

NOTEBOOK_BYTES = 200 * 2**20  # grading.load.NOTEBOOK_BYTES: the largest notebook any reader reads
PYTHON_BYTES = 20 * 2**20  # grading.zygote.COPY_LIMIT, above load's MAX_SOURCE_BYTES: the largest .py any reader reads
FILE, SIZED, LINK, FIFO, SOCKET, DEVICE = "file", "sized", "link", "fifo", "socket", "device"
_KIND_OF = {
    "a symbolic link": LINK,
    "a FIFO, not a regular file": FIFO,
    "a socket, not a regular file": SOCKET,
    "a device, not a regular file": DEVICE,
    OVER_BUDGET: SIZED,
}


@dataclass(frozen=True)
class Packed:
    """One entry of a submission: ``inside`` is its path in the submission folder (a lone file's own name).

    ``kind``: FILE (``data`` holds its bytes), SIZED (a regular file over every reader's limit: only ``size``
    travels), LINK, FIFO, SOCKET or DEVICE (nothing travels but the kind). ``mtime_ns``: its modification time.
    """

    inside: str
    kind: str
    data: bytes = b""
    size: int = 0
    mtime_ns: int = 0


@dataclass(frozen=True)
class Parcel:
    """A submission to be graded elsewhere: the entry's ``name``, whether it is a ``folder``, and its ``entries``."""

    name: str
    folder: bool
    entries: tuple[Packed, ...]

    @property
    def size(self) -> int:
        """Bytes of file content it carries."""
        return sum(len(e.data) for e in self.entries)


def _cap(name: str) -> int:
    return NOTEBOOK_BYTES if name.endswith(".ipynb") else PYTHON_BYTES


def _regular(path: Path, inside: str) -> Packed | None:
    """The regular file at ``path``, read as the grader reads it; over its limit, its size alone; gone, nothing."""
    try:
        info = os.lstat(path)
        data = read_regular(path, _cap(path.name))
    except Refused:
        kind = _KIND_OF.get(_why_refused(path), SIZED)
        return Packed(inside, kind, size=info.st_size if kind == SIZED else 0, mtime_ns=info.st_mtime_ns)
    except OSError:
        return None
    return Packed(inside, FILE, data, len(data), info.st_mtime_ns)


def _why_refused(path: Path) -> str:
    try:
        return why_not_regular(os.lstat(path).st_mode)
    except OSError:
        return ""


def pack(path: str | Path) -> Parcel:
    """The submission at ``path`` (a file or a folder), as the grader may read it; a folder's entries in scan order."""
    path = Path(path)
    try:
        is_folder = stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        is_folder = False
    if not is_folder:
        single = _regular(path, path.name)
        return Parcel(path.name, False, (single,) if single else ())
    entries: dict[str, Packed] = {}
    scanned = scan(path)
    for file in scanned.files:
        packed = _regular(file, str(file.relative_to(path)))
        if packed:
            entries[packed.inside] = packed
    for inside, why in scanned.ignored:
        kind = _KIND_OF.get(why, FIFO)
        info = _lstat(path / inside)
        if info is not None:
            entries[inside] = Packed(inside, kind, size=info.st_size if kind == SIZED else 0, mtime_ns=info.st_mtime_ns)
    copied = 0  # as zygote._python_files counts: each .py it copies, in its scan's order, within PYTHON_BYTES in all
    for file in scan(path, (".py",), skipped=frozenset()).files:
        inside = str(file.relative_to(path))
        known = entries.get(inside)
        if known is not None and known.kind == FILE:
            copied += len(known.data) if len(known.data) <= PYTHON_BYTES - copied else 0
            continue
        try:  # beyond load's scan, or over its folder budget: the zygote may still copy it
            data = read_regular(file, PYTHON_BYTES - copied)
        except (Refused, OSError):
            continue
        entries[inside] = Packed(inside, FILE, data, len(data), os.lstat(file).st_mtime_ns)
        copied += len(data)
    return Parcel(path.name, True, tuple(entries.values()))


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def unpack(parcel: Parcel, into: str | Path) -> Path:
    """Recreate ``parcel`` as ``into/<name>``, a new path; the path. Each entry is created anew, through no link."""
    into = Path(into)
    if not _plain(parcel.name) or "/" in parcel.name:
        raise ValueError(f"parcel name {parcel.name!r} is not a plain file name")
    root = into / parcel.name
    if parcel.folder:
        root.mkdir()
    for entry in parcel.entries:
        if not _plain(entry.inside):
            raise ValueError(f"parcel entry {entry.inside!r} is not a relative path inside the submission")
        target = root / entry.inside if parcel.folder else root
        target.parent.mkdir(parents=True, exist_ok=True)
        _create(target, entry)
    return root


def _plain(relative: str) -> bool:
    parts = Path(relative).parts
    return bool(parts) and not Path(relative).is_absolute() and ".." not in parts and "." not in parts


def _create(target: Path, entry: Packed) -> None:
    if entry.kind in (FILE, SIZED):
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as file:
            if entry.kind == FILE:
                file.write(entry.data)
            else:
                file.truncate(entry.size)  # sparse: no reader goes past lstat's size
    elif entry.kind == LINK:
        os.symlink("not-followed", target)  # only its being a link matters: nothing ever follows one
        return
    elif entry.kind == SOCKET:
        _make_socket(target)
    elif entry.kind == DEVICE and os.geteuid() == 0:
        os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers; never opened
    else:
        os.mkfifo(target, 0o600)  # a FIFO, or a device where this process may not make one: neither is ever opened
    os.utime(target, ns=(entry.mtime_ns, entry.mtime_ns), follow_symlinks=False)


def _make_socket(target: Path) -> None:
    """A socket file at ``target``, or a FIFO where its path is too long for one (107 bytes)."""
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(target))
    except OSError:
        os.mkfifo(target, 0o600)
    finally:
        listener.close()
