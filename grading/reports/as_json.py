"""report.json: the report's data model, as JSON."""

from __future__ import annotations

import json

from grading.report import Report


def report_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
