"""forward's return style: probed again at smaller shapes when the first probe fails, and when it cannot be told,
the report says what forward did and no check fails a forward for returning only the last h."""

from pathlib import Path

from grading import api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dic_sprint22"

EVEN_STEPS_RAISE = """
import numpy as np


class SimpleRNN:
    def __init__(self, n_features, n_nodes, initializer=None, optimizer=None):
        self.Wx, self.Wh, self.B = np.zeros((n_features, n_nodes)), np.zeros((n_nodes, n_nodes)), np.zeros(n_nodes)

    def forward(self, X, h0=None):
        if X.shape[1] % 2 == 0:
            raise ValueError("this forward only takes an odd number of steps")
        h = np.zeros((X.shape[0], self.Wh.shape[0])) if h0 is None else h0
        for t in range(X.shape[1]):
            h = np.tanh(X[:, t] @ self.Wx + h @ self.Wh + self.B)
        return h
"""


def style_note(report) -> str:
    return next(n for n in report.notes if n.startswith(("could not tell", "SimpleRNN.forward returns")))


def test_a_forward_that_runs_only_where_n_features_equals_n_nodes_is_probed_there_and_its_style_told():
    report = api.grade(FIXTURES / "bug_state_shaped_like_x_last_step_only.py", max_examples=10, use_torch=False)
    assert "SimpleRNN.forward returns only the last h (batch, n_nodes); graded that way" in report.notes
    assert not any("has shape" in c.message for _, c in report.checks)


def test_when_no_probe_runs_the_note_names_the_exception_the_line_and_the_input(tmp_path):
    (tmp_path / "odd_steps.py").write_text(EVEN_STEPS_RAISE)
    report = api.grade(tmp_path / "odd_steps.py", max_examples=10, use_torch=False)
    assert style_note(report) == (
        "could not tell SimpleRNN.forward's return style: forward raised ValueError: this forward only takes an odd number "
        "of steps at odd_steps.py, line 11, on X of shape (1, 2, 1), n_nodes 1 and zero initial states; "
        "forward's checks accept either shape, and backward's assume every step"
    )


def test_when_the_style_cannot_be_told_a_forward_returning_the_last_h_is_never_failed_for_its_shape(tmp_path):
    (tmp_path / "odd_steps.py").write_text(EVEN_STEPS_RAISE)
    report = api.grade(tmp_path / "odd_steps.py", max_examples=25, use_torch=False)
    forward_checks = [c for c in report.problems[0].checks if c.status != "skipped"]
    assert not any("shape" in c.message for c in forward_checks)
    # It fails where it raises (an even number of steps), and nowhere else: the experiment's three steps pass.
    assert {c.message for c in forward_checks if c.status != "passed"} <= {
        "forward raised ValueError: this forward only takes an odd number of steps at odd_steps.py, line 11"
    }
    assert report.problems[1].score == 15
