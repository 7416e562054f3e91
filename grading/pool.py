"""The local pool: a batch's submissions graded in grading processes forked from the coordinator.

The coordinator has imported torch and the reference once; each grading process inherits them, then grades one
submission after another (``grading.batch.grade_one``), each in its own zygote's workers. A grading process dies
with the coordinator, however it ends, and its zygote and workers with it. It ignores Ctrl-C: the coordinator,
stopped by one, ends the processes at once (their zygotes first) and reaps them. A grading process that dies (not
a student's worker, which is contained) has its submission tried once more, in a new pool.

``grading.cluster`` is the same for a Dask cluster.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

STOP_SECONDS = 10.0
"""How long an interrupted batch waits for a grading process to end its zygote and exit before it kills it."""
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


def _prepare_child(coordinator: int) -> None:
    """Each grading process: dies with the coordinator, leaves Ctrl-C to it, and uses one thread for torch and BLAS.

    It starts with Ctrl-C and SIGTERM blocked (``_interrupts_blocked``), so
    that neither reaches it before its own handling is in place. On SIGTERM,
    and when the pool shuts it down, it ends its zygote and waits for it;
    killed outright, its zygote gets SIGTERM from the kernel instead.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_grading_process)  # not the coordinator's handler, inherited through the fork
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
    from grading.zygote import die_with_parent  # noqa: PLC0415

    die_with_parent(signal.SIGKILL, parent=coordinator)
    multiprocessing.util.Finalize(None, _end_helpers, exitpriority=0)  # run as the pool's process exits
    import torch  # noqa: PLC0415 - inherited from the coordinator, already loaded

    torch.set_num_threads(1)


def _end_helpers() -> None:
    """End this process's zygote (which first kills what its workers left) and torch oracle, and wait for them."""
    from grading import torch_oracle, worker  # noqa: PLC0415 - loaded already: every grading uses them

    worker.stop_zygote()
    torch_oracle.stop()


def _end_grading_process(signum: int, frame) -> None:
    """A grading process's SIGTERM: end its helpers, then exit at once, as the signal would have."""
    _end_helpers()
    os._exit(128 + signum)


@contextlib.contextmanager
def _interrupts_blocked():
    """Ctrl-C and SIGTERM held back in this thread: a process forked meanwhile starts with them blocked; here they come after."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def interrupts_ignored():
    """Ctrl-C and SIGTERM ignored for a moment, so that a second one does not cut short the cleaning up after the first."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives them as exceptions, and only it may set handlers
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in INTERRUPTS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _stopped_at_once_by_interrupts(pool: ProcessPoolExecutor):
    """On Ctrl-C, end the pool now rather than after the gradings it runs: cancel what waits, end the processes, reap them."""
    try:
        yield
    except KeyboardInterrupt:
        with interrupts_ignored():
            processes = multiprocessing.active_children()  # the pool's grading processes: this process starts no others
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()  # _end_grading_process: the zygote first
            deadline = time.monotonic() + STOP_SECONDS
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join()
        raise


def graded(items: list, work: Callable, *, jobs: int) -> Iterator[tuple[object, object | None, str]]:
    """Run ``work(item, submitted)`` for each of ``items`` in ``jobs`` forked grading processes (``submitted``: this
    clock when it was sent); yield ``(item, result, "")`` as each ends, or ``(item, None, why)`` when it gave no
    result: its grading process died twice, or it raised."""
    options = dict(mp_context=multiprocessing.get_context("fork"), initializer=_prepare_child, initargs=(os.getpid(),))
    attempts: dict[int, int] = {}
    todo = list(enumerate(items))
    while todo:
        retry = []
        with ProcessPoolExecutor(jobs, **options) as pool, _stopped_at_once_by_interrupts(pool):
            with _interrupts_blocked():  # the grading processes are forked at the first submit
                futures = {pool.submit(work, item, time.time()): (number, item) for number, item in todo}
            for future in as_completed(futures):
                number, item = futures[future]
                try:
                    yield item, future.result(), ""
                except BrokenProcessPool:
                    attempts[number] = attempts.get(number, 0) + 1
                    if attempts[number] < 2:
                        retry.append((number, item))
                    else:
                        yield item, None, "the grading process died twice while grading this submission"
                except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
                    yield item, None, f"the grader failed on this submission ({type(error).__name__}: {error})"
        todo = retry
