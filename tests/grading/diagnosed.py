"""What the fixture tests expect of a report's diagnoses."""


def assert_diagnosed_as(report, mistake: str | None) -> None:
    """Every failed check of ``report`` is diagnosed exactly as ``mistake``; with None, no check has a diagnosis."""
    failed = [c for _, c in report.checks if c.status in ("failed", "error")]
    found = {(c.diagnosis.match, c.diagnosis.mistakes) for c in failed if c.diagnosis}
    if mistake is None:  # correct, forward only, or nothing to grade: no answer that a known mistake could explain
        assert found == set()
    else:
        assert all(c.diagnosis for c in failed) and found == {("exact", (mistake,))}
