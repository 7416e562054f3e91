"""junit.xml: one testsuite per problem, one testcase per check, for CI test views.

Texts are cleaned first (``grading.reports.untrusted``): no character that XML 1.0 refuses reaches the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from grading.report import Report
from grading.reports.for_people import shown_hint
from grading.reports.untrusted import cleaned
from grading.reports.wording import diagnosis_text

TAG = {"failed": "failure", "error": "error", "timeout": "error", "skipped": "skipped"}


def junit(report: Report) -> str:
    report = cleaned(report)
    root = ET.Element("testsuites", name=report.assignment, tests=str(len(report.checks)), time=f"{report.seconds:.3f}")
    for problem in report.problems:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{report.assignment}.{problem.id}",
            tests=str(len(problem.checks)),
            failures=str(sum(c.status == "failed" for c in problem.checks)),
            errors=str(sum(c.status in ("error", "timeout") for c in problem.checks)),
            skipped=str(sum(c.status == "skipped" for c in problem.checks)),
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="score", value=f"{problem.score:g}")
        ET.SubElement(properties, "property", name="max_score", value=f"{problem.max_score:g}")
        for check in problem.checks:
            case = ET.SubElement(suite, "testcase", classname=f"{report.assignment}.{problem.id}", name=check.name)
            if check.status in TAG:
                element = ET.SubElement(case, TAG[check.status], message=check.message[:500], type=check.status)
                hint = shown_hint(problem, check)
                diagnosis = check.diagnosis and f"Diagnosis: {diagnosis_text(check.diagnosis, hint)}"
                counterexample = None if problem.error else check.counterexample  # a problem that could not run has no input
                element.text = "\n\n".join(t for t in (check.message, diagnosis, counterexample, hint and f"Hint: {hint}") if t)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
