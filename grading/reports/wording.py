"""The words every writer uses for a diagnosis, so that the reports, the terminal and pytest say the same thing."""

from __future__ import annotations

from checks.results import Diagnosis


def _distance(x: float | None) -> str:
    return "unbounded" if x is None else f"{x:.2g}"


def diagnosis_text(diagnosis: Diagnosis, check_hint: str | None = None) -> str:
    """One paragraph: what the answers match, how closely, and what to try (unless the check's own hint says it already)."""
    if diagnosis.match == "none":
        return f"no known mistake matches these answers (they differ from correct code's by {_distance(diagnosis.reference_error)})."
    what = "a known mistake" if len(diagnosis.mistakes) == 1 else "two known mistakes made together"
    verb = "match" if diagnosis.match == "exact" else "come closest to"
    how = (
        f"relative difference {_distance(diagnosis.error)}, against {_distance(diagnosis.reference_error)} for correct code"
        if diagnosis.match == "closest" or diagnosis.error
        else f"exactly; correct code's differ by {_distance(diagnosis.reference_error)}"
    )
    text = f"your answers {verb} {what} ({' + '.join(diagnosis.mistakes)}): {diagnosis.explanation} ({how})."
    if diagnosis.also:
        text += f" On these inputs, {', '.join(diagnosis.also)} gives the same answers."
    return text + (f" Try: {diagnosis.hint}" if diagnosis.hint and diagnosis.hint not in (check_hint or "") else "")
