"""The grader's side of the worker wall: start the worker process, talk to it, and kill it.

Workers are forked by a zygote (``grading.zygote``) that has NumPy loaded.
One ``WorkerSession`` serves one grading. It starts a worker on first use,
loads the submission into it, and runs the checks' scripts. When the worker
dies or overruns the time it was given, the session kills its whole process
group, raises ``WorkerLost`` with the reason, and starts a fresh worker (and
loads the submission again) for the next script.

Limits: address space (``memory_bytes``), one BLAS thread, an empty temporary
working folder, stdin closed, stdout and stderr drained into capped buffers.

Nothing the worker sends is trusted. Each request is numbered and its reply
must repeat the number; a reply frame may be no larger than an honest answer
to its script could be (``protocol.reply_bounds``), and is checked field by
field (``checks.session.replies_from_wire``). A reply that breaks any of
these ends the worker like a crash: ``WorkerLost`` ("the worker sent a
malformed reply: ..."), and the next script gets a fresh worker.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import itertools
import json
import mmap
import os
import socket
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from checks.session import MalformedReply, Op, Reply, WorkerLost, describe_op, readable, replies_from_wire, same_script, to_wire
from grading import protocol
from grading.helper import Helper

ROOT = Path(__file__).resolve().parents[1]
ZYGOTE_BOOTSTRAP = "import sys; sys.path.insert(0, {root!r}); from grading import zygote; sys.path.remove({root!r}); zygote.main()"
ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
LOAD_REPLY_BYTES = 32 * 2**20
"""The largest frame read in answer to loading: 200 classes of 200 method names of 100 characters each, escaped."""
DISCOVER_REPLY_BYTES = 8 * 2**20
"""The largest frame read in answer to discovery: 24 candidates' bindings and their answers to the probes."""
MALFORMED = "the worker sent a malformed reply"
PROGRESS_BYTES = 8
"""The page the worker writes the running operation's index into (``grading.worker_main``), read after a timeout."""
OUTPUT_CAP = 64 * 1024
"""Bytes of the worker's stdout and of its stderr that are kept; the rest is read and dropped."""


SENT_BY_ANOTHER = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2})
"""Deadly signals that a process's own running never raises (unlike SIGSEGV, SIGBUS, SIGFPE, SIGABRT or SIGXFSZ):
a worker that dies of one was killed by a process, its own or one outside."""


class WorkerKilled(WorkerLost):
    """The worker died of a signal in SENT_BY_ANOTHER that the grader did not send.

    Isolated, no classmate can name the worker, so the sender is the submission itself or something outside every
    worker (an operator, the OOM killer); not isolated, it may be a classmate. Either way ``grading.score`` runs the
    check once more in a fresh worker before the death counts against the submission: one that kills itself does so
    again.
    """

    def __init__(self, reason: str, *, signal_number: int):
        super().__init__(reason)
        self.signal_number = signal_number


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "and was killed"
    if returncode < 0:
        return f"signal {-returncode}, {signal_name(-returncode)}"
    return f"exit code {returncode}"


class _Drain(threading.Thread):
    """Reads a pipe to its end, keeping the first ``cap`` bytes, so that a print flood never blocks the worker."""

    def __init__(self, fd: int, cap: int):
        super().__init__(daemon=True)
        self.fd, self.cap = fd, cap
        self.kept = bytearray()
        self.dropped = 0

    def run(self) -> None:
        try:
            while chunk := os.read(self.fd, 1 << 16):
                room = self.cap - len(self.kept)
                self.kept += chunk[:room]
                self.dropped += max(0, len(chunk) - room)
        except OSError:
            pass
        finally:
            os.close(self.fd)

    def text(self) -> str:
        return self.kept.decode("utf-8", "replace")


class ZygoteHandle:
    """The grader's handle on its fork server (``grading.zygote.ZygoteServer``), started on first use (``_zygote``).

    The zygote runs in a session of its own, so that a terminal's Ctrl-C
    reaches the grader only. It gets SIGTERM when the grader ends, however it
    ends (strictly: when the grader's thread that started it ends; see
    ``zygote.die_with_parent``), and then kills its workers and what they left.
    """

    def __init__(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-u", "-c", ZYGOTE_BOOTSTRAP.format(root=str(ROOT)), str(child.fileno()), str(os.getpid())],
            stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **ONE_THREAD},
            cwd="/",
            pass_fds=(child.fileno(),),
            start_new_session=True,
        )
        child.close()
        self.sock = parent
        self.sock.settimeout(30)
        self.owner = os.getpid()
        self.lock = threading.Lock()

    def _ask(self, message: dict, fds: tuple[int, ...] = ()) -> dict:
        with self.lock:
            socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
            data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("the zygote closed its socket")
        return json.loads(data)

    def spawn(
        self, *, folder: str, memory_bytes: int, blocked: frozenset[str], env: dict, copy_from, hide, fds: tuple[int, ...]
    ) -> tuple[int, str]:
        """A new worker: its keeper's pid (the worker's process group), and its walls as the report names them.

        The walls are the zygote's word, never the worker's: a submission can make its own replies say anything.
        """
        message = {
            "op": "spawn",
            "folder": folder,
            "memory": memory_bytes,
            "blocked": sorted(blocked),
            "env": env,
            "copy_from": copy_from,
            "hide": hide,
        }
        reply = self._ask(message, fds)
        return int(reply["pid"]), str(reply["isolation"])

    def clean(self) -> int:
        """Kill and reap everything the zygote's workers left behind; how many processes that was."""
        try:
            return int(self._ask({"op": "clean"})["killed"])
        except (OSError, ValueError, KeyError):
            return 0

    def wait(self, pid: int, timeout: float) -> int | None:
        """The worker's returncode once it has ended (negative for a signal), or None if it still runs after ``timeout``."""
        try:
            return self._ask({"op": "wait", "pid": pid, "timeout": timeout})["status"]
        except (OSError, ValueError):
            return None

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def close(self) -> None:
        """End the zygote and wait for it; it first kills every process its workers left.

        SIGTERM as well as the closed socket: a zygote busy with a ``wait``
        would otherwise notice the closing only when that wait is over.
        """
        self.sock.close()
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_zygote = Helper(ZygoteHandle)
"""This process's zygote, started on first use."""


def stop_zygote() -> None:
    """End this process's zygote, if it started one, and wait for it: what the grader calls before it exits.

    A zygote inherited through a fork belongs to the parent and is left alone.
    """
    _zygote.stop()


def _spawn(**options) -> tuple[int, str]:
    """A worker from this process's zygote, starting (or restarting) the zygote when needed."""
    for attempt in (1, 2):
        zygote = _zygote.get()
        try:
            return zygote.spawn(**options)
        except (OSError, ValueError):
            if attempt == 2:
                raise
            _zygote.forget()
    raise AssertionError("unreachable")


def _reap(pid: int, timeout: float) -> int | None:
    zygote = _zygote.running()
    return zygote.wait(pid, timeout) if zygote is not None else None


def _clean() -> None:
    if (zygote := _zygote.running()) is not None:
        zygote.clean()


def _safe_to_hide(path: Path) -> bool:
    """Never cover the root, or anything holding Python itself or NumPy, which the worker still needs."""
    needed = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(np.__file__).resolve().parent]
    return path != Path(path.anchor) and not any(n == path or path in n.parents for n in needed)


@functools.lru_cache(maxsize=1)
def hidden_paths() -> tuple[str, ...]:
    """The project's own source, which the worker must not read: the checkout if this is one, and every package."""
    import assignments  # noqa: PLC0415
    import checks  # noqa: PLC0415
    import reference  # noqa: PLC0415

    found = {Path(m.__file__).resolve().parent for m in (reference, checks, assignments)} | {Path(__file__).resolve().parent}
    spec = importlib.util.find_spec("grader")
    if spec is not None and spec.origin:
        found.add(Path(spec.origin).resolve())
    if (ROOT / "pyproject.toml").exists() and (ROOT / "grader.py").exists():
        found.add(ROOT)  # a source checkout: its tests and fixtures hold correct solutions too
    return tuple(sorted(str(p) for p in found if _safe_to_hide(p)))


class WorkerProcess:
    """One running worker: a process in its own session, two protocol pipes and two drained output pipes."""

    def __init__(self, *, blocked: frozenset[str], memory_bytes: int, copy_from: Path | None = None, hide: tuple[str, ...] = ()):
        self.folder = tempfile.mkdtemp(prefix="rnn-grader-worker-")
        to_worker_r, self.to_worker = os.pipe()
        self.from_worker, from_worker_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        progress_fd = os.memfd_create("rnn-grader-progress")
        os.ftruncate(progress_fd, PROGRESS_BYTES)
        self.progress = mmap.mmap(progress_fd, PROGRESS_BYTES)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.folder, "TMPDIR": self.folder, "LANG": "C.UTF-8", **ONE_THREAD}
        try:
            self.pid, self.isolation = _spawn(
                folder=self.folder,
                memory_bytes=memory_bytes,
                blocked=blocked,
                env=env,
                copy_from=None if copy_from is None else str(Path(copy_from).resolve()),
                hide=sorted({*hidden_paths(), *(h for h in hide if _safe_to_hide(Path(h)))}),
                fds=(to_worker_r, from_worker_w, out_w, err_w, progress_fd),
            )
        finally:
            for fd in (to_worker_r, from_worker_w, out_w, err_w, progress_fd):
                os.close(fd)
        self.returncode: int | None = None
        self.killed = False  # by the grader (kill): a death it caused is never WorkerKilled
        self.stdout, self.stderr = _Drain(out_r, OUTPUT_CAP), _Drain(err_r, OUTPUT_CAP)
        self.stdout.start()
        self.stderr.start()

    def running(self) -> int | None:
        """The index of the script operation the worker started last (from the page it shares), or None."""
        started = int.from_bytes(self.progress[:4], "little")
        return started - 1 if started else None

    def request(self, message: dict | bytes, timeout: float, *, number: int = 0, limit: int = protocol.MAX_MESSAGE_BYTES) -> dict:
        """Send one message (or an encoded frame) as request ``number`` and wait for its reply, a frame of at most
        ``limit`` bytes that repeats the number; WorkerLost when the worker dies, overruns ``timeout`` or sends
        anything else."""
        deadline = time.monotonic() + max(timeout, 0.0)
        self.progress[:4] = bytes(4)
        stamped = protocol.numbered(message, number) if isinstance(message, bytes) else {**message, "id": number}
        try:
            protocol.send(self.to_worker, stamped, timeout=max(timeout, 0.0))
            reply = protocol.receive(self.from_worker, timeout=max(deadline - time.monotonic(), 0.0), limit=limit)
        except protocol.ChannelTimeout:
            self.kill()
            raise WorkerLost(f"timed out after {timeout:.1f} s", timeout=True) from None
        except protocol.ChannelClosed:
            code = self._wait(2.0)
            ended = "closed its channel to the grader" if code is None else ("exited" if code >= 0 else "died")
            if code is not None and -code in SENT_BY_ANOTHER and not self.killed:
                raise WorkerKilled(f"worker {ended} ({describe_exit(code)})", signal_number=-code) from None
            raise WorkerLost(f"worker {ended} ({describe_exit(code)})") from None
        except protocol.ProtocolError as error:
            self.kill()
            raise WorkerLost(f"{MALFORMED}: {readable(str(error))[:300]}") from None
        if type(reply) is not dict:
            self.kill()
            raise WorkerLost(f"{MALFORMED}: a {type(reply).__name__}, not an object")
        if type(reply.get("id")) is not int or reply["id"] != number:
            self.kill()
            raise WorkerLost(f"{MALFORMED}: a frame that answers no request it was sent (request {number} is waiting)")
        return reply

    def _wait(self, seconds: float) -> int | None:
        """How the worker ended, waiting up to ``seconds``; killed if it still runs."""
        if self.returncode is None:
            self.returncode = _reap(self.pid, seconds)
        if self.returncode is None:
            self.kill()
        return self.returncode

    def kill(self) -> None:
        """Kill the worker and every process it started, detached ones included, then reap them."""
        self.killed = True
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.returncode is None:
            self.returncode = _reap(self.pid, 5)
        _clean()

    def close(self) -> None:
        self.kill()
        for fd in (self.to_worker, self.from_worker):
            try:
                os.close(fd)
            except OSError:
                pass
        self.stdout.join(2)
        self.stderr.join(2)
        self.progress.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Loaded:
    """What the worker said after loading the submission."""

    classes: list[str]
    warnings: list[dict]
    refused: list[str]
    isolation: str = ""
    methods: dict[str, frozenset[str]] = field(default_factory=dict)  # each class's public methods, inherited ones included
    functions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each top-level function, with the names of the notebook's data it reads as globals."""


def script_frame(script: list[Op]) -> tuple[bytes, int, int]:
    """A script's frame for the worker, and its reply's bounds: (most entries of one returned value, most bytes of the
    reply frame) (``protocol.reply_bounds``)."""
    ops = [to_wire(op) for op in script]
    return protocol.encode({"op": "script", "ops": ops}), *protocol.reply_bounds(ops)


class WorkerSession:
    """Runs checks' scripts in a worker that holds the loaded submission, restarting it after a loss.

    ``deadline`` (time.monotonic) bounds every request; the scorer moves it for each problem.
    """

    def __init__(
        self, load_message: dict, *, blocked: frozenset[str], memory_bytes: int, copy_from: Path | None = None, hide: tuple[str, ...] = ()
    ):
        self.load_message = load_message
        self.blocked, self.memory_bytes = blocked, memory_bytes
        self.copy_from, self.hide = copy_from, hide
        self.deadline = float("inf")
        self.process: WorkerProcess | None = None
        self.loaded: Loaded | None = None
        self.refused: list[str] = []
        self.output: list[tuple[_Drain, _Drain]] = []
        self.starts = 0
        self.sent = 0  # requests sent, over every worker: each request's number
        self.ahead: list[tuple[list[Op], list[Reply]]] = []  # scripts run together ahead of their calls (``prefetch``)

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerLost("timed out: the time limit was used up", timeout=True)
        return remaining

    def _ask(self, message: dict | bytes, limit: int) -> dict:
        """One request to the current worker, its reply's ``refused`` noted; MalformedReply for one that is not a list of names."""
        self.sent += 1
        reply = self.process.request(message, self._remaining(), number=self.sent, limit=limit)
        refused = reply.get("refused", [])
        if type(refused) is not list or any(type(name) is not str for name in refused):
            raise MalformedReply('"refused" is not a list of names')
        for name in refused[:20]:
            if readable(name[:50]) not in self.refused:
                self.refused.append(readable(name[:50]))
        return reply

    def _request(self, message: dict | bytes, limit: int = protocol.MAX_MESSAGE_BYTES, read=lambda reply: reply):
        """``read(reply)`` for the reply to ``message`` (a frame of at most ``limit`` bytes), starting a worker and
        loading the submission first when none runs; WorkerLost, the worker ended, when ``read`` finds it malformed."""
        if self.process is None:
            self.process = WorkerProcess(blocked=self.blocked, memory_bytes=self.memory_bytes, copy_from=self.copy_from, hide=self.hide)
            self.starts += 1
            try:
                loaded = _loaded(self._ask(self.load_message, LOAD_REPLY_BYTES))
            except (WorkerLost, MalformedReply) as lost:
                self._retire()
                reason = lost.reason if isinstance(lost, WorkerLost) else f"{MALFORMED}: {lost}"
                raise WorkerLost(f"{reason} while loading the submission", timeout=getattr(lost, "timeout", False)) from None
            self.loaded = self.loaded or dataclasses.replace(loaded, isolation=self.process.isolation)  # not the worker's claim
        try:
            return read(self._ask(message, limit))
        except (WorkerLost, MalformedReply) as error:
            lost = error if isinstance(error, WorkerLost) else WorkerLost(f"{MALFORMED}: {error}")
            lost.index = self.process.running() if self.process is not None else None
            self._retire()
            raise lost from None

    def _retire(self) -> None:
        self.ahead = []  # run by a worker that is gone
        if self.process is not None:
            self.process.close()
            self.output.append((self.process.stdout, self.process.stderr))
            self.process = None

    def load(self) -> Loaded:
        """Start the worker and load the submission (if not done yet); what the loading found."""
        if self.process is None:
            self._request(
                {"op": "script", "ops": []}, protocol.reply_bounds([])[1], lambda reply: replies_from_wire(reply.get("replies"), [])
            )
        assert self.loaded is not None
        return self.loaded

    def discover(self, contract: dict, probes: list[dict], read):
        """Ask the worker what implements ``contract`` and how each candidate answers ``probes`` (``grading.discovery``):
        ``read(reply)``, which checks it field by field (``grading.interface.candidates``); a reply it finds malformed
        ends the worker like a crash."""
        return self._request(protocol.encode({"op": "discover", "contract": contract, "probes": probes}), DISCOVER_REPLY_BYTES, read)

    def bind(self, bindings: dict) -> Loaded:
        """Have the contract classes in ``bindings`` ({class: [binding, contract]}) built as adapters, in this worker and
        in every fresh one after it; what the worker can now call."""
        self.load_message = {**self.load_message, "bind": {**self.load_message.get("bind", {}), **bindings}}
        reply = self._request({"op": "bind", "bindings": bindings}, LOAD_REPLY_BYTES)
        try:
            now = _loaded({**reply, "warnings": []})
        except MalformedReply as error:
            self._retire()
            raise WorkerLost(f"{MALFORMED}: {error}") from None
        self.loaded = dataclasses.replace(self.loaded, classes=now.classes, methods=now.methods, functions=now.functions)
        return self.loaded

    def prefetch(self, scripts: list[list[Op]]) -> None:
        """Run ``scripts`` in the worker in one request, each as if sent alone; the next ``run`` of a script equal to one
        of them gets that one's replies instead of a round trip, once. Any left over are dropped by the next call.

        A sweep sends each case's scripts, one per check, together: the worker is asked once instead of once per
        check, and every reply still answers the one call it was made for (none is ever reused). WorkerLost names
        the script (``WorkerLost.script``) and the operation that was running.
        """
        self.ahead = []
        if len(scripts) < 2:
            return
        wires = [[to_wire(op) for op in script] for script in scripts]
        bounds = [protocol.reply_bounds(ops) for ops in wires]
        frame = protocol.encode({"op": "scripts", "scripts": wires})
        limit = sum(each for _, each in bounds) + protocol.REPLY_HEADER_BYTES

        def read(reply: dict) -> list[list[Reply]]:
            wire = reply.get("replies")
            if type(wire) is not list or len(wire) != len(scripts):
                raise MalformedReply(f"the replies to {len(scripts)} scripts sent together are not a list of {len(scripts)}")
            return [replies_from_wire(w, script, most) for w, script, (most, _) in zip(wire, scripts, bounds)]

        try:
            answered = self._request(frame, limit, read)
        except WorkerLost as lost:
            if lost.reason.startswith(MALFORMED):
                # Read while the worker may still have been running on: where it was says nothing, so the first
                # script, whose call a forging submission reaches first as when each is sent alone, is named.
                lost.script, lost.index = 0, None
            elif lost.index is not None:
                offsets = list(itertools.accumulate(len(script) for script in scripts))
                lost.script = next((k for k, end in enumerate(offsets) if lost.index < end), len(scripts) - 1)
                lost.index -= offsets[lost.script] - len(scripts[lost.script])
                if lost.running == "" and 0 <= lost.index < len(scripts[lost.script]):
                    lost.running = describe_op(scripts[lost.script][lost.index])
            raise
        self.ahead = list(zip(scripts, answered))

    def run(self, script: list[Op]) -> list[Reply]:
        """Replies to ``script``, run in the worker (or run just before, in a ``prefetch`` of scripts sent together). Every
        script is run for its own call: a submission's answers are never reused, since one that keeps state in its
        class or module need not answer the same script alike twice."""
        for k, (planned, replies) in enumerate(self.ahead):
            if same_script(planned, script):
                del self.ahead[k]
                return replies
        frame, most, limit = script_frame(script)
        try:
            return self._request(frame, limit, lambda reply: replies_from_wire(reply.get("replies"), script, most))
        except WorkerLost as lost:
            if lost.running == "" and lost.index is not None and 0 <= lost.index < len(script):
                lost.running = describe_op(script[lost.index])
            raise

    def close(self) -> tuple[str, str]:
        """Stop the worker; the stdout and stderr it printed over the whole grading, capped."""
        self._retire()
        return tuple(_capped([pair[i] for pair in self.output]) for i in (0, 1))  # type: ignore[return-value]


def _strings(found, cap: int, what: str, most: int) -> list[str]:
    if type(found) is not list or any(type(item) is not str for item in found):
        raise MalformedReply(f"{what} is not a list of texts")
    return [readable(item[:cap]) for item in found[:most]]


def _loaded(reply: dict) -> Loaded:
    """What the load reply says, checked field by field and capped; MalformedReply for a field of the wrong type."""
    methods = reply.get("methods", {})
    functions = reply.get("functions", {})
    isolation = reply.get("isolation", "")
    if type(methods) is not dict or type(functions) is not dict or type(isolation) is not str:
        raise MalformedReply('"methods" or "functions" is not an object, or "isolation" not a text')
    return Loaded(
        isolation=readable(isolation[:100]),
        classes=_strings(reply.get("classes", []), 200, '"classes"', 200),
        warnings=_warnings(reply.get("warnings", [])),
        refused=_strings(reply.get("refused", []), 50, '"refused"', 20),
        methods={
            readable(cls[:200]): frozenset(_strings(names, 200, "a class's methods", 200)) for cls, names in list(methods.items())[:200]
        },
        functions={
            readable(name[:200]): tuple(_strings(reads, 100, "a function's globals", 20)) for name, reads in list(functions.items())[:200]
        },
    )


def _warnings(found) -> list[dict]:
    """Loading's warnings as dicts of capped texts (and a line number), as ``Worker._load_warning`` makes them."""
    if type(found) is not list:
        raise MalformedReply('"warnings" is not a list')
    warnings = []
    for warning in found[:50]:
        if type(warning) is not dict:
            raise MalformedReply("a warning is not an object")
        line = warning.get("line")
        if line is not None and type(line) is not int:
            raise MalformedReply("a warning's line is not a number")
        texts = {key: warning.get(key, "") for key in ("file", "type", "message", "text")}
        if any(type(text) is not str for text in texts.values()):
            raise MalformedReply("a warning's file, type, message or text is not a text")
        caps = {"file": 200, "type": 100, "message": 500, "text": 1000}
        warnings.append({"line": line, **{key: readable(text[: caps[key]]) for key, text in texts.items()}})
    return warnings


def _capped(drains: list[_Drain]) -> str:
    text = "".join(d.text() for d in drains)
    dropped = sum(d.dropped for d in drains) + max(0, len(text) - OUTPUT_CAP)
    return text[:OUTPUT_CAP] + (f"\n[... {dropped} more bytes not kept]" if dropped else "")
