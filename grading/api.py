"""The Python API: grade a submission, check one, or grade a cohort, each as ``Settings`` say.

    from grading.api import Settings, batch, check, grade

    report = grade("my_rnn.py", "dic-sprint22", out="report")          # a grading.report.Report
    report = grade("my_rnn.py", settings=Settings(seed=3, max_examples=200))
    report = check("my_rnn.py")                                          # Settings.for_check(): 15 examples, no torch
    result = batch("submissions/", out="grades", jobs=2)                 # a grading.batch.Result
    result = batch("submissions/", out="grades", scheduler="tcp://head:8786")   # on a Dask cluster (grading.cluster)

``Settings`` holds every default; a function's keyword options (``seed=3``) change its fields for one call.
``grader.py`` is the command line over these functions, and ``grading.pytest_plugin`` runs ``grade`` as tests.
``grade`` and ``check`` live in ``grading.single``, below ``grading.batch``, which grades each submission with them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from grading.single import CHECK_EXAMPLES, SIMILARITY_THRESHOLD, Settings, check, choose_assignment, grade, secret_seed, settled

if TYPE_CHECKING:
    from grading.batch import Result, Row

__all__ = ["CHECK_EXAMPLES", "SIMILARITY_THRESHOLD", "Settings", "batch", "check", "choose_assignment", "grade", "secret_seed", "similar"]


def batch(
    folder: str | Path,
    assignment: str | None = None,
    *,
    out: str | Path,
    settings: Settings | None = None,
    jobs: int | None = None,
    force: bool = False,
    on_done: Callable[[Row, int, int], None] | None = None,
    allow_unisolated: bool = False,
    scheduler: str | None = None,
    similarity_threshold: float = SIMILARITY_THRESHOLD,
    **options,
) -> Result:
    """Grade every entry of ``folder`` (a .py, a notebook or a folder each) into ``out``, with a gradebook and a summary.

    ``settings``, ``assignment`` and ``options`` as in ``grade``; without an assignment, it is chosen from the classes
    the cohort's files define (ValueError when that is ambiguous). ``jobs`` submissions at once (default: the
    cores); ``force`` grades again what is unchanged since the last run; ``on_done(row, finished, total)`` after
    each. Where workers cannot be isolated (``grading.sandbox``), ValueError unless ``allow_unisolated``.
    ``scheduler``: grade on a Dask cluster instead, at that address (``tcp://HOST:8786``), or on a new one of N local
    worker processes (``local:N``); ``grading.cluster.Unusable`` when it cannot (no Dask, no worker, other versions).
    Then the submissions are compared (``similar``); pairs at or above ``similarity_threshold`` are listed.
    """
    from grading import batch as cohort  # noqa: PLC0415 - only a batch needs it

    settings = settled(settings, assignment, options, default=Settings())
    if settings.assignment is None:
        settings = dataclasses.replace(settings, assignment=choose_assignment(folder)[0])
    return cohort.run(
        folder,
        settings,
        out,
        jobs=jobs,
        force=force,
        on_done=on_done,
        allow_unisolated=allow_unisolated,
        scheduler=scheduler,
        similarity_threshold=similarity_threshold,
    )


def similar(
    folder: str | Path,
    assignment: str | None = None,
    *,
    grades: str | Path | None = None,
    against: tuple[str | Path, ...] = (),
    threshold: float = SIMILARITY_THRESHOLD,
):
    """Compare the submissions of ``folder`` (``grading.similarity``), each also with every submission of the
    ``against`` folders (earlier cohorts, named ``<folder>/<student>``); ``grades``, a batch's ``out`` for this cohort,
    adds the behaviour signal. A ``grading.similarity.Similarity`` and the code each was compared by."""
    from grading import batch as cohort  # noqa: PLC0415
    from grading import similarity  # noqa: PLC0415

    assignment = assignment or choose_assignment(folder)[0]
    students = {e.student: e.path for e in cohort.entries(Path(folder))}
    earlier = {}
    for number, older in enumerate(map(Path, against)):
        name = older.resolve().name if sum(Path(f).resolve().name == older.resolve().name for f in against) == 1 else f"{number + 1}"
        earlier.update({f"{name}/{e.student}": e.path for e in cohort.entries(older)})
    found = {s: cohort.stored_report(Path(grades), s) for s in students} if grades is not None else {}
    reports = {s: f[0] for s, f in found.items() if f is not None}
    return similarity.of_cohort(students, assignment, reports=reports, threshold=threshold, against=earlier)
