"""Grade a whole cohort: one submission per entry of a folder, in parallel, resumable.

    OUT/<student>/       the four reports of each submission, and fingerprint.json
    OUT/gradebook.csv    one row per student: total, each problem, status, seconds
    OUT/summary.md       the distribution, what the cohort failed, the slowest, the ungradable
    OUT/summary.json     the same, for machines
    OUT/score_histogram.svg

Each submission's reports are written atomically and its fingerprint last, so
a batch killed at any moment keeps everything it finished; a rerun skips every
submission whose content and settings are unchanged (unless ``force``) and
grades the rest. The coordinator imports torch and the reference once, then
forks the grading processes, which inherit them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading.load import MAX_FILES, SKIPPED_DIRS
from grading.reports import write_atomically
from grading.reports.summary import histogram_svg, summary_json, summary_markdown

FINGERPRINT = "fingerprint.json"


@dataclass(frozen=True)
class Settings:
    """What a grading depends on besides the submission: a change in any of these regrades everything."""

    assignment: str
    seed: int = 0
    max_examples: int = 100
    timeout: float = 60.0
    memory_mb: int = 2048


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path


@dataclass(frozen=True)
class Row:
    """One student's line of the gradebook."""

    student: str
    status: str  # graded | error | timeout
    score: float
    max_score: float
    problems: dict
    seconds: float
    reason: str = ""
    checks: dict = field(default_factory=dict)  # "problem3.backward_dWh" -> its status
    diagnoses: dict = field(default_factory=dict)  # "problem3.backward_dWh" -> the diagnosis of its failure, as in report.json
    skipped: bool = False  # reused from an earlier run

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    graded: int = 0
    reused: int = 0
    seconds: float = 0.0


def entries(folder: Path) -> list[Entry]:
    """Every visible entry of ``folder``, named after the file's stem or the folder's name."""
    found = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    stems = [p.stem if p.is_file() else p.name for p in found]
    # Two entries with one stem (alice.py, alice.ipynb) keep their full names.
    return [Entry(stem if stems.count(stem) == 1 else p.name, p) for stem, p in zip(stems, found)]


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = []
    for p in sorted(path.rglob("*")):
        parts = p.relative_to(path).parts
        if p.is_file() and not any(x.startswith(".") or x in SKIPPED_DIRS for x in parts):
            files.append(p)
        if len(files) >= MAX_FILES:
            break
    return files


def fingerprint(entry: Entry, settings: Settings, version: str) -> str:
    """A digest of the submission's bytes and the settings: equal digests, equal gradings."""
    digest = hashlib.sha256(json.dumps({**asdict(settings), "grader": version}, sort_keys=True).encode())
    for file in _files(entry.path):
        digest.update(str(file.relative_to(entry.path) if entry.path.is_dir() else file.name).encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _row(student: str, report: dict, *, skipped: bool = False) -> Row:
    return Row(
        student=student,
        status=report.get("status", "graded"),
        score=report["score"],
        max_score=report["max_score"],
        problems={p["id"]: p["score"] for p in report["problems"]},
        seconds=report.get("seconds", 0.0),
        reason=report.get("reason", ""),
        checks={f"{p['id']}.{c['name']}": c["status"] for p in report["problems"] for c in p["checks"]},
        diagnoses={f"{p['id']}.{c['name']}": c["diagnosis"] for p in report["problems"] for c in p["checks"] if c.get("diagnosis")},
        skipped=skipped,
    )


def _reusable(entry: Entry, out: Path, print_: str) -> Row | None:
    folder = out / entry.student
    try:
        stored = json.loads((folder / FINGERPRINT).read_text())
        if stored.get("fingerprint") != print_:
            return None
        return _row(entry.student, json.loads((folder / "report.json").read_text()), skipped=True)
    except (OSError, ValueError, KeyError):
        return None


def grade_one(entry: Entry, settings: Settings, out: Path, print_: str) -> Row:
    """Grade one submission and write its reports, then its fingerprint; runs in a grading process."""
    import grader  # noqa: PLC0415 - already imported by the coordinator before the fork

    report = grader.grade(
        entry.path,
        settings.assignment,
        out=out / entry.student,
        seed=settings.seed,
        max_examples=settings.max_examples,
        timeout=settings.timeout,
        memory_mb=settings.memory_mb,
        hide=(entry.path.parent, out),  # every student's submission and every report
    )
    write_atomically(out / entry.student / FINGERPRINT, json.dumps({"fingerprint": print_, "settings": asdict(settings)}, indent=2) + "\n")
    return _row(entry.student, report.to_dict())


def _lost_row(entry: Entry, max_score: float, problems: list[str], why: str) -> Row:
    return Row(entry.student, "error", 0.0, max_score, {p: 0.0 for p in problems}, 0.0, why)


def _prepare_child() -> None:
    """Each grading process: one thread for torch and BLAS, so that jobs do not fight over the cores."""
    import torch  # noqa: PLC0415 - inherited from the coordinator, already loaded

    torch.set_num_threads(1)


def run(
    folder: str | Path,
    settings: Settings,
    out: str | Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_done: Callable[[Row, int, int], None] | None = None,
) -> Result:
    """Grade every entry of ``folder`` into ``out``; ``on_done(row, finished, total)`` after each one."""
    import assignments  # noqa: PLC0415
    from grading.score import versions  # noqa: PLC0415

    spec = assignments.get(settings.assignment)
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    version = versions().get("rnn-grader", "?")
    todo, result = [], Result()
    for entry in entries(folder):
        print_ = fingerprint(entry, settings, version)
        reused = None if force else _reusable(entry, out, print_)
        if reused:
            result.rows.append(reused)
            result.reused += 1
        else:
            todo.append((entry, print_))
    total = len(result.rows) + len(todo)
    for finished, row in enumerate(result.rows, start=1):
        if on_done:
            on_done(row, finished, total)

    problem_ids = [p.id for p in spec.problems]
    if todo:
        import grader  # noqa: F401, PLC0415 - imported once here, so that the forked grading processes inherit it

        if any(c.torch for p in spec.problems for c in p.checks):
            import checks.torch_parity  # noqa: F401, PLC0415 - torch too, once, in the coordinator
    attempts: dict[str, int] = {}
    jobs = max(1, jobs or os.cpu_count() or 1)
    while todo:
        retry = []
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_prepare_child) as pool:
            futures = {pool.submit(grade_one, entry, settings, out, print_): (entry, print_) for entry, print_ in todo}
            for future in as_completed(futures):
                entry, print_ = futures[future]
                try:
                    row = future.result()
                except BrokenProcessPool:
                    # A grading process died (not the student's worker, which is contained): try once more in a new pool.
                    attempts[entry.student] = attempts.get(entry.student, 0) + 1
                    if attempts[entry.student] < 2:
                        retry.append((entry, print_))
                        continue
                    row = _lost_row(entry, spec.max_score, problem_ids, "the grading process died twice while grading this submission")
                except Exception as error:  # noqa: BLE001 - one submission must never stop the batch
                    row = _lost_row(
                        entry, spec.max_score, problem_ids, f"the grader failed on this submission ({type(error).__name__}: {error})"
                    )
                result.rows.append(row)
                result.graded += 1
                if on_done:
                    on_done(row, len(result.rows), total)
        todo = retry
    result.rows.sort(key=lambda r: r.student)
    result.seconds = time.monotonic() - started
    write_cohort(result, settings, out, problem_ids)
    return result


def gradebook_csv(rows: list[Row], problem_ids: list[str], max_score: float) -> str:
    """One row per student; the columns an LMS import expects: an id, the total, a column per problem."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", f"total (of {max_score:g})", *problem_ids, "status", "seconds"])
    for row in rows:
        writer.writerow(
            [row.student, f"{row.score:g}", *(f"{row.problems.get(p, 0):g}" for p in problem_ids), row.status, f"{row.seconds:.2f}"]
        )
    return buffer.getvalue()


def write_cohort(result: Result, settings: Settings, out: Path, problem_ids: list[str]) -> None:
    """gradebook.csv, summary.json, summary.md and the histogram, each written atomically."""
    max_score = max((r.max_score for r in result.rows), default=0.0)
    write_atomically(out / "gradebook.csv", gradebook_csv(result.rows, problem_ids, max_score))
    write_atomically(out / "score_histogram.svg", histogram_svg(result.rows))
    write_atomically(out / "summary.json", json.dumps(summary_json(result, settings), indent=2) + "\n")
    write_atomically(out / "summary.md", summary_markdown(result, settings, "score_histogram.svg"))
