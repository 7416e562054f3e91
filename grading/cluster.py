"""Grade a cohort on a Dask cluster: one task per submission, carrying its bytes; the driver writes every file.

    grader.py batch SUBMISSIONS --assignment A --out OUT --scheduler tcp://HOST:8786   an existing cluster
    grader.py batch SUBMISSIONS --assignment A --out OUT --scheduler local:2          a LocalCluster of 2 processes

The driver (``grading.batch``) reads each submission as it reads any (``grading.parcel.pack``: no link followed,
every file capped) and sends its bytes, so workers need no shared filesystem. Each Dask worker process is a grading
process like a local batch's: ``grade_parcel`` unpacks the submission into a temporary folder, grades it with the
same zygote, workers and limits, and returns the four report texts, rendered by the grader's own code from its own
data, as one JSON document. The driver parses it (never unpickles anything of the student's), checks it, and writes
the reports and the fingerprint; resume, the gradebook and the summary are the local batch's.

A Dask worker that dies while grading (killed, out of memory) has its task run again by the scheduler, as many
times as the scheduler's ``allowed-failures`` says (a ``local:N`` cluster: once); then the submission is recorded
as an error with the reason. A hanging submission costs its own timeout, inside the grading, never the Dask
worker. One grading at a time runs in a Dask worker process, whatever its thread count (``_ONE_AT_A_TIME``).

Nothing here imports Dask at import time: ``pip install ".[cluster]"`` is needed only for ``--scheduler``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from grading.parcel import Parcel, unpack

if TYPE_CHECKING:
    from distributed import Client

    from grading.single import Settings

LOCAL = "local:"
LOCAL_RETRIES = 1
"""The scheduler's ``allowed-failures`` for a ``local:N`` cluster: a task whose worker dies runs once more, then errs."""
IN_FLIGHT_PER_WORKER = 2
"""Tasks the driver keeps submitted per Dask worker process (each grades one at a time, whatever its threads): enough
to keep every worker busy, few enough that the parcels waiting in memory stay bounded, however large the cohort."""
CAPACITY_CHECK = 1.0
"""Seconds at least between two counts of the cluster's workers while a batch runs."""
WORKER_WAIT = 60.0
"""Seconds the driver waits for a first worker to join a scheduler that has none."""
_ONE_AT_A_TIME = threading.Lock()


class Unusable(ValueError):
    """The cluster cannot grade this batch: Dask missing, no worker, or a worker that would grade unlike the driver."""


def parse_scheduler(text: str) -> str:
    """``text`` if it names a scheduler (``tcp://HOST:PORT``, any Dask address, or ``local:N``); ValueError saying the forms."""
    if text.startswith(LOCAL):
        count = text[len(LOCAL) :]
        if count.isdigit() and int(count) > 0:
            return text
        raise ValueError(f"--scheduler {text}: local:N needs N, a number of worker processes of at least 1, such as local:2")
    if "://" in text and text.split("://", 1)[1]:
        return text
    raise ValueError(f"--scheduler {text}: give a scheduler's address (tcp://HOST:8786) or local:N to start N worker processes here")


def _import_dask():
    try:
        import dask  # noqa: PLC0415
        import distributed  # noqa: PLC0415
    except ImportError as missing:
        raise Unusable(f"--scheduler needs Dask ({missing}); install it with pip install 'rnn-grader[cluster]'") from None
    return dask, distributed


@contextlib.contextmanager
def connected(scheduler: str) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler``, or of a new LocalCluster for ``local:N`` (closed on the way out)."""
    dask, distributed = _import_dask()
    with contextlib.ExitStack() as stack:
        if scheduler.startswith(LOCAL):
            local = {"distributed.scheduler.allowed-failures": LOCAL_RETRIES, "distributed.worker.preload": [__name__]}
            with dask.config.set(local), _interrupts_ignored():
                cluster = stack.enter_context(
                    distributed.LocalCluster(
                        n_workers=int(scheduler[len(LOCAL) :]),
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,  # not its warnings on a stop, which the batch reports in its own line
                    )
                )
            client = stack.enter_context(distributed.Client(cluster))
        else:
            client = stack.enter_context(distributed.Client(scheduler, timeout="30s"))
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT)
        except (TimeoutError, distributed.TimeoutError):
            raise Unusable(
                f"no Dask worker joined the scheduler at {scheduler} within {WORKER_WAIT:g} s; start one with dask worker"
            ) from None
        yield client


def worker_facts() -> dict:
    """What the driver checks of each Dask worker before a batch: its package versions, and whether it isolates workers."""
    from grading.sandbox import isolation  # noqa: PLC0415

    walls = isolation()
    return {"versions": _versions(), "isolated": walls.isolated, "note": walls.note}


def check_workers(client: Client, allow_unisolated: bool) -> bool:
    """Whether every Dask worker isolates its workers; Unusable when one runs other versions than the driver (its
    reports could differ), or cannot isolate and that was not allowed."""
    from grading.score import versions  # noqa: PLC0415

    mine = versions()
    facts = client.run(worker_facts)
    for address, found in sorted(facts.items()):
        differ = {k: v for k, v in found["versions"].items() if mine.get(k) != v}
        if differ:
            said = ", ".join(f"{k} {v} (the driver has {mine.get(k)})" for k, v in sorted(differ.items()))
            raise Unusable(
                f"Dask worker {address} runs {said}: install the driver's versions on every worker, so that all are graded alike"
            )
    unisolated = [address for address, found in sorted(facts.items()) if not found["isolated"]]
    if unisolated and not allow_unisolated:
        raise Unusable(
            f"Dask worker {unisolated[0]} cannot isolate the submissions' workers ({facts[unisolated[0]]['note']}); run the Dask"
            " workers as root or where user namespaces are enabled, or pass --allow-unisolated to grade anyway"
        )
    return not unisolated


def grade_parcel(
    parcel: Parcel,
    settings: Settings,
    shown_as: str,
    allow_unisolated: bool,
    submitted: float,
    driver_versions: dict | None = None,
    hide: tuple[str, ...] = (),
) -> str:
    """Runs on a Dask worker: grade ``parcel`` as ``grade`` grades a path, and return the report texts as JSON.

    ``shown_as`` is the submission's path on the driver, which the reports name; ``submitted`` the driver's clock
    when it sent the task (the wait is measured against this machine's clock, so it is only as good as their
    agreement); ``hide`` the driver's cohort and reports folders, hidden from the worker should they exist here too.
    A worker that cannot isolate refuses unless ``allow_unisolated``, and so does one whose versions differ from
    ``driver_versions`` (a worker that joined after the first check).
    """
    with _ONE_AT_A_TIME:
        began = time.time()
        _prepare_process()
        from grading.reports import render  # noqa: PLC0415
        from grading.sandbox import isolation  # noqa: PLC0415
        from grading.single import grade  # noqa: PLC0415

        walls = isolation()
        placed = {"host": socket.gethostname(), "worker": _worker_name(), "waited": round(max(0.0, began - submitted), 3)}
        if not walls.isolated and not allow_unisolated:
            return json.dumps({**placed, "refused": f"this Dask worker cannot isolate the submission's worker: {walls.note}"})
        differ = sorted(k for k, v in _versions().items() if driver_versions is not None and driver_versions.get(k) != v)
        if differ:
            return json.dumps({**placed, "refused": f"this Dask worker runs other versions of {', '.join(differ)} than the driver"})
        with tempfile.TemporaryDirectory(prefix="rnn-grader-") as folder:
            report = grade(unpack(parcel, folder), settings=settings, hide=(folder, *hide))
        texts = render(dataclasses.replace(report, submission=shown_as))
        return json.dumps({**placed, "isolated": walls.isolated, "files": texts})


@contextlib.contextmanager
def _interrupts_ignored():
    """Ctrl-C ignored while a local cluster's worker processes start: they inherit that (as ``dask_setup`` keeps it),
    so that a terminal's Ctrl-C, sent to the whole process group, reaches only the driver, which stops them itself."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a batch started elsewhere has no terminal's Ctrl-C to fear
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def dask_setup(worker) -> None:
    """Dask's preload hook, run in each worker process of a ``local:N`` cluster as it starts, a restarted one too:
    Ctrl-C ignored (see ``_interrupts_ignored``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def dask_teardown(worker) -> None:
    """Dask's preload hook, run as each worker process of a ``local:N`` cluster closes: its zygote ends, and with it
    every worker, before the process does, as a local batch's grading process ends them; a grading still running
    then ends at once, its worker lost."""
    from grading import painter, torch_oracle, worker as workers  # noqa: PLC0415

    workers.stop_zygote()
    torch_oracle.stop()
    painter.stop()


@functools.cache
def _versions() -> dict:
    """This process's package versions (``grading.score.versions``), looked up once."""
    from grading.score import versions  # noqa: PLC0415

    return versions()


@functools.cache
def _prepare_process() -> None:
    """Once per Dask worker process, as a local batch's grading process: one thread for torch and BLAS."""
    import torch  # noqa: PLC0415

    torch.set_num_threads(1)


def _worker_name() -> str:
    """This Dask worker as the summary names it: "dask 3 (tcp://10.0.0.5:40123)", or its address alone when unnamed."""
    from distributed import get_worker  # noqa: PLC0415

    worker = get_worker()
    named = worker.name is not None and str(worker.name) != worker.address
    return f"dask {worker.name} ({worker.address})" if named else worker.address


def parse_result(text: str) -> dict:
    """A task's JSON result, checked: a text for each of ``grading.reports.WRITERS``, or ``refused`` with why; ValueError if not."""
    from grading.reports import WRITERS  # noqa: PLC0415

    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        raise ValueError("the Dask worker's result is not JSON") from None
    if not isinstance(found, dict) or not isinstance(found.get("host"), str) or not isinstance(found.get("worker"), str):
        raise ValueError("the Dask worker's result does not say where it ran")
    if not isinstance(found.get("waited"), (int, float)):
        raise ValueError("the Dask worker's result does not say how long it waited")
    if "refused" in found:
        if not isinstance(found["refused"], str):
            raise ValueError("the Dask worker refused without saying why")
        return found
    files = found.get("files")
    if not isinstance(files, dict) or sorted(files) != sorted(WRITERS) or not all(isinstance(t, str) for t in files.values()):
        raise ValueError(f"the Dask worker's result does not hold the reports {', '.join(WRITERS)}")
    if not isinstance(found.get("isolated"), bool):
        raise ValueError("the Dask worker's result does not say whether it isolated the submission")
    try:
        report = json.loads(files["report.json"])
        ok = isinstance(report, dict) and isinstance(report.get("problems"), list)
        ok = ok and all(isinstance(report.get(k), (int, float)) for k in ("score", "max_score"))
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("the Dask worker's report.json is not a report")
    return found


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What came back for one submission: the checked result (``parse_result``), or ``error``, why there is none."""

    item: object
    result: dict | None = None
    error: str = ""


def graded(client: Client, items: list, send, *, task=grade_parcel) -> Iterator[Outcome]:
    """Run ``task(*send(item))`` on the cluster for each of ``items`` and yield each one's outcome as it completes.

    At most IN_FLIGHT_PER_WORKER tasks per worker process are submitted at once, the workers counted again as a
    task completes, at most every CAPACITY_CHECK seconds, so that workers joining mid-batch get work.
    ``send(item)`` packs the item's arguments only when it is submitted: only the parcels in flight are held in
    memory. Ctrl-C cancels what is still submitted.
    """
    _, distributed = _import_dask()
    waiting = iter(items)
    running: dict = {}
    done = distributed.as_completed()

    def capacity() -> int:
        return max(2, IN_FLIGHT_PER_WORKER * len(client.nthreads()))

    def fill(limit: int) -> None:
        while len(running) < limit and (item := next(waiting, None)) is not None:
            future = client.submit(task, *send(item), pure=False)
            running[future] = item
            done.add(future)

    limit, counted = capacity(), time.monotonic()
    fill(limit)
    try:
        for future in done:
            item = running.pop(future)
            yield _outcome(item, future, distributed)
            if time.monotonic() - counted > CAPACITY_CHECK:
                limit, counted = capacity(), time.monotonic()
            fill(limit)
    finally:
        if running:
            client.cancel(list(running))


def _outcome(item, future, distributed) -> Outcome:
    try:
        text = future.result()
    except distributed.KilledWorker as killed:
        tries = killed.allowed_failures + 1
        return Outcome(item, error=f"the Dask worker grading this submission died {tries} times, last {killed.last_worker.address}")
    except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
        return Outcome(item, error=f"the grader failed on this submission ({type(error).__name__}: {error})")
    try:
        return Outcome(item, parse_result(text))
    except ValueError as unreadable:
        return Outcome(item, error=f"{unreadable}; nothing of it was kept")
