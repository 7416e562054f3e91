"""The writers for people say each thing once: a mistake's diagnosis and hint over the checks it explains, a problem
that could not run in one entry with its hint and no input; the machine files keep one entry per check.

The reports here are built by hand (tests/grading/reports_by_hand.py), so the expected text comes from the requirement.
"""

import io
import json
import xml.etree.ElementTree as ET

from rich.console import Console

from grading.pytest_plugin import failure_text
from grading.report import ProblemResult
from grading.reports.as_gradescope import gradescope
from grading.reports.as_junit import junit
from grading.reports.as_markdown import markdown
from grading.reports.terminal import print_summary
from tests.grading.reports_by_hand import (
    INPUT_DB,
    INPUT_DWH,
    INPUT_DX,
    NO_DH_CARRY,
    backward_with_no_dh_carry,
    failed,
    not_run,
    passed,
    report,
)

EXPLANATION = "backward never carries dh back from step t+1"
MISTAKE_HINT = "Keep dh_next and add it at step t-1."
GENERIC_HINTS = ("generic dX hint", "pair with h_(t-1), not h_t", "do not average")
NO_CLASS = "no class SimpleRNN; found classes: none"
NO_CLASS_HINT = "Define class SimpleRNN at the top level of your file."


def terminal(of) -> str:
    buffer = io.StringIO()
    print_summary(of, Console(file=buffer, width=400, highlight=False))
    return buffer.getvalue()


def could_not_run(problem_id: str, checks: int, reason: str, hint: str) -> ProblemResult:
    names = [f"{problem_id}_check{i}" for i in range(checks)]
    results = tuple(not_run(name, 10, reason, hint) for name in names)
    return ProblemResult(problem_id, f"{problem_id} title", 10.0 * checks, results, error=reason, hint=hint)


def nothing_loaded():
    """A file with no class: problem1 and problem2 cannot run for the same reason."""
    return report(could_not_run("problem1", 3, NO_CLASS, NO_CLASS_HINT), could_not_run("problem2", 2, NO_CLASS, NO_CLASS_HINT))


def test_report_md_puts_the_checks_one_mistake_explains_under_one_heading_with_its_diagnosis_and_hint_once():
    text = markdown(report(backward_with_no_dh_carry()))
    heading = "### ❌ problem3 · backward_dX, backward_dWh, backward_dB (0 / 15): one mistake explains these 3 checks"
    assert heading in text
    group = text[text.index(heading) : text.index("### ❌ problem3 · backward_dWx")]
    assert group.count(EXPLANATION) == 1 and group.count(f"**Hint:** {MISTAKE_HINT}") == 1 and "Try:" not in group
    assert group.index("**Diagnosis:**") < group.index("**Hint:**") < group.index("#### ❌ backward_dX: failed (0 / 5)")
    for message, counterexample in (("dX differs", INPUT_DX), ("dWh differs", INPUT_DWH), ("dB differs", INPUT_DB)):
        assert message in group and counterexample in group


def test_no_writer_for_people_shows_a_generic_hint_where_the_diagnosis_names_the_mistake():
    graded = report(backward_with_no_dh_carry())
    pytest_texts = [failure_text(graded, "problem3", name) for name in ("backward_dX", "backward_dWh", "backward_dB")]
    for text in (markdown(graded), terminal(graded), *pytest_texts):
        assert not [hint for hint in GENERIC_HINTS if hint in text]


def test_a_check_that_failed_on_an_input_already_shown_under_the_same_mistake_names_that_check_instead():
    checks = (
        failed("backward_dWh", 5, "dWh differs", INPUT_DWH, "pair with h_(t-1)", NO_DH_CARRY),
        failed("backward_matches_torch", 7, "dWh (torch) differs", INPUT_DWH, "match torch", NO_DH_CARRY),
    )
    graded = report(ProblemResult("problem3", "Backpropagation", 12, checks))
    text = markdown(graded)
    assert text.count(INPUT_DWH) == 1 and "Smallest failing input: the same as backward_dWh's." in text
    shown = terminal(graded)
    assert shown.count(INPUT_DWH) == 1 and "smallest failing input: the same as backward_dWh's" in shown


def test_a_check_no_mistake_explains_keeps_its_own_heading_diagnosis_and_hint():
    text = markdown(report(backward_with_no_dh_carry()))
    alone = text[text.index("### ❌ problem3 · backward_dWx: failed (0 / 5)") :]
    assert "No known mistake matches these answers" in alone and "**Hint:** sum dWx over every step" in alone
    assert "X (batch=1) = [[[4.]]]" in alone


def test_the_terminal_says_the_diagnosis_and_hint_once_then_each_check_with_its_input():
    text = terminal(report(backward_with_no_dh_carry()))
    assert "problem3 · backward_dX, backward_dWh, backward_dB: one mistake explains these 3 checks" in text
    assert text.count(EXPLANATION) == 1 and text.count(f"hint: {MISTAKE_HINT}") == 1
    assert text.index("backward_dX: dX differs") < text.index(INPUT_DX) < text.index("backward_dWh: dWh differs") < text.index(INPUT_DWH)


def test_pytest_gives_the_diagnosis_in_the_first_explained_check_and_points_there_from_the_others():
    graded = report(backward_with_no_dh_carry())
    first, other = failure_text(graded, "problem3", "backward_dX"), failure_text(graded, "problem3", "backward_dWh")
    assert EXPLANATION in first and f"hint: {MISTAKE_HINT}" in first and INPUT_DX in first
    assert EXPLANATION not in other and MISTAKE_HINT not in other and INPUT_DWH in other
    assert "no_dh_carry explains this too; see problem3::backward_dX" in other


def test_problems_that_cannot_run_for_one_reason_are_one_entry_with_the_hint_and_no_failing_input():
    text = markdown(nothing_loaded())
    assert "### 💥 problem1, problem2 could not run (0 / 50)" in text
    assert text.count(NO_CLASS) == 1 and text.count(NO_CLASS_HINT) == 1 and "Smallest failing input" not in text
    assert "| 💥 none of its 3 checks could run |" in text and "| 💥 none of its 2 checks could run |" in text
    shown = terminal(nothing_loaded())
    assert "problem1, problem2 could not run: " + NO_CLASS in shown
    assert shown.count(NO_CLASS) == 1 and shown.count(NO_CLASS_HINT) == 1 and "smallest failing input" not in shown


def test_problems_that_cannot_run_for_different_reasons_each_say_their_own_once():
    no_method = "missing SimpleRNN.backward"
    graded = report(could_not_run("problem1", 2, NO_CLASS, NO_CLASS_HINT), could_not_run("problem3", 4, no_method, "Define backward."))
    text = markdown(graded)
    assert "### 💥 problem1 could not run (0 / 20)" in text and "### 💥 problem3 could not run (0 / 40)" in text
    assert text.count(NO_CLASS) == 1 and text.count(no_method) == 1 and text.count("**Hint:** Define backward.") == 1


def test_pytest_says_why_a_problem_cannot_run_in_its_first_check_and_points_there_from_the_rest():
    graded = nothing_loaded()
    first, second = failure_text(graded, "problem1", "problem1_check0"), failure_text(graded, "problem1", "problem1_check1")
    assert first == f"error: problem1 could not run: {NO_CLASS}\nhint: {NO_CLASS_HINT}"
    assert second == "error: problem1 could not run; see problem1::problem1_check0 for why"
    assert failure_text(graded, "problem2", "problem2_check0") == f"error: problem2 could not run: {NO_CLASS}\nhint: {NO_CLASS_HINT}"


def test_junit_and_results_json_keep_one_entry_per_check_with_the_mistakes_hint_and_no_input_where_nothing_ran():
    graded = report(backward_with_no_dh_carry())
    cases = ET.fromstring(junit(graded)).findall(".//testcase")
    assert len(cases) == 5
    dwh = next(c for c in cases if c.get("name") == "backward_dWh").find("failure").text
    assert f"Hint: {MISTAKE_HINT}" in dwh and "pair with h_(t-1), not h_t" not in dwh and dwh.count(MISTAKE_HINT) == 1
    tests = json.loads(gradescope(graded))["tests"]
    assert len(tests) == 5
    db = next(t for t in tests if t["name"] == "problem3: backward_dB")["output"]
    assert f"**Hint:** {MISTAKE_HINT}" in db and "do not average" not in db and db.count(MISTAKE_HINT) == 1
    unloaded = json.loads(gradescope(nothing_loaded()))["tests"]
    assert len(unloaded) == 5 and all("Smallest failing input" not in t["output"] and NO_CLASS_HINT in t["output"] for t in unloaded)


def test_warnings_attached_to_checks_appear_once_each_in_report_md_and_the_terminal():
    float32 = "dX is float32; it was compared with a float32 tolerance."
    forward = ProblemResult("problem1", "Forward", 20, (passed("forward_values", 10, [float32]), passed("forward_shape", 10, [float32])))
    graded = report(forward, warnings=("refused import of torch",))
    text = markdown(graded)
    warnings = text[text.index("## Warnings") :]
    assert warnings.startswith(f"## Warnings\n\n- refused import of torch\n- {float32}\n") and text.count(float32) == 1
    shown = terminal(graded)
    assert shown.count(f"warning: {float32}") == 1 and "warning: refused import of torch" in shown


def test_how_the_file_was_chosen_comes_first_and_the_graded_file_is_in_report_mds_header():
    choice = "Graded ada.py: of the 2 files with class SimpleRNN, the one changed last."
    graded = report(ProblemResult("problem1", "Forward", 10, (passed("forward_values", 10),)), choice=choice, file="src/ada.py")
    lines = markdown(graded).splitlines()
    assert lines[2] == choice and lines[4].startswith("Submission `students/ada` · file `src/ada.py` · seed 0")
    assert terminal(graded).splitlines()[1].strip() == choice
    assert json.loads(gradescope(graded))["output"].startswith(choice)
