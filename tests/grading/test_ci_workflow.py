"""The GitHub Actions workflow is valid YAML, and its grading steps, run here, grade and summarise a repository."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import assignments
from grading import ci

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"


def steps(text):
    return {step.get("name", step.get("uses")): step for step in yaml.safe_load(text)["jobs"]["grade"]["steps"]}


def test_the_workflow_is_yaml_with_install_grade_summary_and_upload_steps():
    workflow = yaml.safe_load(ci.workflow("lstm", fail_under=60))
    assert set(workflow[True]) >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    found = steps(ci.workflow("lstm", fail_under=60))
    assert "rnn-grader grade . --assignment lstm --out grader-report --fail-under 60" == found["Grade"]["run"]
    assert found["Show the report in the job summary"]["if"] == "always()"
    assert "$GITHUB_STEP_SUMMARY" in found["Show the report in the job summary"]["run"]
    assert found["Upload the reports"]["uses"].startswith("actions/upload-artifact@")
    assert "torch>=2.13,<2.14" in found["Install the grader"]["run"]


def test_ci_template_prints_the_workflow_and_each_assignment_ships_it():
    for name in assignments.names():
        printed = subprocess.run(
            [sys.executable, "grader.py", "ci-template", "--assignment", name], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert printed.stdout == ci.workflow(name)
        shipped = ROOT / "assignments" / name.replace("-", "_") / "github-workflow.yml"
        assert shipped.read_text() == ci.workflow(name), f"regenerate {shipped} with `python grader.py ci-template --assignment {name}`"


def run_steps(repository: Path, text: str, summary: Path) -> int:
    """The Grade step, then the summary step (which runs always), as the runner would run them."""
    found = steps(text)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary), "HOME": str(repository)}
    graded = subprocess.run(["bash", "-c", found["Grade"]["run"]], cwd=repository, env=env, capture_output=True, text=True, timeout=300)
    subprocess.run(["bash", "-c", found["Show the report in the job summary"]["run"]], cwd=repository, env=env, check=True)
    return graded.returncode


def test_the_grading_steps_pass_a_good_repository_and_fail_a_weak_one(tmp_path):
    text = ci.workflow("dic-sprint22", fail_under=90)
    for name, expected in (("ok_every_step.py", 0), ("forward_only.py", 1)):
        repository = tmp_path / name
        (repository / ".github" / "workflows").mkdir(parents=True)
        (repository / ".github" / "workflows" / "grade.yml").write_text(text)
        shutil.copy(FIXTURES / name, repository / "rnn.py")
        summary = tmp_path / f"{name}.summary.md"
        assert run_steps(repository, text, summary) == expected
        assert summary.read_text() == (repository / "grader-report" / "report.md").read_text()
        assert {p.name for p in (repository / "grader-report").iterdir()} == {"report.json", "report.md", "junit.xml", "results.json", "report.html"}
