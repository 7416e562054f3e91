"""Grade one submission: ``Settings``, the one place the defaults live, and ``grade`` and ``check``.

Use them through ``grading.api``, which adds ``batch``. They live apart from it so that ``grading.batch``, which
grades each of a cohort's submissions with ``grade``, sits between the two: the import graph has no cycle.

The checks, and what they import, load inside ``grade``, never at import: the command line imports this module,
then starts torch importing in a process of its own (``grading.torch_oracle``), then grades while torch imports.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grading.limits import DEFAULT_MEMORY, DEFAULT_TIMEOUT, Limits

if TYPE_CHECKING:
    from checks.property import Runs
    from grading.report import Report

CHECK_EXAMPLES = 15
"""Cases per property in the student's quick self-check (``Settings.for_check``)."""
SIMILARITY_THRESHOLD = 0.5
"""The share of code or behaviour in common at which a pair of submissions is listed (``grading.similarity``),
chosen on the fixtures: copies score 100%, independent solutions at most 22% once the starter is subtracted."""


@dataclass(frozen=True)
class Settings:
    """How a submission is graded, with the defaults of ``grade`` and ``batch``: a change in any of these may change
    a grade, so a batch regrades everything when one changes.

    ``assignment``: None to choose it from the classes the submission defines. ``secret``: the text of a secret
    seed, used in place of ``seed`` and only ever written as its digest (``public``). ``realistic``: the share of
    cases drawn like real data (off-grid values, larger shapes). ``timeout``: seconds for the whole submission,
    loading included. ``memory_mb``: each worker's memory limit. ``use_torch``: run the torch parity checks.
    ``interface``: "adapt" finds and drives the submission's own class names, constructors and weight names
    (``grading.interface``); "strict" grades the published contract only.
    """

    assignment: str | None = None
    seed: int = 0
    max_examples: int = 100
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY // 2**20
    realistic: float = 0.0
    secret: str | None = field(default=None, repr=False)
    use_torch: bool = True
    interface: str = "adapt"

    @classmethod
    def for_check(cls, **changes) -> Settings:
        """The quick self-check's: CHECK_EXAMPLES cases per property and no torch parity (the reference checks cover
        the same values); ``changes`` as in ``dataclasses.replace``."""
        return cls(**{"max_examples": CHECK_EXAMPLES, "use_torch": False, **changes})

    def runs(self) -> Runs:
        """The cases' settings: the public ``seed``, or the one ``secret`` stands for."""
        from checks.property import Runs  # noqa: PLC0415 - see the module's docstring

        if self.secret is None:
            return Runs(seed=self.seed, max_examples=self.max_examples, realistic=self.realistic)
        value, digest = secret_seed(self.secret)
        return Runs(seed=value, max_examples=self.max_examples, realistic=self.realistic, secret=digest)

    def limits(self, hide: tuple[str, ...] = ()) -> Limits:
        """The worker's limits, hiding the paths ``hide`` from it."""
        return Limits(timeout=self.timeout, memory_bytes=int(self.memory_mb) * 2**20, hide=hide)

    def public(self) -> dict:
        """The settings as they may be written down: a secret seed by its digest only."""
        shown = dataclasses.asdict(self)
        if self.secret is not None:
            shown.update(seed=None, secret=None, seed_sha256=secret_seed(self.secret)[1])
        return shown


SETTING_NAMES = tuple(f.name for f in dataclasses.fields(Settings))


def settled(settings: Settings | None, assignment: str | None, options: dict, *, default: Settings) -> Settings:
    """``settings`` (``default`` if None) with ``assignment``, if given, and each of ``options`` (a field's name and its
    value) in place of its own."""
    unknown = [name for name in options if name not in SETTING_NAMES]
    if unknown:
        raise TypeError(f"{unknown[0]}={options[unknown[0]]!r} is not a setting; the settings are {', '.join(SETTING_NAMES)}")
    chosen = dataclasses.replace(default if settings is None else settings, **options)
    return chosen if assignment is None else dataclasses.replace(chosen, assignment=assignment)


def secret_seed(text: str) -> tuple[int, str]:
    """The seed a secret's text stands for, and the digest that identifies the secret in reports without revealing it.

    Two hashes of the text with different prefixes, so that the digest tells nothing about the seed.
    """
    text = text.strip()
    if not text:
        raise ValueError("the seed file is empty; put any text in it, the longer the better")
    seed = int.from_bytes(hashlib.sha256(b"rnn-grader seed\0" + text.encode()).digest()[:8], "big")
    return seed, hashlib.sha256(b"rnn-grader secret\0" + text.encode()).hexdigest()[:16]


def choose_assignment(path: str | Path) -> tuple[str, str]:
    """The assignment of the submission (or cohort folder) at ``path``, from the classes it defines, and a sentence saying so."""
    import assignments  # noqa: PLC0415 - see the module's docstring
    from grading import load  # noqa: PLC0415

    return assignments.choose(load.classes_defined(path), Path(path).resolve().name)


def grade(
    path: str | Path,
    assignment: str | None = None,
    *,
    settings: Settings | None = None,
    out: str | Path | None = None,
    hide: tuple[str | Path, ...] = (),
    pictures: bool | None = None,
    **options,
) -> Report:
    """Grade the submission at ``path`` (a .py file, a notebook or a folder); write the reports to ``out`` if given.

    ``pictures``: whether the caller will write report.html (by default, when ``out`` is given), so that its pictures
    are drawn by the painter while the grading goes on. A batch leaves it off: its jobs keep every core busy already,
    and each report.html draws its own pictures.

    ``settings``: how (``Settings()`` if None); ``assignment`` and ``options`` (``seed=3``, any field of Settings)
    change it for this call. Without an assignment, it is chosen from the classes the submission defines, and the
    report's first note says which (ValueError when that is ambiguous). The worker does not see where the
    submission lives, nor ``out``, nor the ``hide`` paths (where the grader runs as root).
    """
    import assignments  # noqa: PLC0415 - see the module's docstring
    from grading import load  # noqa: PLC0415
    from grading.reports import write_all  # noqa: PLC0415
    from grading.score import score  # noqa: PLC0415

    started = time.monotonic()  # reading the submission counts against its time limit, and in the report's seconds
    settings = settled(settings, assignment, options, default=Settings())
    path = Path(path)
    name, chosen = settings.assignment, ""
    if name is None:
        name, chosen = choose_assignment(path)
    spec = assignments.get(name)
    submission = load.load(path, tuple(c.cls for c in spec.contracts))
    if chosen:
        submission = dataclasses.replace(submission, notes=(chosen, *submission.notes))
    hidden = [path.resolve() if path.is_dir() else path.resolve().parent, *(Path(h).resolve() for h in hide)]
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        hidden.append(Path(out).resolve())
    report = score(
        spec,
        submission,
        runs=settings.runs(),
        limits=settings.limits(tuple(map(str, hidden))),
        use_torch=settings.use_torch,
        started=started,
        interface_mode=settings.interface,
        pictures=out is not None if pictures is None else pictures,
    )
    if out is not None:
        write_all(report, out)
    return report


def check(path: str | Path, assignment: str | None = None, *, settings: Settings | None = None, **options) -> Report:
    """The student's quick self-check: ``grade`` with ``Settings.for_check()`` unless ``settings`` says otherwise."""
    return grade(path, assignment, settings=Settings.for_check() if settings is None else settings, **options)
