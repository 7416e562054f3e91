"""checks.property: seeded cases, shrunk failures, sweeps that share cases, and a lost worker that stops everything."""

import pytest
from hypothesis import strategies as st

from checks.property import CheckFailed, Lost, Property, Runs, run_properties, run_property
from checks.session import WorkerLost

NUMBERS = st.integers(0, 1000)


def recorder(seen):
    def body(n):
        seen.append(n)

    return body


def test_the_same_seed_draws_the_same_cases_and_another_seed_others():
    a, b, c = [], [], []
    run_property(Property(NUMBERS, recorder(a)), Runs(seed=0, max_examples=30))
    run_property(Property(NUMBERS, recorder(b)), Runs(seed=0, max_examples=30))
    run_property(Property(NUMBERS, recorder(c)), Runs(seed=7, max_examples=30))
    assert a == b and a != c


def test_a_failure_is_shrunk_to_the_smallest_failing_case():
    def body(n):
        if n >= 100:
            raise CheckFailed(f"{n} is too big", case=n, hint="make it smaller")

    outcome = run_property(Property(NUMBERS, body, describe=lambda n: f"n = {n}"), Runs(max_examples=100))
    assert (outcome.status, outcome.message, outcome.counterexample, outcome.hint) == (
        "failed",
        "100 is too big",
        "n = 100",
        "make it smaller",
    )


def test_explicit_cases_run_even_when_drawn_cases_pass():
    def body(n):
        if n == 5000:
            raise CheckFailed("5000 fails", case=n)

    outcome = run_property(Property(NUMBERS, body, explicit=[5000]), Runs(max_examples=10))
    assert outcome.status == "failed" and outcome.counterexample == "5000"


def test_a_lost_worker_after_a_failure_reports_the_smallest_failure_seen():
    failures = []

    def body(n):
        if failures and n < 50:
            raise WorkerLost("timed out", timeout=True)  # shrinking reached the cases that hang
        if n >= 50:
            failures.append(n)
            raise CheckFailed(f"{n} fails", case=n)

    outcome = run_property(Property(st.integers(0, 1000), body, size=lambda n: n), Runs(max_examples=50))
    assert outcome.status == "failed" and "the search for a smaller case stopped: timed out" in outcome.message
    assert int(outcome.counterexample) >= 50


def test_a_lost_worker_before_any_failure_goes_up_to_the_scorer():
    def body(n):
        raise WorkerLost("worker died (signal 11, SIGSEGV)")

    with pytest.raises(WorkerLost):
        run_property(Property(NUMBERS, body), Runs(max_examples=5))


def test_a_sweep_runs_every_body_on_shared_cases_and_shrinks_only_the_failing_one():
    calls = {"even": 0, "small": 0}

    def even(n):
        calls["even"] += 1

    def small(n):
        calls["small"] += 1
        if n > 10:
            raise CheckFailed("too big", case=n)

    outcomes = run_properties({"even": Property(NUMBERS, even), "small": Property(NUMBERS, small)}, Runs(max_examples=40))
    # Only a solo run shrinks, so "11" shows the failing body ran again alone; the passing one saw every case.
    assert outcomes["even"].status == "passed" and outcomes["small"].counterexample == "11"
    assert calls["even"] >= 30


def test_a_sweep_names_the_property_that_lost_the_worker():
    def fine(n):
        pass

    def crash(n):
        raise WorkerLost("worker died (exit code 3)")

    with pytest.raises(Lost) as lost:
        run_properties({"fine": Property(NUMBERS, fine), "crash": Property(NUMBERS, crash)}, Runs(max_examples=5))
    assert lost.value.name == "crash"


def test_a_sweep_refuses_properties_with_different_strategies():
    with pytest.raises(ValueError, match="needs one shared strategy"):
        run_properties({"a": Property(NUMBERS, lambda n: None), "b": Property(st.integers(), lambda n: None)}, Runs())


def test_runs_reject_a_bad_count_with_the_fix():
    with pytest.raises(ValueError, match="max_examples=0 should be an integer of at least 1"):
        Runs(max_examples=0)


def test_shrinking_stops_after_a_fixed_number_of_cases_and_reports_the_smallest_seen(monkeypatch):
    import checks.property

    monkeypatch.setattr(checks.property, "SHRINK_CALLS", 3)
    calls = []

    def body(n):
        calls.append(n)
        if n >= 10:
            raise CheckFailed("big", case=n)

    outcome = run_property(Property(NUMBERS, body, size=lambda n: n), Runs(max_examples=100))
    first_failure = next(i for i, n in enumerate(calls) if n >= 10)
    assert len(calls) - first_failure - 1 <= 3
    assert outcome.status == "failed" and int(outcome.counterexample) == min(n for n in calls if n >= 10)


def test_a_case_shrunk_for_one_failing_check_serves_the_next_check_it_also_fails(monkeypatch):
    import checks.property

    searches = []
    search = checks.property._run_property
    monkeypatch.setattr(checks.property, "_run_property", lambda prop, runs, *budget: searches.append(prop) or search(prop, runs, *budget))

    def failing_above(limit):
        def body(n):
            if n >= limit:
                raise CheckFailed(f"{n} >= {limit}", case=n)

        return body

    first, second = Property(NUMBERS, failing_above(10)), Property(NUMBERS, failing_above(5))
    outcomes = run_properties({"first": first, "second": second}, Runs(max_examples=40))
    # "second" also fails on first's smallest case, 10, so it is reported with it and never searched for alone.
    assert outcomes["first"].counterexample == outcomes["second"].counterexample == "10"
    assert outcomes["second"].message == "10 >= 5" and searches == [first]


def test_a_later_check_the_first_ones_smallest_case_does_not_fail_searches_with_the_smaller_budget(monkeypatch):
    import checks.property

    budgets = []
    search = checks.property._run_property
    monkeypatch.setattr(
        checks.property, "_run_property", lambda prop, runs, budget=None: budgets.append(budget) or search(prop, runs, budget)
    )
    even = Property(NUMBERS, lambda n: None if n < 10 or n % 2 else (_ for _ in ()).throw(CheckFailed("even", case=n)), size=lambda n: n)
    odd = Property(NUMBERS, lambda n: None if n < 10 or not n % 2 else (_ for _ in ()).throw(CheckFailed("odd", case=n)), size=lambda n: n)
    outcomes = run_properties({"even": even, "odd": odd}, Runs(max_examples=100))
    # odd does not fail on even's smallest case (10): it searches alone, with the later checks' budget.
    assert budgets == [None, checks.property.LATER_SHRINK_CALLS]
    assert outcomes["even"].counterexample == "10" and int(outcomes["odd"].counterexample) % 2 == 1
