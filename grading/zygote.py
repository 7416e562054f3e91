"""The fork server that starts workers: a trusted process with NumPy already imported.

Starting a fresh interpreter and importing NumPy costs a tenth of a second of
CPU; forking a process that already did costs a millisecond. The grader starts
one zygote (``python -I``, empty environment but for the BLAS thread counts)
and asks it over a Unix socket for each worker:

    {"op": "spawn", "folder", "memory", "blocked", "env"} + four fds -> {"pid"}
    {"op": "wait", "pid", "timeout"}                                   -> {"status"}  (as subprocess's returncode, or None)

The child of a spawn leaves the zygote's session, takes its limits, moves into
its empty folder, puts the given pipes on its stdin/stdout/stderr and protocol
fds, closes everything else and becomes ``grading.worker_main``. It never sees
anything of the grader's but those pipes. The zygote reaps its children and
reports how they ended, since only a parent can.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import time

MAX_MESSAGE = 1 << 16


def _become_worker(sock: socket.socket, message: dict, fds: list[int]) -> None:
    """In the forked child: drop everything of the zygote's, take the limits, and serve as the worker."""
    read_fd, write_fd, out_fd, err_fd = fds
    sock.close()
    os.setsid()
    memory = int(message.get("memory") or 0)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.chdir(message["folder"])
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in message.get("env", {}).items()})
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    keep = {0, 1, 2, read_fd, write_fd}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    from grading import worker_main  # noqa: PLC0415 - already imported by the zygote

    try:
        worker_main.serve(read_fd, write_fd, frozenset(message.get("blocked", ())))
    finally:
        os._exit(0)


def _status(pid: int, timeout: float) -> int | None:
    """Reap ``pid`` within ``timeout`` seconds: its returncode (negative for a signal), or None if it still runs."""
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.005)


def serve(sock: socket.socket) -> None:
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 4)
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
        else:
            reply = {"status": _status(int(message["pid"]), float(message.get("timeout", 0)))}
        sock.send(json.dumps(reply).encode())


def main() -> None:
    import numpy  # noqa: F401, PLC0415 - the point of the zygote: every worker forks with NumPy loaded

    from grading import protocol, worker_main  # noqa: F401, PLC0415 - loaded once, here, for every worker

    serve(socket.socket(fileno=int(sys.argv[1])))
