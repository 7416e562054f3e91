"""The walls around a worker: its namespaces, its root, its user, and whether this machine can build them.

Three ways a worker can run, chosen once per process by ``isolation()``:

- ``ROOT`` (the grader is root): new mount, PID and network namespaces, and a user of
  its own. Its uid and gid are ``WORKER_IDS.start`` plus the pid of its keeper
  (``grading.zygote``), a process that lives exactly as long as the worker's
  namespace: no two living processes share a pid, so no two running workers,
  of this grader or of another on the machine, share a uid. No account may
  hold one of these ids (checked with ``pwd`` and ``grp`` before each start).
- ``USER`` (not root, unprivileged user namespaces available): the same mount,
  PID and network namespaces, inside a user namespace of its own that maps only the
  grader's uid and gid to themselves. The worker keeps that uid (an
  unprivileged user cannot map others) and drops every capability it had in
  its namespace, so it cannot undo a mount or make another namespace.
- ``NONE``: no namespaces, only limits; the worker runs as the grader's user
  (as root: still a uid of its own). Every report says so, and ``batch``
  refuses to run this way unless told to.

The root is an allowlist, not the machine with holes in it: an empty tmpfs
into which only the system folders, Python's own folders and a few devices are
bound read-only, and a fresh tmpfs on /tmp as the workspace. No checkout of the
project, no submission, no report, no /proc, /var/tmp or /dev/shm exists there.
Inside Python's folders, the forbidden packages (torch, tensorflow, keras, jax,
jaxlib, this project's) are made absent by an overlay whose top layer holds a
whiteout for each, so an import of them fails with ModuleNotFoundError whatever
the worker does to its import hooks. The paths the grader names (its packages,
the submissions, the reports) are covered by empty mounts besides.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import grp
import importlib.machinery
import os
import pwd
import stat
import sys
import tempfile
from dataclasses import dataclass
from glob import glob
from pathlib import Path

ROOT, USER, NONE = "root", "user", ""
WORKER_IDS = range(0x70000000, 0x70000000 + 2**22)
"""The ids workers run as when the grader is root, one per keeper pid (2**22 is the kernel's highest pid_max): a range
that systemd's table of uids leaves unused (1879048192 and up), far from accounts and from the ranges given to
containers."""

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_RELATIME, MS_PRIVATE = 1024, 2048, 4096, 16384, 1 << 21, 1 << 18
KEPT_FLAGS = ((os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME))
KEPT_FLAGS += ((os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
"""A bind's flags that a read-only remount must repeat: in a user namespace, those of a mount from outside are locked."""
MNT_DETACH = 2
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
CAPABILITY_VERSION_3 = 0x20080522

SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
DEVICES = ("null", "zero", "full", "random", "urandom")
WORKSPACE = "size=64m,mode=0700"
FORBIDDEN_LAYER = ".forbidden"
"""The scratch folder, in the new root, where each overlay's layer of whiteouts is made; gone before the worker starts."""

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Isolation:
    """How this machine lets the grader wall its workers in: ``mode`` (ROOT, USER or NONE) and the report's note."""

    mode: str
    note: str

    @property
    def isolated(self) -> bool:
        return self.mode != NONE


@functools.lru_cache(maxsize=1)
def isolation() -> Isolation:
    """The walls a worker gets here, found by building them once in a child process (a few milliseconds)."""
    if os.geteuid() == 0:
        why = _probe(ROOT)
        if not why:
            return Isolation(ROOT, "its own mount, PID and network namespaces and a user of its own")
        return Isolation(NONE, f"no isolation but a user of its own (namespaces are unavailable here: {why})")
    why = _probe(USER)
    if not why:
        return Isolation(USER, "its own user, mount, PID and network namespaces")
    return Isolation(
        NONE,
        f"no isolation (the grader is not root and user namespaces are unavailable: {why});"
        " it could read and write what the grader's user can, and signal its processes",
    )


def _probe(mode: str) -> str:
    """Why ``mode``'s walls cannot be built here, or "" when they can: tried in a child process, which then exits."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read)
            _build_a_sample(mode)
        except BaseException as error:  # noqa: BLE001 - anything at all, reported and never raised past the fork
            why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            os.write(write, (why or type(error).__name__).encode()[:300])
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        why = pipe.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    return why or ("" if status == 0 else f"the probe ended with status {status}")


def _build_a_sample(mode: str) -> None:
    """What every worker start does, in small: the namespaces, a tmpfs, a read-only bind, an overlay, a pid 1."""
    enter(mode)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    scratch = tempfile.gettempdir()
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID, "size=1m,mode=0755")
    for name in ("layer", "lower", "merged"):
        os.mkdir(os.path.join(scratch, name))
    os.mknod(os.path.join(scratch, "layer", "gone"), stat.S_IFCHR | 0o600, os.makedev(0, 0))
    merged = os.path.join(scratch, "merged")
    _mount("overlay", merged, "overlay", MS_RDONLY | MS_NOSUID, f"lowerdir={scratch}/layer:{scratch}/lower")
    _bind_read_only(next(p for p in SYSTEM_PATHS if os.path.isdir(p) and not os.path.islink(p)), scratch)
    child = os.fork()
    if child == 0:
        os._exit(0 if os.getpid() == 1 else 1)
    if os.waitpid(child, 0)[1] != 0:
        raise OSError(errno.EINVAL, "the first process of a new PID namespace is not pid 1")


def enter(mode: str) -> None:
    """Unshare the mount, PID and network namespaces (the next child forked is pid 1), and for USER a user namespace first.

    The network namespace holds only a loopback that is down: a worker reaches no machine, this one included, so
    no service the grader or a cluster listens on (a Dask scheduler, ``grading.cluster``) is within its reach.

    In a user namespace, only the caller's own uid and gid are mapped, to themselves: the one mapping an
    unprivileged process may write.
    """
    uid, gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | (CLONE_NEWUSER if mode == USER else 0)), "unshare")
    if mode == USER:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)


def worker_ids() -> tuple[int, int]:
    """The uid and gid the worker started by this process (its keeper) runs as.

    As root: ``WORKER_IDS.start`` + this pid for both, after checking that no user or group holds it. Otherwise the
    grader's own, the only ones there are.
    """
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    pid = os.getpid()
    if pid >= len(WORKER_IDS):
        raise OSError(errno.ERANGE, f"pid {pid} is beyond the {len(WORKER_IDS)} ids kept for workers")
    uid = WORKER_IDS.start + pid
    for lookup, kind in ((pwd.getpwuid, "user"), (grp.getgrgid, "group")):
        try:
            taken = lookup(uid)[0]
        except KeyError:
            continue
        raise OSError(errno.EEXIST, f"the id {uid}, kept for a worker, belongs to the {kind} {taken}")
    return uid, uid


def build_root(root: str, *, owner: tuple[int, int], hidden: list[str], forbidden: dict[str, list[str]]) -> None:
    """Mount the worker's root on the folder ``root`` and enter it (chroot); /tmp, its workspace, belongs to ``owner``.

    Call it after ``enter``. ``hidden``: paths to cover should they sit inside an allowed folder; ``forbidden``: the
    entries to make absent from each folder of Python's (``forbidden_entries``).
    """
    hidden = [str(Path(p).resolve()) for p in hidden]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID, "size=1m,mode=0755")
    workspace = Path(root, "tmp")  # first, so that a Python living under /tmp (a venv) is bound inside it, not covered by it
    workspace.mkdir(mode=0o755)
    _mount("tmpfs", str(workspace), "tmpfs", MS_NOSUID | MS_NODEV, f"{WORKSPACE},uid={owner[0]},gid={owner[1]}")
    for path in _allowed_paths(hidden):
        _bind_read_only(path, root)
    for folder, names in forbidden.items():
        if os.path.isdir(root + folder):  # inside an allowed folder
            _make_absent(root, folder, names)
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            target = Path(root, "dev", name)
            target.parent.mkdir(mode=0o755, exist_ok=True)
            target.touch()
            _mount(f"/dev/{name}", str(target), None, MS_BIND)
    for path in hidden:
        _cover(root + path)
    _mount(None, root, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)  # in a user namespace, the worker owns it
    os.chroot(root)
    os.chdir("/")


def drop_privileges(mode: str, ids: tuple[int, int]) -> None:
    """Become the worker's user for good: as root, its own ids and no groups; in a user namespace, no capability left.

    Either way ``no_new_privs`` follows, so no program it runs (a set-user-ID one included) gets any of it back.
    """
    if mode == USER:
        _drop_capabilities()
    elif os.geteuid() == 0:
        uid, gid = ids
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """Empty the bounding, ambient, effective, permitted and inheritable sets (the bounding set first: that needs one)."""
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break  # past the last capability this kernel knows
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _check(_libc.capset(ctypes.byref(_CapHeader(CAPABILITY_VERSION_3, 0)), (_CapData * 2)()), "capset")


@functools.lru_cache(maxsize=8)
def forbidden_entries(blocked: frozenset[str]) -> dict[str, list[str]]:
    """Each of Python's folders that holds a way to import a ``blocked`` name, with those entries.

    A package folder (``torch``), a module (``grader.py``, ``.pyc``) or an extension (``.so``), in every folder of the
    import path and every site- or dist-packages folder of the system's Pythons (a submission may add any of them to
    sys.path). Found once per process (the zygote), not once per worker.
    """
    names = {name + suffix for name in blocked for suffix in ("", *importlib.machinery.all_suffixes())}
    folders = {p for p in sys.path if p} | {sys.prefix, sys.base_prefix}
    for pattern in ("/usr/lib*/python3*/*-packages", "/usr/local/lib*/python3*/*-packages", "/usr/lib/python3/dist-packages"):
        folders.update(glob(pattern))
    found: dict[str, list[str]] = {}
    for folder in sorted({os.path.realpath(f) for f in folders if os.path.isdir(f)}):
        try:
            entries = sorted(names.intersection(os.listdir(folder)))
        except OSError:
            continue
        if entries:
            found[folder] = entries
    return found


def _make_absent(root: str, folder: str, names: list[str]) -> None:
    """Mount over root+folder an overlay of ``folder`` whose top layer holds a whiteout for each name: those are absent."""
    if any(c in folder for c in ",:\\"):
        raise OSError(errno.EINVAL, f"cannot hide packages in {folder}: an overlay cannot name a folder with , : or \\")
    layer = Path(root, FORBIDDEN_LAYER)
    layer.mkdir(mode=0o755)
    _mount("tmpfs", str(layer), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    for name in names:
        os.mknod(layer / name, stat.S_IFCHR | 0o600, os.makedev(0, 0))  # a whiteout: a character device 0, 0
    _mount("overlay", root + folder, "overlay", MS_RDONLY | MS_NOSUID, f"lowerdir={layer}:{folder}")
    _check(_libc.umount2(str(layer).encode(), MNT_DETACH), f"umount {layer}")  # the overlay keeps the layer it needs
    layer.rmdir()


def _allowed_paths(hidden: list[str]) -> list[str]:
    """The folders the worker may see: the system's, and Python's (prefixes and import path) unless hidden."""
    candidates = {*SYSTEM_PATHS, sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if p)}
    real = sorted({str(Path(p).resolve()) for p in candidates if os.path.isdir(p)})
    chosen: list[str] = []
    for path in real:
        if path != "/" and not any(_inside(path, h) for h in hidden) and not any(_inside(path, c) for c in chosen):
            chosen.append(path)
    return chosen


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _bind_read_only(path: str, root: str) -> None:
    target = Path(root + path)
    target.mkdir(mode=0o755, parents=True, exist_ok=True)
    _mount(path, str(target), None, MS_BIND | MS_REC)
    kept = os.statvfs(path).f_flag
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | sum(ms for st, ms in KEPT_FLAGS if kept & st)
    _mount(None, str(target), None, flags)
    for name in SYSTEM_PATHS:  # /bin -> usr/bin and friends: the same links in the new root
        if os.path.islink(name) and not os.path.lexists(root + name):
            os.symlink(os.readlink(name), root + name)


def _cover(path: str) -> None:
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0700")
    elif os.path.exists(path):
        _mount("/dev/null", path, None, MS_BIND)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(*(None if s is None else s.encode() for s in (source, target, fstype)), flags, data and data.encode()),
        f"mount {target}",
    )
