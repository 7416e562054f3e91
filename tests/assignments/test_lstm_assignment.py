"""The LSTM assignment: its spec, text, starters and solution, and an experiment whose answer torch confirms."""

from pathlib import Path

import numpy as np

import assignments
from grading import api
from assignments.lstm import EXPECTED_LAST_C, EXPECTED_LAST_H, small_array_experiment

FOLDER = Path(assignments.__file__).parent / "lstm"


def test_problems_one_to_three_make_100_points_and_the_gru_is_a_bonus():
    spec = assignments.get("lstm")
    assert [p.id for p in spec.problems] == ["problem1", "problem2", "problem3", "problem4"]
    assert spec.max_score == 100 and spec.problems[3].bonus and spec.problems[3].max_score > 0
    assert [c.cls for c in spec.contracts] == ["LSTM", "GRU"]


def test_torch_confirms_the_experiments_last_h_and_last_c():
    import torch

    data = small_array_experiment()
    net = torch.nn.LSTM(2, 2, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(data["Wx"].T))
        net.weight_hh_l0.copy_(torch.from_numpy(data["Wh"].T))
        net.bias_ih_l0.copy_(torch.from_numpy(data["B"]))
        net.bias_hh_l0.zero_()
        out, (h_n, c_n) = net(torch.from_numpy(data["x"]))
    assert np.array_equal(np.round(out[:, -1].numpy(), 8), EXPECTED_LAST_H)
    assert np.array_equal(np.round(c_n[0].numpy(), 8), EXPECTED_LAST_C)


def test_the_text_gives_the_equations_and_the_experiments_answer():
    text = (FOLDER / "README.md").read_text()
    for fragment in (
        "i, f, g, o",
        "c_t = f * c_(t-1) + i * g",
        "[[0.03622764, 0.10420386]]",
        "[[0.06722744, 0.18772147]]",
        "r * (h_(t-1) · Wh_n + Bh_n)",
    ):
        assert fragment in text


def test_the_solution_gets_every_point_and_the_bonus():
    report = api.grade(FOLDER / "solution.py", "lstm", max_examples=25)
    assert [p.score for p in report.problems] == [45, 15, 40, 20]


def test_the_starters_get_nothing_and_say_what_to_write():
    for starter in ("starter.py", "starter.ipynb"):
        report = api.grade(FOLDER / starter, "lstm", max_examples=5)
        assert report.score == 0
        assert report.problems[0].checks[0].message.startswith("forward raised NotImplementedError: problem 1: write forward")
        assert report.problems[3].checks[0].message.startswith("forward raised NotImplementedError: problem 4")
