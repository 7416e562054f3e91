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


_started = None  # in a grading process: the coordinator's shared flags, one per item, set as its grading starts


def _prepare_child(coordinator: int, started=None) -> None:
    """Each grading process: dies with the coordinator, leaves Ctrl-C to it, and uses one thread for torch and BLAS.

    It starts with Ctrl-C and SIGTERM blocked (``_interrupts_blocked``), so
    that neither reaches it before its own handling is in place. On SIGTERM,
    and when the pool shuts it down, it ends its zygote and waits for it;
    killed outright, its zygote gets SIGTERM from the kernel instead.
    """
    global _started
    _started = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_grading_process)  # not the coordinator's handler, inherited through the fork
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
    from grading.zygote import die_with_parent  # noqa: PLC0415

    die_with_parent(signal.SIGKILL, parent=coordinator)
    multiprocessing.util.Finalize(None, _end_helpers, exitpriority=0)  # run as the pool's process exits
    import torch  # noqa: PLC0415 - inherited from the coordinator, already loaded

    torch.set_num_threads(1)


def _end_helpers() -> None:
    """End this process's zygote (which first kills what its workers left), torch oracle and painter, and wait for them."""
    from grading import painter, torch_oracle, worker  # noqa: PLC0415 - loaded already: every grading uses them

    worker.stop_zygote()
    torch_oracle.stop()
    painter.stop()


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


def _tracked(number: int, item, submitted: float, *, work: Callable):
    """``work(item, submitted)``, with item ``number``'s flag set first: the coordinator then knows it started."""
    _started[number] = 1
    return work(item, submitted)


def graded(items: list, work: Callable, *, jobs: int) -> Iterator[tuple[object, object | None, str]]:
    """Run ``work(item, submitted)`` for each of ``items`` in ``jobs`` forked grading processes (``submitted``: this
    clock when it was sent); yield ``(item, result, "")`` as each ends, or ``(item, None, why)`` when it gave no
    result: its grading process died twice, or it raised.

    When a grading process dies, the pool fails every item it holds. Only those that had started are suspects; the
    others run again in a new pool, uncharged. Each suspect then runs alone, in a pool of its own: dying there too,
    it is the one that kills its grading process.
    """
    started = multiprocessing.get_context("fork").RawArray("b", len(items))
    todo, suspects = list(enumerate(items)), []
    while todo or suspects:
        if todo:
            retry = []
            for number, item, result, why in _round(todo, work, jobs, started):
                if why is None:
                    (suspects if started[number] else retry).append((number, item))
                else:
                    yield item, result, why
            if retry and not any(started[n] for n, _ in todo):  # a pool that broke before any grading started
                suspects, retry = suspects + retry, []
            todo = retry
        else:
            number, item = suspects.pop(0)
            for _, item, result, why in _round([(number, item)], work, 1, started):
                yield item, result, "the grading process died twice while grading this submission" if why is None else why


def _round(todo: list, work: Callable, jobs: int, started) -> Iterator[tuple[int, object, object | None, str | None]]:
    """One pool's run of ``todo``: ``(number, item, result, "")``, ``(number, item, None, why)`` when it raised, or
    ``(number, item, None, None)`` when its grading process died."""
    for number, _ in todo:
        started[number] = 0
    options = dict(mp_context=multiprocessing.get_context("fork"), initializer=_prepare_child, initargs=(os.getpid(), started))
    with ProcessPoolExecutor(jobs, **options) as pool, _stopped_at_once_by_interrupts(pool):
        with _interrupts_blocked():  # the grading processes are forked at the first submit
            futures = {pool.submit(_tracked, number, item, time.time(), work=work): (number, item) for number, item in todo}
        for future in as_completed(futures):
            number, item = futures[future]
            try:
                yield number, item, future.result(), ""
            except BrokenProcessPool:
                yield number, item, None, None
            except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
                yield number, item, None, f"the grader failed on this submission ({type(error).__name__}: {error})"
