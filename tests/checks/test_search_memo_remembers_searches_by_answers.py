"""checks.search_memo: a search whose test answers as an earlier one did tries the same cases and ends the same way, without Hypothesis.

Each test starts from an empty memory (a fresh ``search_memo.Memo``), and bodies are
plain functions of the case, so what Hypothesis alone would do is known by
running it with the memory emptied.
"""

import builtins
import sys

import numpy as np
import pytest
from hypothesis import strategies as st

from checks import property as prop_module
from checks import search_memo
from checks.property import CheckFailed, Property, Runs, run_property
from checks.session import WorkerLost

RUNS = Runs(seed=0, max_examples=60)


@pytest.fixture(autouse=True)
def empty_memory(monkeypatch):
    monkeypatch.setattr(search_memo, "searches", search_memo.Memo())


def named(strategy, body, cases="numbers", **options) -> Property:
    """A property whose cases are named by value, so that its searches are remembered."""
    return Property(strategy, body, cases=cases, **options)


def failing_from(threshold, seen):
    def body(n):
        seen.append(n)
        if n >= threshold:
            raise CheckFailed(f"{n} is at least {threshold}", case=n)

    return body


def hypothesis_runs(monkeypatch) -> list:
    """Each time Hypothesis itself runs a search, an entry."""
    ran, record = [], search_memo.searches.record

    def counted(*args):
        ran.append(1)
        return record(*args)

    monkeypatch.setattr(search_memo.searches, "record", counted)
    return ran


def test_a_test_that_answers_alike_tries_the_same_cases_and_gets_the_same_outcome_without_hypothesis(monkeypatch):
    numbers = st.integers(0, 10**6)
    first_seen, again_seen = [], []
    first = run_property(named(numbers, failing_from(1000, first_seen)), RUNS)
    ran = hypothesis_runs(monkeypatch)
    again = run_property(named(numbers, failing_from(1000, again_seen)), RUNS)
    assert again == first and again.counterexample == "1000"
    assert again_seen == first_seen and ran == []


def test_a_test_that_answers_differently_gets_exactly_what_hypothesis_alone_gives_it():
    numbers = st.integers(0, 10**6)
    alone_seen, after_seen = [], []
    alone = run_property(named(numbers, failing_from(777, alone_seen)), RUNS)
    search_memo.searches = search_memo.Memo()
    run_property(named(numbers, failing_from(1000, [])), RUNS)  # fills the memory with another answer
    after = run_property(named(numbers, failing_from(777, after_seen)), RUNS)
    assert after == alone and after.counterexample == "777"
    # It walked the remembered cases while they answered alike, then Hypothesis ran from the start.
    assert after_seen[-len(alone_seen) :] == alone_seen


def test_a_search_that_passes_is_walked_as_passing_with_its_warnings(monkeypatch):
    def body(n):
        return ["small"] if n < 10 else []

    first = run_property(named(st.integers(0, 100), body), RUNS)
    ran = hypothesis_runs(monkeypatch)
    again = run_property(named(st.integers(0, 100), body), RUNS)
    assert first.status == again.status == "passed" and again.warnings == first.warnings == ("small",)
    assert ran == []


def test_a_search_stopped_by_the_shrinking_budget_stops_at_the_same_call_when_walked(monkeypatch):
    monkeypatch.setattr(prop_module, "SHRINK_CALLS", 3)
    numbers = st.integers(0, 10**6)
    first_seen, again_seen = [], []
    first = run_property(named(numbers, failing_from(10, first_seen), size=lambda n: n), RUNS)
    ran = hypothesis_runs(monkeypatch)
    again = run_property(named(numbers, failing_from(10, again_seen), size=lambda n: n), RUNS)
    assert again == first and int(first.counterexample) > 10  # three calls cannot reach 10
    assert again_seen == first_seen and ran == []


def test_a_lost_worker_during_a_walk_goes_straight_up():
    numbers = st.integers(0, 10**6)
    run_property(named(numbers, failing_from(1000, [])), RUNS)

    def dies(n):
        raise WorkerLost("worker died (signal 11, SIGSEGV)")

    with pytest.raises(WorkerLost):
        run_property(named(numbers, dies), RUNS)


def test_cases_named_otherwise_never_walk_a_tree_they_did_not_grow(monkeypatch):
    one, other = st.integers(0, 10**6).map(lambda n: n), st.integers(0, 10**6).map(lambda n: n)
    run_property(named(one, failing_from(1000, []), "one"), RUNS)
    ran = hypothesis_runs(monkeypatch)
    run_property(named(other, failing_from(1000, []), "other"), RUNS)
    assert ran == [1]


def test_a_property_that_names_no_cases_is_searched_by_hypothesis_every_time(monkeypatch):
    run_property(Property(st.integers(0, 10**6), failing_from(1000, [])), RUNS)
    assert run_property(Property(st.integers(0, 10**6), failing_from(1000, [])), RUNS).counterexample == "1000"
    assert search_memo.searches.trees == {}


def test_two_strategies_keep_their_own_trees_side_by_side(monkeypatch):
    one, other = st.integers(0, 10**6).map(lambda n: n), st.integers(0, 10**6).map(lambda n: -n)
    run_property(named(one, failing_from(1000, []), "one"), RUNS)
    run_property(named(other, failing_from(0, []), "other"), RUNS)
    ran = hypothesis_runs(monkeypatch)
    assert run_property(named(one, failing_from(1000, []), "one"), RUNS).counterexample == "1000"
    assert ran == []


def test_past_the_node_limit_nothing_more_is_remembered(monkeypatch):
    monkeypatch.setattr(search_memo, "NODES", 0)
    numbers = st.integers(0, 10**6)
    run_property(named(numbers, failing_from(1000, [])), RUNS)
    ran = hypothesis_runs(monkeypatch)
    assert run_property(named(numbers, failing_from(1000, [])), RUNS).counterexample == "1000"
    assert ran == [1]


def test_answers_are_told_apart_by_type_and_by_where_they_were_raised():
    def at_one_place():
        raise CheckFailed("a")

    def at_another():
        raise CheckFailed("b")

    def answer(f):
        try:
            f()
        except Exception as error:  # noqa: BLE001
            return search_memo.answer(error)

    assert answer(at_one_place) == answer(at_one_place)
    assert answer(at_one_place) != answer(at_another)
    assert search_memo.answer(None) is None


def test_a_search_that_tries_another_case_after_the_same_answers_stops_all_walking():
    # A stand-in for a Hypothesis whose next case would depend on more than the answers: then no tree can be trusted.
    def tries(cases):
        def hypothesis(test):
            for case in cases:
                test(case)

        return hypothesis

    def failing_on(bad, ran):
        def test(case):
            ran.append(case)
            if case == bad:
                raise CheckFailed(f"{case} fails")

        return lambda: test

    memo, ran = search_memo.Memo(), []
    memo.search("k", failing_on(None, ran), tries([1, 2, 3]))
    with pytest.raises(CheckFailed):
        # The walk answers 1 alike, 2 not: this Hypothesis runs, and after the same first answer it tries 7, not 2.
        memo.search("k", failing_on(2, ran), tries([1, 7, 2]))
    assert ran == [1, 2, 3, 1, 2, 1, 7, 2] and memo.trusted is False
    runs = []
    memo.search("k", failing_on(None, []), lambda test: runs.append(1) or tries([1, 2, 3])(test))
    assert runs == [1]  # run by Hypothesis, though the tree holds a walk that would have ended


def test_cases_are_the_same_only_when_every_value_is():
    a = (np.zeros(2), {"w": np.ones((1, 2))}, 3)
    assert search_memo.same(a, (np.zeros(2), {"w": np.ones((1, 2))}, 3))
    assert not search_memo.same(a, (np.zeros(2), {"w": np.ones((2, 1))}, 3))
    assert not search_memo.same(a, (np.zeros(2, dtype=np.float32), {"w": np.ones((1, 2))}, 3))
    assert not search_memo.same(a, (np.zeros(2), {"w": np.ones((1, 2))}, 4))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is built in from Python 3.11")
def test_exception_groups_are_told_apart_by_their_members():
    group_type = builtins.ExceptionGroup

    def group_of(*errors):
        try:
            raise group_type("several", list(errors))
        except group_type as group:
            return search_memo.answer(group)

    assert group_of(ValueError("a")) == group_of(ValueError("b"))
    assert group_of(ValueError("a")) != group_of(TypeError("a"))
