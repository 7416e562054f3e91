"""A .py file runs statement by statement; one that does not parse as a whole runs part by part: a half-written
function, an IndentationError or a Python 2 print statement skips only its own lines, and the report says which."""

from pathlib import Path

from grading import api
from grading.source_units import BrokenPart, top_level_parts, units

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

PARTS = '''"""A docstring
that runs on at column 0."""
import numpy as np

@staticmethod
def decorated():
    return 1

if True:
    A = 1
else:
    A = 2

B = [
1, 2]

# a comment, then a function
def f(x):
    return x
'''


def run(code: str, name: str = "file.py") -> tuple[dict, list[BaseException]]:
    namespace, failures = {}, []
    for unit in units(code, name, "module"):
        try:
            exec(unit(), namespace)  # noqa: S102 - the test's own code
        except Exception as error:  # noqa: BLE001 - each failure is what the test looks at
            failures.append(error)
    return namespace, failures


def test_a_part_starts_at_column_0_outside_brackets_and_strings_and_keeps_its_decorators_and_else():
    assert top_level_parts(PARTS.splitlines(keepends=True)) == [(1, 2), (3, 4), (5, 8), (9, 13), (14, 17), (18, 19)]


def test_a_broken_function_and_a_python_2_print_skip_only_their_own_lines():
    code = "def ok():\n    return 1\n\ndef half(x):\n    for t in xrange(3)\n        pass\n\nprint 'hi'\n\nLAST = ok()\n"
    namespace, failures = run(code)
    assert namespace["LAST"] == 1 and "half" not in namespace
    assert [(type(e), e.lineno, e.first, e.last, e.defines) for e in failures] == [(BrokenPart, 5, 4, 7, "half"), (BrokenPart, 8, 8, 9, "")]


def test_future_imports_carry_over_to_later_statements_whole_or_in_parts():
    code = "from __future__ import annotations\n\ndef f(x: NotDefinedAnywhere):\n    return x\n"
    for text in (code, code + "\ndef broken(:\n    pass\n"):
        namespace, failures = run(text)
        assert namespace["f"](2) == 2 and all(isinstance(e, BrokenPart) for e in failures)


def test_the_report_names_the_broken_lines_and_grades_the_rest(tmp_path):
    solution = (FIXTURES.parents[1] / "assignments" / "dic_sprint22" / "solution.py").read_text()
    (tmp_path / "partly_broken.py").write_text("def helper(x)\n    return x\n\n" + solution)
    report = api.check(tmp_path / "partly_broken.py")
    assert report.assignment == "dic-sprint22" and report.score == 83
    assert "partly_broken.py has a syntax error at line 1: expected ':'; helper (lines 1-3) was skipped and the rest of the file ran" in (
        report.warnings
    )
