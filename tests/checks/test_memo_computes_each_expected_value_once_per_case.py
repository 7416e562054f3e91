"""checks.memo: an expected value is computed once per case content and key, handed out read-only, and memory stays bounded."""

import numpy as np
import pytest

from checks import memo


@pytest.fixture(autouse=True)
def empty_memory():
    memo.forget()
    yield
    memo.forget()


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value()

    return compute, calls


def test_the_same_case_and_key_compute_once():
    case = (np.zeros(2),)
    compute, calls = counting(lambda: np.ones(3))
    first = memo.remembered(case, "forward", compute)
    second = memo.remembered(case, "forward", compute)
    assert first is second and len(calls) == 1


def test_equal_cases_share_one_value_whatever_object_holds_them():
    a, b = (np.zeros(2), {"Wx": np.ones((1, 2))}), (np.zeros(2), {"Wx": np.ones((1, 2))})
    compute, calls = counting(lambda: np.ones(3))
    assert memo.remembered(a, "forward", compute) is memo.remembered(b, "forward", compute)
    assert len(calls) == 1


def test_other_values_shapes_dtypes_and_keys_compute_again():
    compute, calls = counting(lambda: np.ones(3))
    memo.remembered((np.zeros(2),), "forward", compute)
    memo.remembered((np.array([0.0, 1.0]),), "forward", compute)
    memo.remembered((np.zeros((2, 1)),), "forward", compute)
    memo.remembered((np.zeros(2, dtype=np.float32),), "forward", compute)
    memo.remembered((np.zeros(2),), "backward", compute)
    assert len(calls) == 5


def test_values_are_read_only_so_no_caller_can_spoil_them_for_the_next():
    grads = memo.remembered(("case",), "backward", lambda: {"dX": np.ones(2), "cells": [{"Wx": np.ones(1)}]})
    with pytest.raises(ValueError, match="read-only"):
        grads["dX"][0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        grads["cells"][0]["Wx"][0] = 5.0


def test_memory_is_bounded_and_the_least_recently_used_goes_first(monkeypatch):
    monkeypatch.setattr(memo, "SIZE", 2)
    cases = [(i,) for i in range(3)]
    compute, calls = counting(lambda: 0)
    for case in cases:
        memo.remembered(case, "k", compute)
    memo.remembered(cases[2], "k", compute)  # still there
    memo.remembered(cases[0], "k", compute)  # evicted: computed again
    assert len(calls) == 4 and len(memo._store) == 2
