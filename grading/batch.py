"""Grade a whole cohort: one submission per entry of a folder, in parallel, resumable.

Entries that cannot be submissions (hidden or cache folders, files other than
.py and .ipynb, folders without either, symbolic links) are skipped, and the
summary lists them. No link is followed and nothing but a regular file is read,
here as in ``grading.load``.

    OUT/<student>/       the five reports of each submission, and fingerprint.json
    OUT/gradebook.csv    one row per student: total, each problem, status, seconds, the file graded, how it was chosen
    OUT/summary.md       the distribution, what the cohort failed, the slowest, the ungradable, the entries skipped,
                         the similar pairs
    OUT/summary.json     the same, for machines
    OUT/score_histogram.svg
    OUT/summary.html     the summary for a browser: the histogram, what the cohort failed, a link to each report.html
    OUT/similarity.html  the similar pairs side by side (``grading.similarity``)

The submissions are graded in a local pool of forked grading processes (``grading.pool``) or on a Dask cluster
(``grading.cluster``); either way, this module writes the files. Each submission's reports are written atomically
and its fingerprint last, so a batch killed at any moment keeps everything it finished; a rerun skips every
submission whose content and settings are unchanged (unless ``force``) and grades the rest. What it reuses must
match the SHA-256 its fingerprint recorded of its report.json and have been graded in isolated workers, which
cannot reach OUT. Unisolated workers (no root and no user namespaces) could write anything the grader can, a
digest kept elsewhere included, so a batch refuses to run that way unless ``allow_unisolated``, and then reuses
nothing. Stopped by Ctrl-C, a batch writes the gradebook and summary of what was finished before it raises
``Interrupted``."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import io
import json
import os
import socket
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grading.load import MAX_SOURCE_BYTES, NOTEBOOK_BYTES
from grading.pool import interrupts_ignored
from grading.reports import render, write_atomically, write_texts
from grading.reports.summary import histogram_svg, summary_json, summary_markdown
from grading.reports.summary_html import summary_html
from grading.single import SIMILARITY_THRESHOLD, Settings, grade
from grading.submission_files import SKIPPED_DIRS, SOURCE_SUFFIXES, is_environment, read_regular, scan

FINGERPRINT = "fingerprint.json"
CACHE_DIRS = {"__pycache__", ".ipynb_checkpoints", "node_modules"}


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
    file: str = ""  # the file graded, inside the student's folder
    notes: str = ""  # how that file was chosen, when the folder held several candidates; how it was called, when not by the contract
    host: str = ""  # where it was graded now ("" when reused): the machine
    worker: str = ""  # and the grading process: "process 123" in a local pool, the Dask worker's name on a cluster
    waited: float = 0.0  # seconds from being sent to a grading process to its grading's start
    reported: bool = True  # False when no report was written for this row (the grading was lost): see ``_lost_row``

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Skipped:
    """An entry of the cohort's folder that cannot be a submission, and why."""

    name: str
    why: str


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    graded: int = 0
    reused: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)  # entries that are not students
    similarity: dict | None = None  # grading.similarity's analysis of the cohort (``Similarity.to_dict()``)


def why_not_a_submission(path: Path) -> str:
    """Why the entry ``path`` of a cohort's folder cannot be a submission, or "" when it can.

    Told without following a link: a link is "a symbolic link", whatever it points at. A folder holding a link
    named like a source file is a submission, whose report says the link was ignored.
    """
    if path.name in CACHE_DIRS:
        return "a cache folder"
    if path.name.startswith("."):
        return "a hidden entry"
    if path.name in SKIPPED_DIRS:
        return "an environment folder"
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "neither a file nor a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISREG(mode):
        return "" if path.suffix in SOURCE_SUFFIXES else "not a .py or .ipynb file"
    if not stat.S_ISDIR(mode):
        return "neither a file nor a folder"
    names = {p.name for p in path.iterdir()}
    if is_environment(names):
        return "an environment folder"
    scanned = scan(path)
    if scanned.files or any(inside.endswith(SOURCE_SUFFIXES) for inside, _ in scanned.ignored):
        return ""
    return "an empty folder" if not names else "holds no .py or .ipynb file"


def sort_entries(folder: Path) -> tuple[list[Entry], list[Skipped]]:
    """The entries of ``folder`` that can be submissions, each named after the file's stem or the folder's name, and
    those that cannot, each with why; every entry is judged once."""
    found, skipped = [], []
    for path in sorted(folder.iterdir()):
        why = why_not_a_submission(path)
        if why:
            skipped.append(Skipped(path.name, why))
        else:
            found.append(path)
    stems = [p.name if _is_folder(p) else p.stem for p in found]
    # Two entries with one stem (alice.py, alice.ipynb) keep their full names.
    return [Entry(stem if stems.count(stem) == 1 else p.name, p) for stem, p in zip(stems, found)], skipped


def skipped_entries(folder: Path) -> list[Skipped]:
    """The entries of ``folder`` that ``entries`` leaves out, each with why."""
    return sort_entries(folder)[1]


def entries(folder: Path) -> list[Entry]:
    """Every entry of ``folder`` that can be a submission, named after the file's stem or the folder's name."""
    return sort_entries(folder)[0]


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _files(path: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files a grading of ``path`` may read (the same as ``grading.load`` looks at), and those it ignores, with why."""
    if not _is_folder(path):
        return [path], []
    scanned = scan(path)
    return list(scanned.files), list(scanned.ignored)


def fingerprint(entry: Entry, settings: Settings, version: str) -> str:
    """A digest of the settings and of what a grading reads of the submission: equal digests, equal gradings.

    Each file is read as ``grading.load`` reads it, capped, never through a link; a file that is not read counts
    by why, and each ignored link by its name.
    """
    digest = hashlib.sha256(json.dumps({**asdict(settings), "grader": version}, sort_keys=True).encode())
    files, ignored = _files(entry.path)
    for file in files:
        digest.update((file.name if file == entry.path else str(file.relative_to(entry.path))).encode() + b"\0")
        try:
            content = read_regular(file, NOTEBOOK_BYTES if file.suffix == ".ipynb" else MAX_SOURCE_BYTES)
        except (ValueError, OSError) as error:
            content = f"not read: {error}".encode()
        digest.update(hashlib.sha256(content).digest())
    for inside, why in ignored:
        digest.update(f"{inside}\0ignored: {why}\0".encode())
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
        file=report.get("file", ""),
        notes="; ".join(line for line in (report.get("choice", ""), report.get("binding", "")) if line),
    )


def _reusable(entry: Entry, out: Path, print_: str) -> Row | None:
    """The stored row of ``entry``, if its fingerprint matches, it was graded isolated and its report is the one graded."""
    found = stored_report(out, entry.student)
    if found is None or found[1].get("fingerprint") != print_ or found[1].get("isolated") is not True:
        return None
    try:
        return _row(entry.student, found[0], skipped=True)
    except (KeyError, TypeError):
        return None


def stored_report(out: Path, student: str) -> tuple[dict, dict] | None:
    """The report.json stored for ``student`` in ``out`` and its fingerprint record, if the record vouches for the
    report (the SHA-256 it holds); None if either is missing, unreadable or they disagree."""
    folder = out / student
    try:
        stored = json.loads(read_regular(folder / FINGERPRINT, MAX_SOURCE_BYTES))
        report = read_regular(folder / "report.json", NOTEBOOK_BYTES)
        if not isinstance(stored, dict) or stored.get("report_sha256") != hashlib.sha256(report).hexdigest():
            return None
        return json.loads(report), stored
    except (OSError, ValueError):
        return None


def grade_one(item: tuple[Entry, str], submitted: float, *, settings: Settings, out: Path, isolated: bool = True) -> Row:
    """Grade one submission (``item``: its entry and fingerprint) and store its reports (``store``); runs in a grading
    process of the local pool. ``submitted``: the coordinator's clock when it sent the submission, for the row's wait."""
    entry, print_ = item
    began = time.time()
    hide = (entry.path.parent, out)  # every student's submission and every report
    report = grade(entry.path, settings=settings, hide=hide)  # pictures drawn as its reports are: the jobs use every core
    placed = dict(host=socket.gethostname(), worker=f"process {os.getpid()}", waited=round(max(0.0, began - submitted), 3))
    return dataclasses.replace(store(entry, out, render(report), print_, settings, isolated), **placed)


def store(entry: Entry, out: Path, texts: dict[str, str], print_: str, settings: Settings, isolated: bool) -> Row:
    """Write a submission's report ``texts`` (``grading.reports.render``) into its folder of ``out``, then its fingerprint
    (with its report's digest, and whether its worker was isolated); its row."""
    folder = out / entry.student
    write_texts(texts, folder)
    digest = hashlib.sha256(texts["report.json"].encode()).hexdigest()
    record = {"fingerprint": print_, "settings": settings.public(), "report_sha256": digest, "isolated": isolated}
    write_atomically(folder / FINGERPRINT, json.dumps(record, indent=2) + "\n")
    return _row(entry.student, json.loads(texts["report.json"]))


def _lost_row(entry: Entry, max_score: float, problems: list[str], why: str) -> Row:
    """The row of a submission whose grading gave no report: 0, and why."""
    return Row(entry.student, "error", 0.0, max_score, {p: 0.0 for p in problems}, 0.0, why, reported=False)


class Interrupted(KeyboardInterrupt):
    """A batch stopped by Ctrl-C while grading (or by SIGTERM, which ``grader.main`` turns into one).

    ``result`` holds every submission finished, reused or graded now: each
    one's reports and fingerprint are in OUT, and so are a gradebook and a
    summary of them (unless there is none); a rerun grades the rest.
    ``total`` is how many the batch had.
    """

    def __init__(self, result: Result, total: int):
        super().__init__(f"{len(result.rows)} of {total} submissions finished")
        self.result, self.total = result, total


def run(
    folder: str | Path,
    settings: Settings,
    out: str | Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_done: Callable[[Row, int, int], None] | None = None,
    allow_unisolated: bool = False,
    scheduler: str | None = None,
    similarity_threshold: float = SIMILARITY_THRESHOLD,
) -> Result:
    """Grade every entry of ``folder`` into ``out``; ``on_done(row, finished, total)`` after each one.

    Then compare the submissions (``grading.similarity``): pairs at or above ``similarity_threshold`` in code or
    behaviour are listed in the summary and shown in similarity.html.

    ``scheduler``: grade on that Dask cluster (``grading.cluster``: ``tcp://HOST:PORT``, or ``local:N``) rather than
    in ``jobs`` local grading processes. Unisolated (``unisolated_refusal``, or a Dask worker that cannot isolate),
    ValueError unless ``allow_unisolated``; then nothing stored is reused.
    """
    import assignments  # noqa: PLC0415
    from grading import cluster  # noqa: PLC0415 - imports Dask only when connecting
    from grading.sandbox import isolation  # noqa: PLC0415
    from grading.score import versions  # noqa: PLC0415

    if settings.assignment is None:
        raise ValueError("settings.assignment=None: a batch grades every submission against one assignment; name it")
    if scheduler is None:
        refusal = unisolated_refusal(allow_unisolated)
        if refusal:
            raise ValueError(refusal)
    spec = assignments.get(settings.assignment)
    folder, out = Path(folder), Path(out)
    with cluster.connected(cluster.parse_scheduler(scheduler)) if scheduler else contextlib.nullcontext() as client:
        isolated = isolation().isolated if client is None else cluster.check_workers(client, allow_unisolated)
        force = force or not isolated
        out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        version = versions().get("rnn-grader", "?")
        students, skipped = sort_entries(folder)
        todo, result = [], Result(skipped=skipped)
        for entry in students:
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

        def finished(row: Row) -> None:
            result.rows.append(row)
            result.graded += 1
            if on_done:
                on_done(row, len(result.rows), total)

        problem_ids = [p.id for p in spec.problems]
        try:
            if client is None:
                _grade_locally(todo, settings, out, isolated, jobs, spec, finished)
            else:
                grade_on_cluster(client, todo, settings, out, allow_unisolated, spec, finished)
        except KeyboardInterrupt as stop:
            # A grading that wrote its fingerprint just before the stop is kept, though its row never came back: count it.
            counted = {row.student for row in result.rows}
            for entry, print_ in todo:
                kept = None if entry.student in counted or not isolated else _reusable(entry, out, print_)
                if kept is not None:
                    result.rows.append(dataclasses.replace(kept, skipped=False))
                    result.graded += 1
            if result.rows:  # an empty gradebook would only hide an earlier one
                with interrupts_ignored():
                    _finish(result, settings, out, problem_ids, started, students, similarity_threshold)
            raise Interrupted(result, total) from stop
        _finish(result, settings, out, problem_ids, started, students, similarity_threshold)
    return result


def _grade_locally(todo: list, settings: Settings, out: Path, isolated: bool, jobs: int | None, spec, finished) -> None:
    """Grade each of ``todo`` (an entry and its fingerprint) in ``jobs`` grading processes forked from this one
    (``grading.pool``); ``finished(row)`` as each ends."""
    from grading import pool  # noqa: PLC0415

    problem_ids = [p.id for p in spec.problems]
    if todo and any(c.torch for p in spec.problems for c in p.checks):
        import checks.torch_parity  # noqa: F401, PLC0415 - torch too, once, in the coordinator
    work = functools.partial(grade_one, settings=settings, out=out, isolated=isolated)
    for (entry, _), row, why in pool.graded(todo, work, jobs=max(1, jobs or os.cpu_count() or 1)):
        finished(row if row is not None else _lost_row(entry, spec.max_score, problem_ids, why))


def grade_on_cluster(client, todo: list, settings: Settings, out: Path, allow_unisolated: bool, spec, finished, task=None) -> None:
    """Grade each of ``todo`` (an entry and its fingerprint) on the Dask cluster of ``client``, its bytes sent with it
    (``grading.parcel``); store what comes back here, and ``finished(row)`` as each ends. ``task``: what each Dask
    worker runs (``cluster.grade_parcel``; ``benchmarks/cluster_throughput.py`` swaps in a grading of fixed cost)."""
    from grading import cluster, parcel  # noqa: PLC0415
    from grading.score import versions  # noqa: PLC0415

    problem_ids = [p.id for p in spec.problems]
    mine = versions()

    def send(item):
        entry, _ = item
        hide = (str(entry.path.parent), str(out))  # as a local grading hides them
        return parcel.pack(entry.path), settings, str(entry.path), allow_unisolated, time.time(), mine, hide

    for outcome in cluster.graded(client, todo, send, task=task or cluster.grade_parcel):
        entry, print_ = outcome.item
        found = outcome.result or {}
        placed = {k: found[k] for k in ("host", "worker", "waited") if k in found}
        if outcome.error or "refused" in found:
            row = _lost_row(entry, spec.max_score, problem_ids, outcome.error or found["refused"])
        else:
            try:
                row = store(entry, out, found["files"], print_, settings, found["isolated"])
            except (OSError, ValueError, KeyError, TypeError) as error:  # one submission must never stop the batch
                row = _lost_row(entry, spec.max_score, problem_ids, f"its reports could not be stored ({type(error).__name__}: {error})")
        finished(dataclasses.replace(row, **placed))


def unisolated_refusal(allow_unisolated: bool) -> str:
    """Why a batch refuses to run here, in one line: its workers cannot be isolated and that was not allowed; or ""."""
    from grading.sandbox import isolation  # noqa: PLC0415

    walls = isolation()
    if walls.isolated or allow_unisolated:
        return ""
    return (
        f"workers cannot be isolated here, so a submission could read, signal and forge its classmates' work: {walls.note}."
        " Grade as root or where unprivileged user namespaces are enabled, or pass --allow-unisolated to grade anyway"
        " (every report then says so, and no stored report is reused)"
    )


def _finish(
    result: Result, settings: Settings, out: Path, problem_ids: list[str], started: float, students: list[Entry], threshold: float
) -> None:
    """Sort the rows, compare the submissions (``grading.similarity``: similarity.html), time the batch, and write the
    gradebook and summary of the rows."""
    from grading import similarity  # noqa: PLC0415
    from grading.reports.similarity_html import similarity_html  # noqa: PLC0415

    result.rows.sort(key=lambda r: r.student)
    finished = {row.student for row in result.rows}
    paths = {entry.student: entry.path for entry in students if entry.student in finished}
    reports = {row.student: found[0] for row in result.rows if row.reported and (found := stored_report(out, row.student))}
    try:
        analysis, codes = similarity.of_cohort(paths, settings.assignment, reports=reports, threshold=threshold)
        result.similarity = analysis.to_dict()
        title = f"{settings.assignment}: similar submissions"
        write_atomically(out / "similarity.html", similarity_html(result.similarity, codes, title))
    except Exception as error:  # noqa: BLE001 - evidence for a person: never worth the gradebook
        result.similarity = {"error": f"the similarity analysis failed ({type(error).__name__}: {error}); the grades stand"}
    result.seconds = time.monotonic() - started
    write_cohort(result, settings, out, problem_ids)


def gradebook_csv(rows: list[Row], problem_ids: list[str], max_score: float) -> str:
    """One row per student; the columns an LMS import expects: an id, the total, a column per problem."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", f"total (of {max_score:g})", *problem_ids, "status", "seconds", "file", "notes"])
    for row in rows:
        problems = (f"{row.problems.get(p, 0):g}" for p in problem_ids)
        writer.writerow([row.student, f"{row.score:g}", *problems, row.status, f"{row.seconds:.2f}", row.file, row.notes])
    return buffer.getvalue()


def write_cohort(result: Result, settings: Settings, out: Path, problem_ids: list[str]) -> None:
    """gradebook.csv, summary.json, summary.md, summary.html and the histogram, each written atomically."""
    max_score = max((r.max_score for r in result.rows), default=0.0)
    write_atomically(out / "gradebook.csv", gradebook_csv(result.rows, problem_ids, max_score))
    write_atomically(out / "score_histogram.svg", histogram_svg(result.rows))
    write_atomically(out / "summary.json", json.dumps(summary_json(result, settings), indent=2) + "\n")
    write_atomically(out / "summary.md", summary_markdown(result, settings, "score_histogram.svg"))
    write_atomically(out / "summary.html", summary_html(result, settings))
