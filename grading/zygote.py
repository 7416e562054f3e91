"""The fork server that starts workers: a trusted process with NumPy loaded, and the keeper of their process trees.

Starting a fresh interpreter and importing NumPy costs a tenth of a second of
CPU; forking a process that already did costs a millisecond. The grader starts
one zygote (``python -I``) and asks it over a Unix socket for each worker:

    {"op": "spawn", ...} + five fds  -> {"pid", "hardened"}
    {"op": "wait", "pid", "timeout"} -> {"status"}   (subprocess's returncode, or None while it runs)
    {"op": "clean"}                  -> {"killed"}   (every descendant killed and reaped)

The zygote is a child subreaper (``PR_SET_CHILD_SUBREAPER``): whatever a worker
starts, even a daemon that double-forks and calls setsid, stays its
descendant, so ``clean`` finds and kills all of it before the grader writes a
report.

The child of a spawn, before any student code runs:

1. leaves the zygote's session and takes its limits (address space, file
   size, processes, open files, no core dumps);
2. reads a repository submission's Python files;
3. when the zygote runs as root, enters a mount namespace and a root of its
   own: an empty tmpfs holding only the system folders, Python's folders and
   a few devices, read-only, and a fresh tmpfs on /tmp as its workspace
   (holding those files in ``submission/``); the project's packages, the
   submissions and the reports are covered by empty mounts besides;
4. as root, drops to the unprivileged user ``nobody``;
5. asks to be killed when the zygote ends (the zygote, when the grader ends,
   gets SIGTERM, on which it kills every descendant and exits);
6. puts the given pipes on its stdin/stdout/stderr and protocol fds, closes
   everything else, and becomes ``grading.worker_main``.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import pwd
import resource
import signal
import socket
import sys
import time
from pathlib import Path

MAX_MESSAGE = 1 << 16
PROGRESS_BYTES = 8
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18

LIMITS = {
    resource.RLIMIT_CORE: 0,
    resource.RLIMIT_FSIZE: 64 * 2**20,  # no file written larger than 64 MiB
    resource.RLIMIT_NOFILE: 256,
    resource.RLIMIT_NPROC: 256,  # counts every process of the worker's user
}
COPY_LIMIT = 20 * 2**20
WORKSPACE = "size=64m,mode=0700"

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def _python_files(source: Path) -> dict[str, bytes]:
    """A repository's .py files by relative path, up to COPY_LIMIT bytes in all; hidden folders are skipped."""
    files, total = {}, 0
    for path in sorted(source.rglob("*.py")):
        relative = path.relative_to(source)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        total += path.stat().st_size
        if total > COPY_LIMIT:
            break
        files[str(relative)] = path.read_bytes()
    return files


def _write_files(files: dict[str, bytes], target: Path, owner: tuple[int, int] | None) -> None:
    if not files:
        return
    for relative, data in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if owner:
        for path in [target, *target.rglob("*")]:
            os.chown(path, *owner)


SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
DEVICES = ("null", "zero", "full", "random", "urandom")


def _isolate(message: dict, files: dict[str, bytes]) -> str | None:
    """As root: a mount namespace and a root of the worker's own. Returns its workspace, or None when that is not possible.

    The worker's root is an allowlist, not the machine with holes in it: an
    empty tmpfs into which only the system folders, Python's own folders and
    a few devices are bound read-only. No other checkout of the project, no
    submission, no report and no /proc exists there, wherever they sit on the
    machine. A fresh tmpfs on /tmp is the workspace, and the given paths (the
    project's packages, the submissions, the reports) are covered by empty
    mounts in case they sit inside an allowed folder.
    """
    if os.geteuid() != 0 or not message.get("harden", True):
        return None
    try:
        _check(_libc.unshare(CLONE_NEWNS), "unshare")
    except OSError:
        return None  # no namespaces here (a container without the capability): limits only
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        uid, gid = _nobody()
        hidden = [str(Path(p).resolve()) for p in message.get("hide", [])]
        root = message["folder"]
        _mount("tmpfs", root, "tmpfs", MS_NOSUID, "size=1m,mode=0755")
        workspace = Path(root, "tmp")  # first, so that a Python living under /tmp (a venv) is bound inside it, not covered by it
        workspace.mkdir(mode=0o755)
        _mount("tmpfs", str(workspace), "tmpfs", MS_NOSUID | MS_NODEV, f"{WORKSPACE},uid={uid},gid={gid}")
        for path in _allowed_paths(hidden):
            _bind_read_only(path, root)
        for name in DEVICES:
            if os.path.exists(f"/dev/{name}"):
                target = Path(root, "dev", name)
                target.parent.mkdir(mode=0o755, exist_ok=True)
                target.touch()
                _mount(f"/dev/{name}", str(target), None, MS_BIND)
        for path in hidden:
            _cover(root + path)
        os.chroot(root)
        os.chdir("/")
        _write_files(files, Path("/tmp/submission"), (uid, gid))
        return "/tmp"
    except OSError as error:
        # Half an isolation is worse than none that says so: this worker does not start.
        os.write(2, f"worker isolation failed: {error}\n".encode())
        os._exit(70)


MS_REMOUNT = 32


def _allowed_paths(hidden: list[str]) -> list[str]:
    """The folders the worker may see: the system's, and Python's (prefixes and import path) unless hidden."""
    candidates = {*SYSTEM_PATHS, sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if p)}
    real = sorted({str(Path(p).resolve()) for p in candidates if os.path.isdir(p)})
    chosen: list[str] = []
    for path in real:
        inside = lambda folder: path == folder or path.startswith(folder.rstrip("/") + "/")  # noqa: E731
        if path != "/" and not any(inside(h) for h in hidden) and not any(inside(c) for c in chosen):
            chosen.append(path)
    return chosen


def _bind_read_only(path: str, root: str) -> None:
    target = Path(root + path)
    target.mkdir(mode=0o755, parents=True, exist_ok=True)
    _mount(path, str(target), None, MS_BIND | MS_REC)
    _mount(None, str(target), None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)
    for name in SYSTEM_PATHS:  # /bin -> usr/bin and friends: the same links in the new root
        if os.path.islink(name) and not os.path.lexists(root + name):
            os.symlink(os.readlink(name), root + name)


def _cover(path: str) -> None:
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0700")
    elif os.path.exists(path):
        _mount("/dev/null", path, None, MS_BIND)


def _nobody() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def _become_worker(sock: socket.socket, message: dict, fds: list[int]) -> None:
    """In the forked child: isolate, take the limits, drop privileges, and serve as the worker."""
    zygote = os.getppid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the zygote's own handlers are not the worker's
    signal.signal(signal.SIGINT, signal.default_int_handler)
    read_fd, write_fd, out_fd, err_fd, progress_fd = fds
    progress = mmap.mmap(progress_fd, PROGRESS_BYTES)  # shared with the grader: which operation runs (grading.worker)
    os.close(progress_fd)
    sock.close()
    os.setsid()
    files = _python_files(Path(message["copy_from"])) if message.get("copy_from") else {}
    workspace = _isolate(message, files)
    if workspace is None:
        workspace = message["folder"]
        _write_files(files, Path(workspace, "submission"), None)
    os.chdir(workspace)
    memory = int(message.get("memory") or 0)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    for limit, value in LIMITS.items():
        resource.setrlimit(limit, (value, value))
    if os.geteuid() == 0:
        uid, gid = _nobody()
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    die_with_parent(signal.SIGKILL, parent=zygote)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in message.get("env", {}).items()})
    os.environ.update(HOME=workspace, TMPDIR=workspace)
    isolation = (
        "its own mount namespace, user nobody" if os.getuid() != 0 and workspace == "/tmp" else "limits only (the grader is not root)"
    )
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    start = 3  # the worker's root has no /proc: close by range, not by listing /proc/self/fd
    for kept in sorted(fd for fd in (read_fd, write_fd) if fd >= start):
        os.closerange(start, kept)
        start = kept + 1
    os.closerange(start, 1 << 20)
    from grading import worker_main  # noqa: PLC0415 - already imported by the zygote

    try:
        worker_main.serve(read_fd, write_fd, frozenset(message.get("blocked", ())), isolation=isolation, progress=progress)
    finally:
        os._exit(0)


def die_with_parent(signum: int, *, parent: int | None = None) -> None:
    """Have the kernel send ``signum`` to this process when its parent ends, however the parent ends; exit now if it already has.

    ``parent`` is the pid the parent had when it started this process (by
    default, the parent now): a parent that ended before the request took
    effect shows as a different parent. Set it after any change of user,
    which clears it. The signal comes when the *thread* that started this
    process ends, so start helpers from a thread that lives as long as the
    process (the main thread).
    """
    parent = os.getppid() if parent is None else parent
    _libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _descendants() -> list[int]:
    """Every process descended from this one, read from /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    found, stack = [], [os.getpid()]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


class Zygote:
    def __init__(self):
        self.ended: dict[int, int] = {}  # returncodes of reaped children

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.ended[pid] = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)

    def wait(self, pid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            self._reap()
            if pid in self.ended:
                return self.ended.pop(pid)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.005)

    def clean(self) -> int:
        """Stop, then kill, every descendant until none is left; what a worker left behind ends here."""
        killed = 0
        for _ in range(100):
            found = _descendants()
            if not found:
                break
            for pid in found:  # stopped first, so that nothing forks while its family is being killed
                try:
                    os.kill(pid, signal.SIGSTOP)
                except ProcessLookupError:
                    pass
            for pid in found:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.002)
            self._reap()
        return killed

    def end(self) -> None:
        """Kill every descendant, then exit: what SIGTERM does, whether the grader closes the zygote or dies.

        Not cut short by a second SIGTERM, nor by one that comes while ``clean``
        already runs (this ``clean`` then finishes the job), so no process a
        worker started outlives the zygote.
        """
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.clean()
        os._exit(0)

    def serve(self, sock: socket.socket) -> None:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 5)
            except OSError:
                return
            if not data:
                return
            message = json.loads(data)
            if message["op"] == "spawn":
                pid = os.fork()
                if pid == 0:
                    _become_worker(sock, message, fds)
                for fd in fds:
                    os.close(fd)
                reply = {"pid": pid}
            elif message["op"] == "clean":
                reply = {"killed": self.clean()}
            else:
                reply = {"status": self.wait(int(message["pid"]), float(message.get("timeout", 0)))}
            sock.send(json.dumps(reply).encode())


def main() -> None:
    """``python -c ... SOCKET_FD GRADER_PID``: serve the grader on the socket until it closes it, ends the zygote or dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the grader's to handle
    import numpy  # noqa: F401, PLC0415 - the point of the zygote: every worker forks with NumPy loaded

    from grading import protocol, worker_main  # noqa: F401, PLC0415 - loaded once, here, for every worker

    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    zygote = Zygote()
    signal.signal(signal.SIGTERM, lambda *_: zygote.end())
    # A grader killed from outside sends SIGTERM, so its zygote kills what the workers left, and the workers die with it.
    die_with_parent(signal.SIGTERM, parent=int(sys.argv[2]) if len(sys.argv) > 2 else None)
    try:
        zygote.serve(socket.socket(fileno=int(sys.argv[1])))
    finally:
        zygote.clean()
