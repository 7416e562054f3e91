"""The diagnosis's rules, on the real checks run against classes in this process.

A check runs as in a grading, but its session is a LocalSession on a class
written here, so each rule is shown on answers whose cause is known: a pair of
mistakes, an unknown bug, a near miss, an error raised the same way, a
failure that is not about numbers, and correct code.
"""

import numpy as np

import assignments
from assignments.dic_sprint22 import mistakes
from checks import backward, forward
from checks.layer import SEQUENCE, Context
from checks.property import Runs, run_property
from checks.results import FAILED, Outcome
from checks.session import Call, New, Recorder, Set
from grading.diagnose import Diagnoser, LocalSession

SPEC = assignments.get("dic-sprint22")
CONTRACT = SPEC.contracts[0]
RUNS = Runs(seed=0, max_examples=20)


def outcome_of(check, cls) -> Outcome:
    ctx = Context(Recorder(LocalSession({"SimpleRNN": cls})), CONTRACT, SEQUENCE, RUNS)
    return run_property(check(ctx), RUNS)


def diagnose(outcome: Outcome):
    return Diagnoser({library.cls: library for library in SPEC.mistakes}).diagnose(outcome, "SimpleRNN", SEQUENCE)


class ScaledDWx(mistakes.with_mistakes()):
    """A bug no catalogue names: dWx comes out one and a half times too large."""

    def backward(self, dH):
        dX = super().backward(dH)
        self.dWx = 1.5 * self.dWx
        return dX


class NearlyDWhUsesHt(mistakes.with_mistakes("dwh_uses_h_t")):
    """The dWh mistake, plus a small slip of its own: a known mistake explains most of the answer."""

    def backward(self, dH):
        dX = super().backward(dH)
        self.dWh = self.dWh * (1 + 1e-3)
        return dX


class NoDB(mistakes.with_mistakes()):
    """backward stores every gradient but dB."""

    def backward(self, dH):
        dX = super().backward(dH)
        del self.dB
        return dX


def test_two_mistakes_made_together_are_named_together():
    outcome = outcome_of(backward.gradient("dWh"), mistakes.with_mistakes("dwh_uses_h_t", "db_averaged_over_batch"))
    diagnosis = diagnose(outcome)
    assert outcome.status == FAILED
    assert (diagnosis.match, set(diagnosis.mistakes)) == ("exact", {"dwh_uses_h_t", "db_averaged_over_batch"})
    assert "h_t where the previous state" in diagnosis.explanation and "averages" in diagnosis.explanation


def test_an_unknown_bug_is_said_to_match_no_known_mistake():
    diagnosis = diagnose(outcome_of(backward.gradient("dWx"), ScaledDWx))
    assert (diagnosis.match, diagnosis.mistakes) == ("none", ())
    assert diagnosis.explanation == "no known mistake matches these answers"
    assert diagnosis.reference_error > 0


def test_a_near_miss_names_the_closest_mistake_with_both_distances():
    diagnosis = diagnose(outcome_of(backward.gradient("dWh"), NearlyDWhUsesHt))
    assert (diagnosis.match, diagnosis.mistakes) == ("closest", ("dwh_uses_h_t",))
    assert diagnosis.error < 0.01 < 0.25 * diagnosis.reference_error


def test_an_error_raised_exactly_as_a_known_mistake_raises_it_is_diagnosed():
    outcome = outcome_of(forward.values, mistakes.with_mistakes("wx_transposed"))
    assert outcome.status in ("failed", "error")
    assert (diagnose(outcome).match, diagnose(outcome).mistakes) == ("exact", ("wx_transposed",))


def test_a_failure_that_is_not_about_numbers_gets_no_diagnosis():
    outcome = outcome_of(backward.gradient("dB"), NoDB)
    assert outcome.status == FAILED and "did not store dB" in outcome.message
    assert diagnose(outcome) is None


def test_answers_that_correct_code_reproduces_get_no_diagnosis():
    ctx = Context(Recorder(LocalSession({"SimpleRNN": mistakes.with_mistakes()})), CONTRACT, SEQUENCE, RUNS)
    prop = backward.gradient("dWh")(ctx)
    evidence = tuple(said for case in prop.explicit for said in prop.transcript(case))
    assert evidence and diagnose(Outcome(FAILED, "as if it had failed", evidence=evidence)) is None


def test_the_correct_class_passes_the_checks_it_is_diagnosed_against():
    for check in (forward.values, forward.repeatable, backward.gradient("dWh"), backward.own_forward):
        assert outcome_of(check, mistakes.with_mistakes()).status == "passed"


def test_a_replay_never_lets_a_class_change_the_grader_s_arrays():
    class Vandal(mistakes.with_mistakes()):
        def forward(self, X, h0=None):
            out = super().forward(X, h0)
            X[...] = np.nan
            return out

    x = np.ones((1, 2, 1))
    LocalSession({"SimpleRNN": Vandal}).run([New("SimpleRNN", (1, 1)), Set({"Wx": np.ones((1, 1))}), Call("forward", (x,))])
    assert np.array_equal(x, np.ones((1, 2, 1)))
