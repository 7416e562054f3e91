"""The GitHub Actions workflow that grades a submission repository on every push.

    python grader.py ci-template --assignment dic-sprint22 [--fail-under 60] > .github/workflows/grade.yml

It installs the grader (torch from PyTorch's CPU index, to avoid the CUDA
build), grades the repository, appends report.md to the job summary, uploads
the five reports as an artifact (report.html among them: the report with pictures of each wrong array, for a
browser), and fails the job below ``--fail-under``.
"""

from __future__ import annotations

DEFAULT_SOURCE = "rnn-grader @ git+https://github.com/your-org/rnn-grader"
"""Where the workflow installs the grader from; a course sets its own with --grader-source."""

REPORT_FOLDER = "grader-report"

TEMPLATE = """\
# Grades this repository for the {assignment} assignment with rnn-grader on every push.
# Made by `python grader.py ci-template --assignment {assignment}`; the job fails below {fail_under:g}%.
name: grade
on:
  push:
  pull_request:
  workflow_dispatch:
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install the grader
        run: |
          python -m pip install --upgrade pip
          python -m pip install "torch>=2.13,<2.14" --index-url https://download.pytorch.org/whl/cpu
          python -m pip install "{source}"
      - name: Grade
        run: rnn-grader grade . --assignment {assignment} --out {folder} --fail-under {fail_under:g}
      - name: Show the report in the job summary
        if: always()
        run: cat {folder}/report.md >> "$GITHUB_STEP_SUMMARY"
      # report.json, report.md, junit.xml, results.json and report.html (open it in a browser: it draws each wrong array)
      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: {folder}
          path: {folder}/
"""


def workflow(assignment: str, *, fail_under: float = 0.0, source: str = DEFAULT_SOURCE, python: str = "3.11") -> str:
    """The workflow's YAML text for ``assignment``."""
    if not 0 <= fail_under <= 100:
        raise ValueError(f"fail_under={fail_under!r} should be a percentage between 0 and 100")
    if '"' in source or "\n" in source:
        raise ValueError(f"source={source!r} should be a pip requirement without quotes or newlines")
    return TEMPLATE.format(assignment=assignment, fail_under=fail_under, source=source, python=python, folder=REPORT_FOLDER)
