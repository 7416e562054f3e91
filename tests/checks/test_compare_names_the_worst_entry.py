"""compare() passes what is close and, for what is not, names the array, the worst entry and both errors."""

import numpy as np

from checks.compare import assert_close, compare, compare_all


def test_values_within_tolerance_pass():
    assert compare("dWh", [1.0, 2.0], [1.0 + 1e-12, 2.0], atol=1e-10, rtol=0) is None


def test_a_mismatch_names_the_array_the_worst_entry_and_both_errors():
    expected = np.zeros((2, 3))
    received = expected.copy()
    received[1, 2] = 0.5
    received[0, 0] = 0.1
    found = compare("dWh", expected, received, atol=1e-8, rtol=1e-6)
    assert found.index == (1, 2) and found.expected == 0.0 and found.received == 0.5
    assert str(found).startswith("dWh: 2 of 6 entries differ; worst at [1, 2]: expected 0, received 0.5 (abs error 5.00e-01")


def test_relative_error_is_measured_against_the_expected_value():
    found = compare("b", [2.0], [3.0], atol=0, rtol=0.1)
    assert found.abs_error == 1.0 and found.rel_error == 0.5


def test_nan_never_passes_and_counts_as_the_worst_entry():
    found = compare("hs", [1.0, 2.0, 3.0], [1.5, np.nan, 3.0], atol=1e-6, rtol=0)
    assert found.index == (1,) and np.isnan(found.received)


def test_a_shape_mismatch_is_reported_before_any_value():
    assert str(compare("dX", np.zeros((2, 3)), np.zeros((3, 2)), atol=1, rtol=1)) == "dX has shape (3, 2); expected (2, 3)"


def test_nested_grads_are_named_by_their_path():
    expected = {"cells": [{"Wh": np.zeros(2)}, {"Wh": np.zeros(2)}]}
    received = {"cells": [{"Wh": np.zeros(2)}, {"Wh": np.ones(2)}]}
    (found,) = compare_all(expected, received, atol=0, rtol=0)
    assert found.name == "cells[1]['Wh']"


def test_assert_close_lists_every_mismatch():
    try:
        assert_close({"a": [1.0], "b": [2.0]}, {"a": [0.0], "b": [0.0]}, atol=0, rtol=0)
    except AssertionError as error:
        assert str(error).count("entries differ") == 2
    else:
        raise AssertionError("assert_close passed two mismatching arrays")


def test_an_expected_infinity_is_matched_only_by_the_same_infinity():
    inf = float("inf")
    assert compare("h", [inf], [inf], atol=1e-9, rtol=1e-7) is None
    for received in (0.0, 1e300, -inf, float("nan")):
        assert compare("h", [inf], [received], atol=1e-9, rtol=1e-7) is not None, received
    assert compare("h", [1.0, inf], [1.0 + 1e-12, inf], atol=1e-9, rtol=1e-7) is None


def test_a_received_infinity_or_nan_never_matches_a_finite_value():
    for received in (float("inf"), -float("inf"), float("nan")):
        assert compare("h", [2.0], [received], atol=1e-9, rtol=1e-7) is not None
