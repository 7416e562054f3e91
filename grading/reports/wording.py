"""The words every writer uses for a score and a diagnosis, so that the reports, the terminal and pytest say the same thing."""

from __future__ import annotations

from collections.abc import Sequence

from checks.results import Diagnosis
from grading.report import Report


def points(x: float) -> str:
    return f"{x:g}"


def bonus_points(report: Report) -> float:
    return float(sum(p.score for p in report.problems if p.bonus))


def score_text(report: Report, *, skipped: float = 0.0) -> str:
    """The score as a student reads it: "85 / 100", or "100 / 100, plus 16 bonus points" when a bonus problem earned some.

    ``skipped``: points of ordinary problems whose checks did not run here; they leave the maximum,
    and the sentence says so ("83 / 83 of the checks that ran (17 points skipped)").
    """
    bonus = bonus_points(report)
    text = f"{points(report.score - bonus)} / {points(report.max_score - skipped)}"
    if skipped:
        text += f" of the checks that ran ({points(skipped)} points skipped)"
    if bonus:
        text += f", plus {points(bonus)} bonus point{'' if bonus == 1 else 's'}"
    return text


def problem_label(title: str, *, required: bool = False, bonus: bool = False) -> str:
    """A problem's title with what kind of problem it is; titles never carry "(bonus)" themselves, the flag does."""
    return title + (" (required)" if required else "") + (" (bonus)" if bonus else "")


def none_ran(checks: int, *, skipped: bool) -> str:
    """What stands for the checks of a problem that could not run (or, ``skipped``, a bonus not attempted)."""
    if skipped:
        return "its check was skipped" if checks == 1 else f"all {checks} checks were skipped"
    return "its check could not run" if checks == 1 else f"none of its {checks} checks could run"


def explained_together(mistakes: tuple[str, ...], checks: int) -> str:
    """What heads the failed checks that one mistake (or one pair) explains: "one mistake explains these 3 checks"."""
    who = "one mistake explains" if len(mistakes) == 1 else "two mistakes made together explain"
    return f"{who} these {checks} checks"


def explains(diagnosis: Diagnosis | None) -> bool:
    """Whether ``diagnosis`` names the mistake behind a failure, so that its hint is the one to follow."""
    return diagnosis is not None and diagnosis.match != "none" and bool(diagnosis.mistakes)


def share_text(share: float | None) -> str:
    """A share from 0 to 1 as a whole percentage, or "n/a" where there was nothing to compare: 0.5 -> "50%"."""
    return "n/a" if share is None else f"{100 * share:.0f}%"


def _percent(x: float | None) -> str:
    """A relative difference as a percentage a student reads at a glance: 0.32 -> "32%", 0.0012 -> "0.12%"."""
    if x is None:
        return "an unbounded amount"  # the other side's answers are all zeros
    return f"{100 * x:.0f}%" if 100 * x >= 10 else f"{100 * x:.2g}%"


def _span(values: Sequence[float | None]) -> str:
    """One relative difference, or the range of several: "32%", "14% to 32%"."""
    if any(v is None for v in values):
        return _percent(None)
    low, high = _percent(min(values)), _percent(max(values))  # type: ignore[type-var]
    return low if low == high else f"{low} to {high}"


def diagnosis_text(diagnosis: Diagnosis, check_hint: str | None = None) -> str:
    """One check's diagnosis in sentences: what its answers match, how closely, and what to try (unless ``check_hint`` says it)."""
    return shared_diagnosis_text([diagnosis], check_hint)


def shared_diagnosis_text(diagnoses: Sequence[Diagnosis], check_hint: str | None = None) -> str:
    """The diagnosis of several checks that one mistake (or one pair) explains, said once.

    What to try comes last, unless ``check_hint`` (the hint shown beside it) says it already.
    """
    first = diagnoses[0]
    reference = _span([d.reference_error for d in diagnoses])
    if not explains(first):
        return f"No known mistake matches these answers; correct code's answers differ from yours by {reference}."
    names = " + ".join(first.mistakes)
    one = len(first.mistakes) == 1
    what, it, its = (
        (f"a known mistake, {names}", "it", "that mistake's")
        if one
        else (f"two known mistakes made together, {names}", "them", "those mistakes'")
    )
    exact = all(d.match == "exact" for d in diagnoses)
    text = f"Your answers {'match' if exact else 'come closest to'} {what}: {first.explanation}."
    errors = [d.error for d in diagnoses]
    if exact:
        how = "exactly" if not any(errors) else f"within the tolerance ({_span(errors)} apart)"
        text += f" They match {it} {how}, while correct code's answers differ from yours by {reference}."
    else:
        text += f" They differ from {its} answers by {_span(errors)}, and from correct code's by {reference}."
    also = list(dict.fromkeys(name for d in diagnoses for name in d.also))
    if also:
        text += f" On these inputs, {', '.join(also)} {'gives' if len(also) == 1 else 'give'} the same answers."
    if first.hint and first.hint not in (check_hint or ""):
        text += f" Try: {first.hint}"
    return text


def seed_text(report: Report) -> str:
    """ "seed 0"; a secret seed by its digest only, never its value; and the share of realistic cases, when there are any."""
    seed = f"secret seed (sha256 {report.seed_sha256})" if report.seed is None else f"seed {report.seed}"
    return seed + (f" · {report.realistic:.0%} of cases like real data" if report.realistic else "")
