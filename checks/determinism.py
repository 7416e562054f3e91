"""The same seed draws the same cases whatever modules the grading process has loaded.

Hypothesis (since 6.13x) mixes numbers found in the source of "local" modules,
those loaded from outside site-packages, into about 5% of its draws. Which
modules those are depends on the command (``grade``, ``batch``, the pytest
plugin in a student's own test run), on whether the grader is installed
editable, and on the machine; so the same seed could draw other cases.
Hypothesis offers no public setting for this, so ``draw_alike`` empties the
local pool through the one internal it lives in; Hypothesis's own constants,
the same everywhere, still apply.

This is the only module that touches a Hypothesis internal, and nothing happens
on import: the grading entry point (``grading.score.score``) calls
``draw_alike()`` before drawing. pyproject.toml bounds Hypothesis to the
versions on which the guard test,
``tests/checks/test_strategies_draw_the_same_cases_whatever_is_loaded.py``, passes.
"""

from __future__ import annotations


def draw_alike() -> bool:
    """Leave Hypothesis's pool of local constants empty in this process; False when this Hypothesis has no such pool.

    Idempotent and cheap: calling it before every grading costs nothing after the first.
    """
    try:
        from hypothesis.internal.conjecture import providers  # noqa: PLC0415 - the one internal; guarded by the test above
    except ImportError:  # a Hypothesis without it: the guard test says so, and grading still runs
        return False
    if not hasattr(providers, "_get_local_constants"):
        return False
    if getattr(providers._get_local_constants, "_draw_alike", False):
        return True
    empty = providers.Constants()

    def no_local_constants():
        return empty

    no_local_constants._draw_alike = True  # type: ignore[attr-defined]
    providers._get_local_constants = no_local_constants
    providers.CONSTANTS_CACHE.cache.clear()
    return True
