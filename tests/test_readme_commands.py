"""The README opens with its two commands, and CI runs the second one verbatim."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_opens_with_exactly_two_commands_install_and_run_then_install_and_test():
    run, test = readme_commands()
    assert run.startswith("python3 -m pip install . && python3 grader.py grade assignments/dic_sprint22/solution.py")
    assert ".[test]" in test and "pytest" in test


def test_ci_runs_the_readmes_test_command_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci_lines


def test_ci_also_runs_the_trainings_and_the_thorough_profile_that_the_readme_names():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    readme = (ROOT / "README.md").read_text()
    for command in ("python3 -m pytest -m slow", "HYPOTHESIS_PROFILE=thorough python3 -m pytest tests/reference tests/checks"):
        assert command in ci_lines and f"`{command}`" in readme
