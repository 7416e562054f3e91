"""The words of the reports: a diagnosis reads as sentences, a score with bonus points never reads "101 / 85",
and a bonus problem says "(bonus)" once."""

import io

from rich.console import Console

import assignments
from checks.results import CheckResult, Diagnosis
from grading.report import ProblemResult
from grading.reports.as_markdown import markdown
from grading.reports.terminal import print_summary
from grading.reports.wording import diagnosis_text, score_text, shared_diagnosis_text
from tests.grading.reports_by_hand import NO_DH_CARRY, passed, report

CARRY = "Your answers match a known mistake, no_dh_carry: backward never carries dh back from step t+1."


def test_an_exact_match_says_what_the_mistake_is_and_how_far_correct_code_is_in_sentences():
    assert diagnosis_text(NO_DH_CARRY, NO_DH_CARRY.hint) == (
        f"{CARRY} They match it exactly, while correct code's answers differ from yours by 32%."
    )


def test_without_the_hint_beside_it_the_diagnosis_ends_with_what_to_try():
    assert diagnosis_text(NO_DH_CARRY).endswith(" by 32%. Try: Keep dh_next and add it at step t-1.")


def test_a_closest_match_and_a_pair_of_mistakes_read_as_sentences_too():
    closest = Diagnosis("closest", ("dwh_uses_h_t",), "dWh pairs da_t with h_t", "Use h_(t-1).", error=0.004, reference_error=0.3)
    assert diagnosis_text(closest, "Use h_(t-1).") == (
        "Your answers come closest to a known mistake, dwh_uses_h_t: dWh pairs da_t with h_t. "
        "They differ from that mistake's answers by 0.4%, and from correct code's by 30%."
    )
    pair = Diagnosis("exact", ("a", "b"), "a is wrong; and b is wrong", "Fix a. Fix b.", error=0.0, reference_error=1.5)
    assert diagnosis_text(pair, "Fix a. Fix b.") == (
        "Your answers match two known mistakes made together, a + b: a is wrong; and b is wrong. "
        "They match them exactly, while correct code's answers differ from yours by 150%."
    )


def test_no_known_mistake_says_so_with_the_distance_to_correct_code():
    assert diagnosis_text(Diagnosis("none", reference_error=0.5)) == (
        "No known mistake matches these answers; correct code's answers differ from yours by 50%."
    )


def test_checks_one_mistake_explains_share_one_diagnosis_with_the_range_of_distances():
    other = Diagnosis("exact", ("no_dh_carry",), NO_DH_CARRY.explanation, NO_DH_CARRY.hint, error=0.0, reference_error=0.14)
    assert shared_diagnosis_text([NO_DH_CARRY, other], NO_DH_CARRY.hint) == (
        f"{CARRY} They match it exactly, while correct code's answers differ from yours by 14% to 32%."
    )


def lstm_with_bonus(*, bonus_score: float):
    """85 of 85 ordinary points (15 more skipped by `check`), and ``bonus_score`` of the GRU bonus's 20."""
    ordinary = ProblemResult("problem1", "LSTM forward propagation", 100, (passed("forward_values", 85), skipped_torch()))
    gru = ProblemResult("problem4", "GRU forward and backward", 20, (passed("forward_values", bonus_score),), bonus=True)
    return report(ordinary, gru)


def skipped_torch():
    return CheckResult("forward_matches_torch", "skipped", 0.0, 15.0, "torch parity runs in `grader.py grade`")


def test_bonus_points_are_added_in_words_never_as_a_score_above_the_maximum():
    graded = lstm_with_bonus(bonus_score=16)
    assert score_text(graded) == "85 / 100, plus 16 bonus points"
    assert score_text(graded, skipped=15) == "85 / 85 of the checks that ran (15 points skipped), plus 16 bonus points"
    assert score_text(lstm_with_bonus(bonus_score=0)) == "85 / 100"
    assert markdown(graded).startswith("# dic-sprint22: 85 / 100, plus 16 bonus points\n")
    buffer = io.StringIO()
    print_summary(graded, Console(file=buffer, width=400))
    assert buffer.getvalue().startswith("dic-sprint22: 85 / 85 of the checks that ran (15 points skipped), plus 16 bonus points  (")


def test_a_bonus_problem_says_bonus_once_in_report_md_and_the_terminal():
    graded = lstm_with_bonus(bonus_score=16)
    assert "| **problem4** GRU forward and backward (bonus) | 16 / 20 |" in markdown(graded)
    assert markdown(graded).count("(bonus)") == 1
    buffer = io.StringIO()
    print_summary(graded, Console(file=buffer, width=400))
    assert "problem4 GRU forward and backward (bonus): 16 / 20" in buffer.getvalue() and buffer.getvalue().count("(bonus)") == 1


def test_no_assignment_puts_bonus_in_a_title_since_the_writers_add_it():
    titles = [p.title for name in assignments.names() for p in assignments.get(name).problems]
    assert titles and not [t for t in titles if "bonus" in t.lower()]
