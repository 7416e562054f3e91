"""Grade recurrent-network assignments written from scratch in NumPy.

    python grader.py grade PATH --assignment dic-sprint22 --out DIR [--seed N] [--max-examples N]
                                [--timeout S] [--memory MB] [--fail-under PCT]
    python grader.py check PATH [--assignment dic-sprint22]      the student's quick self-check
                                [--html [FILE]]                 also as a web page with pictures
    python grader.py batch FOLDER --assignment dic-sprint22 --out DIR [--jobs N] [--force]   a cohort
                                [--scheduler tcp://HOST:8786 | local:N]     on a Dask cluster
                                [--similarity-threshold PCT]                similar pairs listed in the summary
    python grader.py similar FOLDER --out DIR [--grades OUT] [--against EARLIER ...]   similar submissions alone
    python grader.py gradescope --assignment A --out autograder.zip [--seed-file F] [--hidden-details after_due_date]
    python grader.py list                                        the assignments

The command line only: it parses the options into a ``Settings``, calls the Python API (``grading.api``:
``grade``, ``check``, ``batch``, ``similar``) and prints what came back.

A grading flows load -> worker -> checks -> score -> reports: ``grading.load``
reads the submission, ``grading.worker`` runs it in an isolated process,
``checks`` holds the properties, ``grading.score`` runs them problem by
problem, and ``grading.reports`` writes the files.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import signal
import sys
import threading
import time
from pathlib import Path

# The API imports the checks, and what they import, inside its functions: `main` first starts torch importing in a
# process of its own (grading.torch_oracle), then grades while torch imports.
from grading.api import SIMILARITY_THRESHOLD, Settings, batch, check, choose_assignment, grade, similar

DEFAULT_ASSIGNMENT = "dic-sprint22"
"""The assignment ``ci-template`` writes a workflow for, unless told another."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(convert, what: str, ok, rule: str):
    """An argparse type: ``convert`` the text, then check it, with a message that says what was wrong."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text} {rule}")
        return value

    return parse


_positive_int = _number(int, "a whole number", lambda v: v >= 1, "is below 1; give at least 1")
_seed = _number(int, "a whole number", lambda v: v >= 0, "is negative; seeds are 0 or more")
_seconds = _number(float, "a number of seconds", lambda v: v > 0, "seconds is not above 0")
_percent = _number(float, "a percentage", lambda v: 0 <= v <= 100, "is not between 0 and 100")
_share = _number(float, "a share", lambda v: 0 <= v <= 1, "is not between 0 and 1")


def _scheduler(text: str) -> str:
    """--scheduler: a Dask scheduler's address or local:N (``grading.cluster.parse_scheduler``)."""
    from grading.cluster import parse_scheduler  # noqa: PLC0415 - imports no Dask

    try:
        return parse_scheduler(text)
    except ValueError as wrong:
        raise argparse.ArgumentTypeError(str(wrong).removeprefix(f"--scheduler {text}: ")) from None


def _secret(path: str) -> str:
    """--seed-file: the file's text, read here; only its digest is ever written (``secret_seed``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise argparse.ArgumentTypeError(f"cannot read the seed file {path}: {error}") from None
    if not text.strip():
        raise argparse.ArgumentTypeError(f"the seed file {path} is empty; put any text in it, the longer the better")
    return text


def _parser() -> argparse.ArgumentParser:
    """The commands and their options; each option of a grading is stored under its ``Settings`` field's name, with its
    default from there (``_settings``)."""
    defaults, quick = Settings(), Settings.for_check()
    parser = _Parser(prog="grader.py", description="Property-based grading of recurrent networks written from scratch.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("path", help="a .py file, an .ipynb notebook, or a folder (a submission repository)")
    common.add_argument(
        "--assignment", default=None, help="assignment name (see `list`; default: the one whose classes the submission defines)"
    )
    common.add_argument("--seed", type=_seed, default=defaults.seed, help=f"seed of the generated cases (default {defaults.seed})")
    common.add_argument(
        "--interface",
        choices=("adapt", "strict"),
        default=defaults.interface,
        help="adapt: find and drive the submission's own names and calls; strict: require the published contract "
        f"(default {defaults.interface})",
    )
    graded = _Parser(add_help=False)  # the options grade and batch share
    graded.add_argument(
        "--max-examples",
        type=_positive_int,
        default=defaults.max_examples,
        help=f"cases per property (default {defaults.max_examples})",
    )
    graded.add_argument(
        "--seed-file",
        dest="secret",
        metavar="SEED_FILE",
        type=_secret,
        default=defaults.secret,
        help="a file whose text is a secret seed, used in place of --seed (reports show its digest)",
    )
    graded.add_argument(
        "--realistic",
        type=_share,
        default=defaults.realistic,
        help=f"share of cases drawn like real data: off-grid values, batch to 16, 32 steps (default {defaults.realistic:g})",
    )
    graded.add_argument(
        "--timeout",
        type=_seconds,
        default=defaults.timeout,
        help=f"seconds for the whole submission, loading included (default {defaults.timeout:g})",
    )
    graded.add_argument(
        "--memory",
        dest="memory_mb",
        metavar="MEMORY",
        type=_positive_int,
        default=defaults.memory_mb,
        help=f"each worker's memory limit in MiB (default {defaults.memory_mb})",
    )
    grade_cmd = commands.add_parser(
        "grade", parents=[common, graded], help="grade a submission and write report.json, report.md, junit.xml, results.json, report.html"
    )
    grade_cmd.add_argument("--out", required=True, help="folder for the reports")
    grade_cmd.add_argument("--fail-under", type=_percent, help="exit 1 when the score is below this percentage")
    check_cmd = commands.add_parser("check", parents=[common], help="the student's quick self-check, printed to the terminal")
    check_cmd.add_argument(
        "--max-examples", type=_positive_int, default=quick.max_examples, help=f"cases per property (default {quick.max_examples})"
    )
    check_cmd.add_argument(
        "--html",
        nargs="?",
        const="report.html",
        metavar="FILE",
        help="also write the report as a web page with pictures of each wrong array (default file: report.html here; a folder: "
        "report.html in it)",
    )
    similar_options = _Parser(add_help=False)  # the options batch and similar share
    similar_options.add_argument(
        "--similarity-threshold",
        type=_percent,
        default=100 * SIMILARITY_THRESHOLD,
        metavar="PCT",
        help=f"list the pairs with at least this share of code or behaviour in common (default {100 * SIMILARITY_THRESHOLD:g})",
    )
    batch_cmd = commands.add_parser(
        "batch", parents=[common, graded, similar_options], help="grade every submission in a folder: reports, gradebook.csv, summary.md"
    )
    batch_cmd.add_argument("--out", required=True, help="folder for the reports, the gradebook and the summary")
    batch_cmd.add_argument("--jobs", type=_positive_int, default=None, help="submissions graded at once (default: the number of cores)")
    batch_cmd.add_argument("--force", action="store_true", help="grade again even what is unchanged since the last run")
    batch_cmd.add_argument(
        "--scheduler",
        type=_scheduler,
        default=None,
        help="grade on a Dask cluster: its scheduler's address (tcp://HOST:8786), or local:N to start N worker processes here"
        " (needs pip install 'rnn-grader[cluster]'; default: a local pool of --jobs processes)",
    )
    batch_cmd.add_argument(
        "--allow-unisolated",
        action="store_true",
        help="grade even where workers cannot be isolated (not root, no user namespaces): every report says so",
    )
    similar_cmd = commands.add_parser(
        "similar",
        parents=[similar_options],
        help="compare a cohort's submissions by code and by behaviour: similarity.html, similarity.json",
    )
    similar_cmd.add_argument("path", help="the cohort's folder, one submission per entry, as for batch")
    similar_cmd.add_argument("--assignment", default=None, help="assignment name (default: the one the cohort's files define)")
    similar_cmd.add_argument("--out", required=True, help="folder for similarity.html and similarity.json")
    similar_cmd.add_argument("--grades", default=None, help="a batch's --out for this cohort: adds the behaviour signal")
    similar_cmd.add_argument(
        "--against", nargs="+", default=[], metavar="PREVIOUS_COHORT", help="earlier cohorts' folders to compare each one with"
    )
    ci_cmd = commands.add_parser("ci-template", help="print a GitHub Actions workflow that grades a submission repository")
    ci_cmd.add_argument("--assignment", default=DEFAULT_ASSIGNMENT, help=f"assignment name (default {DEFAULT_ASSIGNMENT})")
    ci_cmd.add_argument("--fail-under", type=_percent, default=0.0, help="fail the job below this percentage (default 0)")
    ci_cmd.add_argument("--grader-source", default=None, help="the pip requirement the workflow installs the grader from")
    gradescope_cmd = commands.add_parser(
        "gradescope", parents=[graded], help="write a Gradescope autograder zip (setup.sh, run_autograder, the settings)"
    )
    gradescope_cmd.add_argument("--assignment", required=True, help="assignment name (see `list`)")
    gradescope_cmd.add_argument("--out", required=True, help="the zip to write, e.g. autograder.zip")
    gradescope_cmd.add_argument("--seed", type=_seed, default=defaults.seed, help=f"seed of the generated cases (default {defaults.seed})")
    gradescope_cmd.add_argument("--fail-under", type=_percent, default=None, help="say in the results when the score is below this")
    gradescope_cmd.add_argument(
        "--hidden-details",
        choices=("visible", "after_due_date"),
        default="visible",
        help="after_due_date: show each check's points and details only after the due date (default visible)",
    )
    autograde_cmd = commands.add_parser("autograde", help="what a Gradescope autograder's run_autograder runs (see gradescope)")
    autograde_cmd.add_argument("root", help="the autograder's root: source/, submission/ and results/ (Gradescope's /autograder)")
    commands.add_parser("list", help="list the assignments")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    """The options of a grading command as Settings: those it has in place of the defaults (``check``'s quick ones)."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings) if hasattr(args, f.name)}
    return dataclasses.replace(Settings.for_check() if args.command == "check" else Settings(), **given)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt, so that both end a command the same clean way."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated


def _exit_code(stop: BaseException) -> int:
    """128 + the signal's number, as a shell reports a process that signal ended: 130 for Ctrl-C, 143 for SIGTERM."""
    cause: BaseException | None = stop
    while cause is not None:
        if isinstance(cause, Terminated):
            return 128 + signal.SIGTERM
        cause = cause.__cause__ or cause.__context__
    return 128 + signal.SIGINT


def _interrupted_line(argv: list[str] | None, started: float) -> str:
    """What a command stopped by Ctrl-C or SIGTERM finished and kept, in one line (batch says it in ``_batch_command``)."""
    try:
        args, _ = _parser().parse_known_args(argv)  # parsed once already, without error, by the command itself
    except SystemExit:
        return "interrupted"
    if args.command == "grade":
        from grading.reports import WRITERS  # noqa: PLC0415

        out = Path(args.out)
        written = [name for name in WRITERS if (out / name).exists() and (out / name).stat().st_mtime >= started]
        if not written:
            return f"interrupted: no report was written to {out}"
        return f"interrupted: {len(written)} of {len(WRITERS)} reports were written to {out} ({', '.join(written)})"
    if args.command == "check":
        return "interrupted: the self-check stopped before it finished; it writes nothing"
    if args.command == "batch":
        return f"interrupted before any submission was graded; {args.out} holds what earlier runs finished"
    return "interrupted"


def _end_helpers() -> None:
    """End the torch oracle and the zygote this process started, if it did, and wait for them.

    Looked up among the loaded modules: a command that never loaded them (``list``) started neither.
    """
    if "grading.torch_oracle" in sys.modules:
        sys.modules["grading.torch_oracle"].stop()
    if "grading.worker" in sys.modules:
        sys.modules["grading.worker"].stop_zygote()


def _stops_cleanly(command):
    """``main``'s wrapper: a command stopped by Ctrl-C or SIGTERM prints one line saying what it kept, and no traceback,
    and exits 130 or 143; whatever ends it, the helper processes it started end and are waited for before it returns.
    """

    @functools.wraps(command)
    def run(argv: list[str] | None = None) -> int:
        started = time.time()
        main_thread = threading.current_thread() is threading.main_thread()  # only it receives signals, and sets handlers
        previous = {}
        if main_thread:
            previous = {signal.SIGINT: signal.getsignal(signal.SIGINT), signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_terminated)}

        def ignore_interrupts() -> None:  # from the first one on: the cleaning up is not cut short by a second
            if main_thread:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)

        try:
            return command(argv)
        except KeyboardInterrupt as stop:
            ignore_interrupts()
            print(_interrupted_line(argv, started), file=sys.stderr)
            return _exit_code(stop)
        finally:
            ignore_interrupts()
            _end_helpers()
            for number, handler in previous.items():
                signal.signal(number, handler)

    return run


@_stops_cleanly
def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "grade" and Path(args.path).exists():
        from grading import torch_oracle  # noqa: PLC0415

        torch_oracle.oracle()  # torch starts importing now, beside the grader's own imports
    import assignments  # noqa: PLC0415

    if args.command == "list":
        for name in assignments.names():
            spec = assignments.get(name)
            problems = ", ".join(f"{p.id} {p.max_score:g}{' bonus' if p.bonus else ''}" for p in spec.problems)
            print(f"{name}  {spec.title}\n    {problems}")
        return 0
    if getattr(args, "assignment", None) is not None and args.assignment not in assignments.names():
        parser.error(f"unknown assignment {args.assignment!r}; known: {', '.join(assignments.names())}")
    if args.command == "gradescope":
        from grading import gradescope  # noqa: PLC0415

        settings = _settings(args)
        made = gradescope.build(args.out, settings, secret=settings.secret, fail_under=args.fail_under, hidden_details=args.hidden_details)
        print(f"{made}: a Gradescope autograder for {args.assignment}; upload it as the assignment's autograder zip")
        return 0
    if args.command == "autograde":
        from grading import gradescope  # noqa: PLC0415

        data = gradescope.autograde(args.root)
        print(f"score {data['score']:g}; {Path(args.root) / gradescope.RESULTS} written")
        return 0
    if args.command == "ci-template":
        from grading import ci

        print(ci.workflow(args.assignment, fail_under=args.fail_under, source=args.grader_source or ci.DEFAULT_SOURCE), end="")
        return 0
    if not Path(args.path).exists():
        parser.error(f"no such file or folder: {args.path}")
    if args.command == "batch" and args.scheduler is None:  # a cluster's workers are checked once connected
        from grading.batch import unisolated_refusal  # noqa: PLC0415

        if refusal := unisolated_refusal(args.allow_unisolated):
            parser.error(refusal)
    if getattr(args, "memory_mb", 256) < 256:
        parser.error(f"--memory {args.memory_mb} MiB is too little; Python and NumPy alone need about 100 MiB, give at least 256")
    if args.assignment is None:  # chosen by the API from the classes, once known to be unambiguous; `check` prints its note
        try:
            chosen = choose_assignment(args.path)[1]
        except ValueError as ambiguous:
            parser.error(str(ambiguous))
        if args.command != "check":
            print(chosen, file=sys.stderr)
    if args.command in ("batch", "similar"):
        if not Path(args.path).is_dir():
            parser.error(f"{args.command} needs a folder of submissions; {args.path} is a file")
        for earlier in getattr(args, "against", ()):
            if not Path(earlier).is_dir():
                parser.error(f"--against needs earlier cohorts' folders; {earlier} is not one")
        return _batch_command(args) if args.command == "batch" else _similar_command(args)
    if args.command == "check":
        from grading.reports.terminal import print_summary

        report = check(args.path, settings=_settings(args), pictures=args.html is not None)
        print_summary(report)
        if args.html is not None:
            print(f"report.html: {_write_html(report, Path(args.html))}")
        return 0 if report.all_passed else 1
    report = grade(args.path, settings=_settings(args), out=args.out)
    percent = 100 * report.score / report.max_score if report.max_score else 0.0
    from grading.reports.wording import bonus_points, score_text  # noqa: PLC0415

    print(
        f"{report.assignment}: {score_text(report)} ({percent:.0f}%{' with the bonus' if bonus_points(report) else ''})"
        f" for {report.submission}; reports in {args.out}"
    )
    if report.choice:
        print(f"  {report.choice}")
    for problem in report.problems:
        print(f"  {problem.id}: {problem.score:g} / {problem.max_score:g}{' (bonus)' if problem.bonus else ''}")
    if args.fail_under is not None and percent < args.fail_under:
        print(f"below --fail-under {args.fail_under:g}%")
        return 1
    return 0


def _write_html(report, path: Path) -> Path:
    """Write ``report`` as report.html at ``path`` (or in it, when it is a folder); the absolute path written."""
    from grading.reports import write_atomically  # noqa: PLC0415
    from grading.reports.as_html import html  # noqa: PLC0415

    path = path / "report.html" if path.is_dir() else path
    write_atomically(path, html(report))
    return path.resolve()


def _batch_command(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    failures: list[str] = []
    columns = (TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), TextColumn("{task.fields[failing]}"))
    from grading.batch import Interrupted  # noqa: PLC0415
    from grading.cluster import Unusable  # noqa: PLC0415

    try:
        with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("grading", total=None, failing="")

            def on_done(row, finished, total):
                if row.status != "graded":
                    failures.append(f"{row.student} ({row.status})")
                shown = f"not graded: {len(failures)}, last {failures[-1]}" if failures else ""
                bar.update(task, completed=finished, total=total, failing=shown)

            result = batch(
                args.path,
                settings=_settings(args),
                out=args.out,
                jobs=args.jobs,
                force=args.force,
                on_done=on_done,
                allow_unisolated=args.allow_unisolated,
                scheduler=args.scheduler,
                similarity_threshold=args.similarity_threshold / 100,
            )
    except Interrupted as stop:
        print(_batch_interrupted_line(stop, args.out), file=sys.stderr)
        return _exit_code(stop)
    except Unusable as unusable:
        print(f"grader.py batch: error: {unusable}", file=sys.stderr)
        return 2
    statuses = ", ".join(f"{sum(r.status == s for r in result.rows)} {s}" for s in ("graded", "error", "timeout"))
    print(f"{len(result.rows)} submissions ({statuses}); {result.graded} graded now, {result.reused} unchanged; {result.seconds:.1f} s")
    if result.skipped:
        print(f"skipped, as they cannot be submissions: {', '.join(f'{s.name} ({s.why})' for s in result.skipped)}")
    print(f"gradebook: {Path(args.out) / 'gradebook.csv'}; summary: {Path(args.out) / 'summary.md'}")
    return 0


def _similar_command(args) -> int:
    import json  # noqa: PLC0415

    from grading.reports import write_atomically  # noqa: PLC0415
    from grading.reports.similarity_html import similarity_html  # noqa: PLC0415

    found, codes = similar(
        args.path, args.assignment, grades=args.grades, against=tuple(args.against), threshold=args.similarity_threshold / 100
    )
    data, out = found.to_dict(), Path(args.out)
    write_atomically(out / "similarity.json", json.dumps(data, indent=2) + "\n")
    write_atomically(out / "similarity.html", similarity_html(data, codes, f"{args.path}: similar submissions"))
    for pair in data["flagged"]:
        behaviour = "n/a" if pair["behaviour"] is None else f"{100 * pair['behaviour']:.0f}%"
        print(f"{pair['a']} and {pair['b']}: code {100 * pair['code']:.0f}%, behaviour {behaviour}")
    reached = f"{data['flagged_count']} pairs of the {data['compared']} submissions at or above {args.similarity_threshold:g}%"
    print(f"{reached}; see {out / 'similarity.html'}")
    return 0


def _batch_interrupted_line(stop, out: str) -> str:
    """One line: how many submissions an interrupted batch finished and kept, and that a rerun grades the rest."""
    done, left = len(stop.result.rows), stop.total - len(stop.result.rows)
    if not done:
        return f"interrupted: none of the {stop.total} submissions was graded, nothing new is in {out}; rerun the command to grade them"
    rest = f"rerun the same command to grade the other {left}" if left else "nothing is left to grade"
    return (
        f"interrupted: {done} of {stop.total} submissions are graded and kept in {out} ({stop.result.graded} now,"
        f" {stop.result.reused} unchanged), and listed in its gradebook.csv and summary.md; {rest}"
    )


if __name__ == "__main__":
    sys.exit(main())
