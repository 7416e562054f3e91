"""Sprint 22's small-array experiment gives the last h the course prints."""

import numpy as np

from assignments.dic_sprint22 import EXPECTED_LAST_H, small_array_experiment
from reference import rnn

# The course document's arrays and answer, written out here so that the test does not trust the assignment module.
X = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
WX = np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100
WH = np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100
B = np.array([1, 1, 1, 1])
COURSE_LAST_H = np.array([[0.79494228, 0.81839002, 0.83939649, 0.85584174]])


def test_the_reference_prints_the_courses_last_h_to_eight_decimals():
    hs, _ = rnn.forward(X, {"Wx": WX, "Wh": WH, "b": B}, h0=np.zeros((1, 4)))
    assert hs.shape == (1, 3, 4)
    assert np.array_equal(np.round(hs[:, -1], 8), COURSE_LAST_H)


def test_h0_none_means_zeros():
    with_zeros, _ = rnn.forward(X, {"Wx": WX, "Wh": WH, "b": B}, h0=np.zeros((1, 4)))
    with_none, _ = rnn.forward(X, {"Wx": WX, "Wh": WH, "b": B})
    assert np.array_equal(with_zeros, with_none)


def test_the_assignment_holds_the_courses_arrays_and_answer():
    data = small_array_experiment()
    for name, expected in {"x": X, "Wx": WX, "Wh": WH, "b": B, "h0": np.zeros((1, 4))}.items():
        assert np.array_equal(data[name], expected), name
    assert np.array_equal(EXPECTED_LAST_H, COURSE_LAST_H)


def test_torch_agrees_with_the_course():
    from checks import torch_parity

    run = torch_parity.run(X, [{"Wx": WX, "Wh": WH, "b": B}], kind="rnn", dout=np.zeros((1, 3, 4)))
    assert np.array_equal(np.round(run.out[:, -1], 8), COURSE_LAST_H)
