"""The local pool: a grading process that dies has its submission tried once more in a new pool, and a second death
is that submission's error; what raises is an error that says so; the others are graded."""

import os
import time
from pathlib import Path

from grading import pool


def dies_once(item: tuple[str, Path], submitted: float) -> str:
    """Kill the grading process the first time ``item`` is graded ("once"), every time ("always"), raise ("raises")."""
    kind, marker = item
    if kind == "always" or (kind == "once" and not marker.exists()):
        marker.touch()
        os._exit(9)
    if kind == "raises":
        raise RuntimeError("a bug of the grader's")
    return f"graded {kind}"


def test_a_death_is_tried_again_once_and_a_second_death_is_that_submissions_error(tmp_path):
    items = [("once", tmp_path / "once"), ("always", tmp_path / "always"), ("raises", tmp_path / "raises")]
    found = {item[0]: (result, why) for item, result, why in pool.graded(items, dies_once, jobs=1)}
    assert found == {
        "once": ("graded once", ""),
        "always": (None, "the grading process died twice while grading this submission"),
        "raises": (None, "the grader failed on this submission (RuntimeError: a bug of the grader's)"),
    }


def slow_or_deadly(item: str, submitted: float) -> str:
    """ "deadly" kills its grading process every time; the others take a moment, so that one runs beside it."""
    if item == "deadly":
        time.sleep(0.2)
        os._exit(9)
    time.sleep(0.5)
    return f"graded {item}"


def test_only_the_submission_that_kills_its_grading_process_loses_its_points_not_those_beside_or_after_it():
    items = ["deadly", "alice", "bob", "carol", "dave"]
    found = {item: (result, why) for item, result, why in pool.graded(items, slow_or_deadly, jobs=2)}
    assert found == {
        "deadly": (None, "the grading process died twice while grading this submission"),
        **{name: (f"graded {name}", "") for name in items[1:]},
    }
