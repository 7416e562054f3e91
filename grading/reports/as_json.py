"""report.json: the report's data model, as JSON, its texts cleaned (``grading.reports.untrusted``)."""

from __future__ import annotations

import json

from grading.report import Report
from grading.reports.untrusted import cleaned


def report_json(report: Report) -> str:
    return json.dumps(cleaned(report).to_dict(), indent=2, allow_nan=False) + "\n"
