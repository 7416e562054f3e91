"""Every known mistake, submitted as a student's file, is diagnosed as itself, and the cohort's summary counts it.

Each student file is an assignment's ``mistakes.py`` (NumPy only, as a student
writes it) with one mistake switched on, graded by `grader.py batch` as a
course would grade it. Every check it fails must carry a diagnosis that names
exactly that mistake as matching within tolerance.

The 23 wrong LSTM gate orders differ only in which blocks they swap: three of
them are graded as files here, and every one is diagnosed from the scripts of
each check's explicit cases alone, in this process, at the end.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import assignments
from checks import backward, forward
from checks.layer import LAST, SEQUENCE, Context
from checks.property import Runs
from checks.results import FAILED, Outcome
from checks.session import Recorder
from grading.diagnose import Diagnoser, LocalSession

ROOT = Path(__file__).resolve().parents[2]
MODULES = {"dic-sprint22": ROOT / "assignments" / "dic_sprint22" / "mistakes.py", "lstm": ROOT / "assignments" / "lstm" / "mistakes.py"}
BUILDERS = {"SimpleRNN": "with_mistakes", "LSTM": "lstm_with_mistakes", "GRU": "gru_with_mistakes"}
LAST_ONLY = {("dic-sprint22", "dwh_uses_h_t"), ("dic-sprint22", "no_recurrence"), ("lstm", "gate_order_ifog"), ("lstm", "z_swapped")}
"""A few mistakes also graded in the return style of only the last h."""
GATE_ORDERS_AS_FILES = {"gate_order_ifog", "gate_order_fgio", "gate_order_ogfi"}


def students(assignment: str) -> dict[str, tuple[str, str]]:
    """student id -> (the mistake, the file's text), for every known mistake of the assignment."""
    found = {}
    for library in assignments.get(assignment).mistakes:
        for mistake in library.mistakes:
            if mistake.name.startswith("gate_order_") and mistake.name not in GATE_ORDERS_AS_FILES:
                continue
            for last_only in (False, True) if (assignment, mistake.name) in LAST_ONLY else (False,):
                line = f"{library.cls} = {BUILDERS[library.cls]}({mistake.name!r}, last_only={last_only})"
                student = f"{library.cls.lower()}_{mistake.name}" + ("_last_only" if last_only else "")
                found[student] = (mistake.name, MODULES[assignment].read_text() + "\n\n" + line + "\n")
    return found


COHORTS = {name: students(name) for name in MODULES}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Each assignment's cohort of mistakes, graded in one batch: {assignment: (out folder, {student: report})}."""
    results = {}
    for assignment, cohort in COHORTS.items():
        folder, out = tmp_path_factory.mktemp(f"mistakes_{assignment}"), tmp_path_factory.mktemp(f"out_{assignment}")
        for student, (_, text) in cohort.items():
            (folder / f"{student}.py").write_text(text)
        command = [sys.executable, "grader.py", "batch", str(folder), "--assignment", assignment, "--out", str(out)]
        done = subprocess.run([*command, "--jobs", "2", "--max-examples", "15"], cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr
        results[assignment] = (out, {s: json.loads((out / s / "report.json").read_text()) for s in cohort})
    return results


CASES = [(assignment, student) for assignment, cohort in COHORTS.items() for student in cohort]


@pytest.mark.parametrize(("assignment", "student"), CASES, ids=[s for _, s in CASES])
def test_each_mistake_fails_some_check_and_every_failure_is_diagnosed_as_that_mistake(graded, assignment, student):
    mistake = COHORTS[assignment][student][0]
    report = graded[assignment][1][student]
    failed = [c for p in report["problems"] for c in p["checks"] if c["status"] in ("failed", "error")]
    assert failed, f"{student}: no check fails, so the mistake goes unseen"
    for check in failed:
        diagnosis = check.get("diagnosis")
        assert diagnosis is not None, f"{student}: {check['name']} failed with no diagnosis: {check['message']}"
        assert (diagnosis["match"], diagnosis["mistakes"]) == ("exact", [mistake]), f"{student}: {check['name']}: {diagnosis}"


def test_the_cohort_summary_counts_each_diagnosis_once_per_student(graded):
    out, reports = graded["dic-sprint22"]
    summary = json.loads((out / "summary.json").read_text())
    counts = {d["mistake"]: d["students"] for d in summary["diagnoses"]}
    expected: dict[str, int] = {}
    for mistake, _ in COHORTS["dic-sprint22"].values():
        expected[mistake] = expected.get(mistake, 0) + 1
    assert counts == expected
    markdown = (out / "summary.md").read_text()
    assert f"| dwh_uses_h_t | {expected['dwh_uses_h_t']} of {len(reports)} |" in markdown


def test_the_markdown_report_shows_the_diagnosis_right_under_the_failure(graded):
    out, _ = graded["dic-sprint22"]
    text = (out / "simplernn_dwh_uses_h_t" / "report.md").read_text()
    failure = text.index("### ❌ problem3 · backward_dWh")
    diagnosis = text.index("**Diagnosis:**", failure)
    assert diagnosis < text.index("Smallest failing input:", failure)
    assert "h_t where the previous state h_(t-1) belongs" in text[diagnosis : diagnosis + 400]


@pytest.mark.parametrize("style", [SEQUENCE, LAST])
def test_every_gate_order_is_told_apart_by_the_explicit_cases_of_each_lstm_check(style):
    library = assignments.get("lstm").mistakes[0]
    contract = next(c for c in assignments.get("lstm").contracts if c.cls == "LSTM")
    checks = {"forward_values": forward.values, "backward_dWh": backward.gradient("dWh")}
    for mistake in (m for m in library.mistakes if m.name.startswith("gate_order_")):
        session = LocalSession({"LSTM": library.build(mistake.name, last_only=style == LAST)})
        for name, check in checks.items():
            prop = check(Context(Recorder(session), contract, style, Runs(seed=0, max_examples=1)))
            evidence = tuple(said for case in prop.explicit for said in prop.transcript(case))
            diagnosis = Diagnoser({"LSTM": library}).diagnose(Outcome(FAILED, "", evidence=evidence), "LSTM", style)
            assert (diagnosis.match, diagnosis.mistakes) == ("exact", (mistake.name,)), (mistake.name, name)
