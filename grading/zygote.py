"""The fork server that starts workers: a trusted process with NumPy loaded, and the keeper of their process trees.

Starting a fresh interpreter and importing NumPy costs a tenth of a second of
CPU; forking a process that already did costs a millisecond. The grader starts
one zygote (``python -I``) and asks it over a Unix socket for each worker:

    {"op": "spawn", ...} + five fds  -> {"pid", "isolation"}  (the keeper's pid; the walls, as the report names them)
    {"op": "wait", "pid", "timeout"} -> {"status"}   (subprocess's returncode, or None while it runs)
    {"op": "clean"}                  -> {"killed"}   (every descendant killed and reaped)

The zygote is a child subreaper (``PR_SET_CHILD_SUBREAPER``): whatever a worker
starts, even a daemon that double-forks and calls setsid, stays its
descendant, so ``clean`` finds and kills all of it before the grader writes a
report. At its start it finds which walls this machine allows
(``grading.sandbox.isolation``): where it can, every worker gets a PID
namespace, a mount namespace with a root of its own and a user of its own.

A spawn makes three processes, each the parent of the next:

    zygote -> keeper -> init (pid 1 of a new PID namespace) -> worker (pid 2)

The keeper, forked by the zygote, before any student code runs: leaves the
zygote's session, reads a repository submission's Python files, enters the new
namespaces and builds the worker's root (``grading.sandbox``), asks to be
killed when the zygote ends, and forks the init. Then it waits, and exits as
the worker did (its exit code, or killed by its signal), so that the zygote's
``wait`` tells the grader how the worker ended. The init asks to be killed
when the keeper ends, forks the worker, reaps whatever is orphaned in the
namespace, and exits when the worker has. The worker takes its limits
(address space, file size, processes, open files, no core dumps), becomes its
own user (``sandbox.drop_privileges``), puts the given pipes on its
stdin/stdout/stderr and protocol fds, closes everything else, and becomes
``grading.worker_main``.

Why nothing a worker starts can outlive the grader, nor reach another worker:

- When a PID namespace's init ends, the kernel kills every process in the
  namespace, and in the namespaces nested in it; no process can leave its PID
  namespace. So the init's life bounds everything the worker starts.
- The init ends with the keeper, and the keeper with the zygote, by
  ``PR_SET_PDEATHSIG``, which only a process itself can clear: the zygote and
  the keeper are outside the namespace, where no worker can name them, and the
  init runs no student code. The zygote ends with the grader (SIGTERM, which
  makes it kill every descendant first; or SIGKILL, when the OOM killer or an
  operator takes it: the chain of death signals then does the job). A worker
  clearing its own death signal gains nothing: it never was the mechanism.
- The init is unkillable from inside its namespace (the kernel delivers to a
  namespace's pid 1 only signals it has a handler for, and it has none), not
  traceable (not dumpable, and of another user or holding capabilities the
  worker lacks), and the keeper and zygote are invisible there. The worker's
  ``kill(-1)`` reaches only its own descendants; it sees pid 1 and itself.
- Every worker has a user of its own (as root; ``sandbox.WORKER_IDS``), so
  even without the PID namespace no worker could signal another. Without root,
  the user namespace has only the grader's uid, and the PID and mount
  namespaces are the walls.
- Nor can it climb out: it holds no capability (as root it is another user;
  in a user namespace it dropped them all), with ``no_new_privs``, so it can
  neither unmount, nor ``setns``, nor leave its chroot, and a chrooted process
  may not make a user namespace of its own.
- Nothing is shared on disk: the root holds no /proc, no /var/tmp, no /dev/shm,
  and a /tmp of its own.

Without walls (``sandbox.NONE``), the keeper is the worker itself, and dies
with the zygote by a death signal it could clear; every report says so.
"""

from __future__ import annotations

import ctypes
import grp
import json
import mmap
import os
import pwd
import resource
import select
import signal
import socket
import sys
import time
from pathlib import Path
from typing import NoReturn

from grading import sandbox
from grading.submission_files import read_regular, scan

MAX_MESSAGE = 1 << 16
PROGRESS_BYTES = 8
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36

LIMITS = {
    resource.RLIMIT_CORE: 0,
    resource.RLIMIT_FSIZE: 64 * 2**20,  # no file written larger than 64 MiB
    resource.RLIMIT_NOFILE: 256,
    resource.RLIMIT_NPROC: 256,  # counts every process of the worker's user: as root, of this worker only
}
COPY_LIMIT = 20 * 2**20
ISOLATION_FAILED = 70
"""The keeper's exit code when the walls it should build fail: half an isolation is worse than none that says so."""

_libc = ctypes.CDLL(None, use_errno=True)


def _python_files(source: Path) -> dict[str, bytes]:
    """A repository's .py files by relative path, up to COPY_LIMIT bytes in all, shallower folders first.

    Found by ``submission_files.scan``: no hidden folder, no Python environment, but folders with names such as
    ``env/`` kept, as the graded file may import from them. Each is read without following a link and only if it
    is a regular file: this runs as root, before isolation. A file too large for what is left of COPY_LIMIT is
    left out.
    """
    files, total = {}, 0
    for path in scan(source, (".py",), skipped=frozenset()).files:
        try:
            data = read_regular(path, COPY_LIMIT - total)
        except (ValueError, OSError):  # submission_files.Refused is a ValueError
            continue
        files[str(path.relative_to(source))] = data
        total += len(data)
    return files


def _write_files(files: dict[str, bytes], target: Path, owner: tuple[int, int] | None) -> None:
    """Write ``files`` into ``target``, a folder of the worker's own: each file created anew, through no link."""
    if not files:
        return
    for relative, data in files.items():
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            continue
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
    if owner:
        for path in [target, *target.rglob("*")]:
            os.chown(path, *owner, follow_symlinks=False)


def _become_worker(sock: socket.socket, message: dict, fds: list[int], walls: sandbox.Isolation, forbidden: dict) -> NoReturn:
    """In the forked child, the keeper: read the files and build the walls, then start the init and exit as the worker
    does. Without walls, the keeper becomes the worker itself."""
    zygote = os.getppid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the zygote's own handlers are not the worker's
    signal.signal(signal.SIGINT, signal.default_int_handler)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    read_fd, write_fd, out_fd, err_fd, progress_fd = fds
    progress = mmap.mmap(progress_fd, PROGRESS_BYTES)  # shared with the grader: which operation runs (grading.worker)
    os.close(progress_fd)
    sock.close()
    os.setsid()
    files = _python_files(Path(message["copy_from"])) if message.get("copy_from") else {}
    workspace = message["folder"]
    try:
        ids = sandbox.worker_ids()
        if walls.isolated:
            sandbox.enter(walls.mode)
            sandbox.build_root(workspace, owner=ids, hidden=message.get("hide", []), forbidden=forbidden)
            workspace = "/tmp"
            _write_files(files, Path(workspace, "submission"), ids)
        else:
            if os.geteuid() == 0:
                os.chown(workspace, *ids)
            _write_files(files, Path(workspace, "submission"), ids if os.geteuid() == 0 else None)
    except OSError as error:
        os.write(2, f"worker isolation failed: {error}\n".encode())
        os._exit(ISOLATION_FAILED)
    die_with_parent(signal.SIGKILL, parent=zygote)
    start = (message, (read_fd, write_fd, out_fd, err_fd), progress, ids, walls, workspace)
    if not walls.isolated:
        _serve(*start, parent=zygote)
    link, init_link = socket.socketpair()
    init = os.fork()
    if init == 0:
        link.close()
        _be_init(init_link, *start)
    init_link.close()
    for fd in start[1]:
        os.close(fd)
    progress.close()
    _end_like(_worker_status(link, init))


def _be_init(link: socket.socket, *start) -> NoReturn:
    """Pid 1 of the worker's namespace: dies with the keeper, forks the worker, reaps, and ends when the worker has.

    Its end is what kills everything else in the namespace. It keeps no signal handler, so that no process in the
    namespace can signal it, and is not dumpable, so that none can trace it.
    """
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if select.select([link], [], [], 0)[0]:  # the keeper ended before that took effect: its end of the link is closed
        os._exit(1)
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    worker = os.fork()
    if worker == 0:
        link.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _serve(*start, parent=None)
    for fd in start[1]:
        os.close(fd)
    start[2].close()
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == worker:
            link.sendall(status.to_bytes(4, "little"))
            os._exit(0)


def _worker_status(link: socket.socket, init: int) -> int:
    """The worker's wait status, as its init sent it; the init's own if it ended without sending one (killed)."""
    data = b""
    while len(data) < 4 and (chunk := link.recv(4 - len(data))):
        data += chunk
    _, status = os.waitpid(init, 0)
    return int.from_bytes(data, "little") if len(data) == 4 else status


def _end_like(status: int) -> NoReturn:
    """Exit as that wait status says: with its exit code, or killed by its signal."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            if number not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {number})
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _serve(message: dict, fds: tuple, progress, ids, walls: sandbox.Isolation, workspace: str, *, parent: int | None) -> NoReturn:
    """The worker: take the limits, become its user, and serve the grader; ``parent``: the pid to die with, if any."""
    read_fd, write_fd, out_fd, err_fd = fds
    os.chdir(workspace)
    memory = int(message.get("memory") or 0)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    for limit, value in LIMITS.items():
        resource.setrlimit(limit, (value, value))
    sandbox.drop_privileges(walls.mode, ids)
    if parent is not None:
        die_with_parent(signal.SIGKILL, parent=parent)  # after the change of user, which clears it
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in message.get("env", {}).items()})
    os.environ.update(HOME=workspace, TMPDIR=workspace)
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
        worker_main.serve(read_fd, write_fd, frozenset(message.get("blocked", ())), isolation=walls.note, progress=progress)
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


class ZygoteServer:
    """The zygote process's own side: serves the grader's requests, reaps its children, and kills what they leave.

    (``grading.worker.ZygoteHandle`` is the grader's side.)
    """

    def __init__(self, walls: sandbox.Isolation):
        self.walls = walls
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
                blocked = frozenset(message.get("blocked", ()))
                forbidden = sandbox.forbidden_entries(blocked) if self.walls.isolated else {}  # found once, here
                pid = os.fork()
                if pid == 0:
                    try:  # the keeper, its init and the worker: never back into this loop, whatever fails in them
                        _become_worker(sock, message, fds, self.walls, forbidden)
                    except BaseException as error:  # noqa: BLE001 - reported, and the process ends here
                        os.write(2, f"worker start failed: {error!r}\n".encode()[:1000])
                    os._exit(ISOLATION_FAILED)
                for fd in fds:
                    os.close(fd)
                reply = {"pid": pid, "isolation": self.walls.note}
            elif message["op"] == "clean":
                reply = {"killed": self.clean()}
            else:
                reply = {"status": self.wait(int(message["pid"]), float(message.get("timeout", 0)))}
            sock.send(json.dumps(reply).encode())


def main() -> None:
    """``python -c ... SOCKET_FD GRADER_PID``: serve the grader on the socket until it closes it, ends the zygote or dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the grader's to handle
    walls = sandbox.isolation()  # before NumPy: the probe's fork is cheaper
    import numpy  # noqa: F401, PLC0415 - the point of the zygote: every worker forks with NumPy loaded

    from grading import protocol, worker_main  # noqa: F401, PLC0415 - loaded once, here, for every worker

    for lookup in (pwd.getpwuid, grp.getgrgid):  # the name services load their modules once, here, not in every keeper
        try:
            lookup(sandbox.WORKER_IDS.start)
        except KeyError:
            pass
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    zygote = ZygoteServer(walls)
    signal.signal(signal.SIGTERM, lambda *_: zygote.end())
    # A grader killed from outside sends SIGTERM, so its zygote kills what the workers left, and the workers die with it.
    die_with_parent(signal.SIGTERM, parent=int(sys.argv[2]) if len(sys.argv) > 2 else None)
    try:
        zygote.serve(socket.socket(fileno=int(sys.argv[1])))
    finally:
        zygote.clean()
