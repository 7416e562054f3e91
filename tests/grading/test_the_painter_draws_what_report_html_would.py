"""The painter draws a failed comparison's pictures while the grading goes on, and they are the very pictures
report.html would draw itself; a painter that died, or a picture never ordered, leaves report.html to draw its own."""

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from checks.results import Compared
from grading import api, painter
from grading.reports import pictures

SPRINT = Path(__file__).resolve().parents[1] / "fixtures" / "dic_sprint22"
RNG = np.random.default_rng(7)
EXPECTED = RNG.uniform(-1, 1, (2, 3, 4))
HIDDEN = Compared.kept(
    "h", ("batch", "n_sequences", "n_nodes"), EXPECTED, EXPECTED + (RNG.random((2, 3, 4)) < 0.3), worst=(1, 2, 3), atol=1e-9, rtol=1e-7
)
GRADIENT = Compared.kept("dWh", ("n_nodes", "n_nodes"), np.eye(3), np.eye(3).T * 2, worst=(0, 0), atol=1e-9, rtol=1e-7)


@pytest.fixture
def fresh_painter():
    painter.stop()
    yield
    painter.stop()


def test_each_picture_the_painter_draws_is_byte_for_byte_the_one_drawn_here(fresh_painter):
    ordered = [(kind, figure, c) for c in (HIDDEN, GRADIENT) for kind, figure in pictures.drawings("problem3", f"check_{c.name}", c)]
    assert len(ordered) == 3  # heatmaps of both, and the hidden state's lines
    for kind, figure, compared in ordered:
        painter.order(kind, figure, compared)
    for kind, figure, compared in ordered:
        assert painter.drawn(kind, figure, compared) == pictures.draw(kind, compared, figure)


def test_a_picture_that_was_never_ordered_is_not_waited_for(fresh_painter):
    painter.order("heatmaps", "problem3-a", GRADIENT)
    started = time.monotonic()
    assert painter.drawn("heatmaps", "problem3-b", GRADIENT) is None  # another figure id: another picture
    other = Compared.kept("dWh", GRADIENT.axes, GRADIENT.expected, GRADIENT.received + 1, worst=(0, 0), atol=1e-9, rtol=1e-7)
    assert painter.drawn("heatmaps", "problem3-a", other) is None  # other numbers: another picture
    assert time.monotonic() - started < 1.0


def test_a_painter_that_died_leaves_each_picture_to_be_drawn_here(fresh_painter):
    painter.order("heatmaps", "problem3-a", GRADIENT)
    os.kill(painter.running().process.pid, signal.SIGKILL)
    started = time.monotonic()
    assert painter.drawn("heatmaps", "problem3-b", HIDDEN) is None
    found = painter.drawn("heatmaps", "problem3-a", GRADIENT)  # drawn before the kill, or None: never a wait for ever
    assert found in (None, pictures.draw("heatmaps", GRADIENT, "problem3-a")) and time.monotonic() - started < 5.0
    painter.order("heatmaps", "problem3-c", GRADIENT)  # the next order starts a painter again
    assert painter.drawn("heatmaps", "problem3-c", GRADIENT) == pictures.draw("heatmaps", GRADIENT, "problem3-c")


def test_a_passing_grading_orders_nothing_and_starts_no_painter(fresh_painter, tmp_path):
    report = api.grade(SPRINT / "ok_every_step.py", "dic-sprint22", out=tmp_path, max_examples=10, use_torch=False)
    assert report.all_passed and (tmp_path / "report.html").is_file() and painter.running() is None


def test_a_failing_grading_has_its_pictures_drawn_only_when_report_html_will_be_written(fresh_painter, tmp_path):
    api.grade(SPRINT / "bug_dwh_uses_h_t.py", "dic-sprint22", max_examples=10, use_torch=False)
    assert painter.running() is None  # no report.html: nothing to draw
    api.grade(SPRINT / "bug_dwh_uses_h_t.py", "dic-sprint22", out=tmp_path, max_examples=10, use_torch=False)
    assert painter.running() is not None and 'data-check="problem3.backward_dWh"' in (tmp_path / "report.html").read_text()
