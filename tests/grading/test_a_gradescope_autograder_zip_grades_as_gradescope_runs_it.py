"""`grader.py gradescope` writes the zip Gradescope takes as it is: unpacked into a root laid out like Gradescope's, its
run_autograder grades a correct, a buggy, an empty and a hostile submission, each results.json valid against the
specification's schema; setup.sh passes shellcheck and runs up to where it would install from the network."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grading import gradescope

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SCHEMA = json.loads((FIXTURES / "gradescope" / "results.schema.json").read_text())
SUBMISSIONS = {
    "correct": FIXTURES / "dic_sprint22" / "ok_every_step.py",
    "buggy": FIXTURES / "dic_sprint22" / "bug_dwh_uses_h_t.py",
    "hostile": FIXTURES / "red_team" / "read_reference_from_disk.py",  # the grader's source sits in AUTOGRADER_ROOT/source
    "empty": None,
}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("made")
    (folder / "seed.txt").write_text("the course's secret words\n")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "grader.py"),
            "gradescope",
            "--assignment",
            "dic-sprint22",
            "--out",
            str(folder / "autograder.zip"),
            "--seed-file",
            str(folder / "seed.txt"),
            "--max-examples",
            "20",
            "--hidden-details",
            "after_due_date",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return folder / "autograder.zip"


def gradescope_root(zip_path: Path, root: Path, submission: Path | None) -> Path:
    """A root laid out as Gradescope lays out /autograder: source/ (the zip, unpacked), run_autograder, submission/, results/."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    if submission is not None:
        shutil.copy(submission, root / "submission" / submission.name)
    return root


@pytest.fixture(scope="module")
def graded(autograder, tmp_path_factory) -> dict[str, dict]:
    found = {}
    for kind, submission in SUBMISSIONS.items():
        root = gradescope_root(autograder, tmp_path_factory.mktemp(kind), submission)
        env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
        done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        found[kind] = json.loads((root / "results" / "results.json").read_text())
    return found


def test_the_zip_holds_the_scripts_at_its_root_the_settings_and_the_grader_itself(autograder):
    with zipfile.ZipFile(autograder) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        settings = json.loads(archive.read("settings.json"))
        requirements = archive.read("requirements.txt").decode()
    assert {"setup.sh", "run_autograder", "settings.json", "requirements.txt", "secret_seed.txt", "rnn-grader/grader.py"} <= names
    assert "rnn-grader/grading/score.py" in names and "rnn-grader/assignments/dic_sprint22/__init__.py" in names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert (settings["assignment"], settings["max_examples"], settings["hidden_details"]) == ("dic-sprint22", 20, "after_due_date")
    assert settings["secret"] is None and settings["seed_file"] == "secret_seed.txt"  # the secret lives in its own file only
    assert "numpy==" in requirements and "hypothesis==" in requirements and "torch" not in requirements


def test_the_same_grader_and_settings_make_the_same_zip(autograder, tmp_path):
    from grading.single import Settings

    again = gradescope.build(
        tmp_path / "again.zip",
        Settings(assignment="dic-sprint22", max_examples=20),
        secret="the course's secret words\n",
        hidden_details="after_due_date",
    )
    assert again.read_bytes() == autograder.read_bytes()


def test_every_results_json_follows_gradescopes_specification(graded):
    for kind, data in graded.items():
        jsonschema.validate(data, SCHEMA)
        assert "leaderboard" not in data, kind


def test_a_correct_submission_scores_full_marks_and_a_buggy_one_loses_the_points_of_its_bug(graded):
    assert graded["correct"]["score"] == 100 and all(t["status"] == "passed" for t in graded["correct"]["tests"])
    buggy = {t["name"]: t for t in graded["buggy"]["tests"]}
    assert graded["buggy"]["score"] == 80 and buggy["problem3: backward_dWh"]["status"] == "failed"
    assert (
        "**Diagnosis:**" in buggy["problem3: backward_dWh"]["output"]
        and "Smallest failing input" in buggy["problem3: backward_dWh"]["output"]
    )
    assert "**Hint:**" in buggy["problem3: backward_dWh"]["output"]


def test_the_secret_seeds_details_wait_for_the_due_date_and_the_total_does_not(graded):
    data = graded["buggy"]
    assert data["visibility"] == "visible" and {t["visibility"] for t in data["tests"]} == {"after_due_date"}
    assert "shown after the due date" in data["output"] and "the course's secret words" not in json.dumps(data)


def test_an_empty_submission_scores_0_and_says_why(graded):
    data = graded["empty"]
    assert data["score"] == 0 and data["tests"] == [] and "the submission is empty" in data["output"]


def test_a_hostile_submission_that_looks_for_the_graders_source_finds_nothing_in_its_isolated_worker(graded):
    data = graded["hostile"]
    assert "its own mount, PID and network namespaces" in data["output"] and "Gradescope's container" in data["output"]
    assert data["score"] == 20  # its own forward's shape only: 100 had it found reference/rnn.py under source/rnn-grader


def test_setup_sh_passes_shellcheck(autograder, tmp_path):
    checker = shutil.which("shellcheck")
    if checker is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck is not installed; .ci/run installs Debian's package")
        pytest.skip("needs Debian's shellcheck, which .ci/run installs")
    with zipfile.ZipFile(autograder) as archive:
        archive.extract("setup.sh", tmp_path)
        archive.extract("run_autograder", tmp_path)
    done = subprocess.run(
        [checker, "--shell=bash", str(tmp_path / "setup.sh"), str(tmp_path / "run_autograder")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout


def test_setup_sh_runs_until_it_would_install_from_the_network(autograder, tmp_path):
    root = gradescope_root(autograder, tmp_path / "autograder", None)
    offline = {**os.environ, "AUTOGRADER_ROOT": str(root), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root, env=offline, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0  # it stops at the package index, which this run cannot reach
    assert (root / "venv" / "bin" / "python3").exists()  # Python was found or installed, and its environment made
    assert "No matching distribution found for numpy" in done.stderr and "apt-get" not in done.stderr
