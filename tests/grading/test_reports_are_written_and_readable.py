"""Every grading writes report.json, report.md, junit.xml, results.json and report.html, each readable by what reads it."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from grading import api

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dic_sprint22"
GRADESCOPE_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "gradescope" / "results.schema.json"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    api.grade(FIXTURES / "bug_dwh_uses_h_t.py", out=folder, max_examples=20)
    return folder


def test_all_five_files_are_written(out):
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "report.html", "report.json", "report.md", "results.json"]


def test_report_json_has_the_documented_fields(out):
    report = json.loads((out / "report.json").read_text())
    assert {"assignment", "submission", "score", "max_score", "problems", "warnings", "seed", "versions"} <= set(report)
    assert [p["id"] for p in report["problems"]] == ["problem1", "problem2", "problem3"]
    check = report["problems"][2]["checks"][2]
    assert {"name", "status", "score", "max_score", "message", "counterexample"} <= set(check)
    assert (check["name"], check["status"], check["score"]) == ("backward_dWh", "failed", 0.0)
    assert report["score"] == sum(p["score"] for p in report["problems"]) == 80
    assert report["versions"]["numpy"] and report["versions"]["torch"].startswith("2.13")


def test_junit_parses_with_one_testcase_per_check_and_a_failure_element(out):
    root = ET.parse(out / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == 13
    failing = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failing == ["backward_dWh", "backward_matches_own_forward", "backward_matches_torch"]
    assert "Hint:" in root.find(".//testcase[@name='backward_dWh']/failure").text


def test_gradescope_results_have_the_fields_gradescope_reads(out):
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 80
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "output_format", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed") and test["output_format"] == "md"
    assert sum(t["max_score"] for t in results["tests"]) == 100
    jsonschema.validate(results, json.loads(GRADESCOPE_SCHEMA.read_text()))  # written from Gradescope's specification


def test_the_markdown_report_has_a_problem_table_then_each_failure_with_input_and_hint(out):
    text = (out / "report.md").read_text()
    assert text.startswith("# dic-sprint22: 80 / 100")
    assert "| **problem3** Backpropagation (advanced) | 15 / 35 |" in text
    failure = text[text.index("### ❌ problem3 · backward_dWh") :]
    assert "Smallest failing input:" in failure and "```text\nX (batch=1" in failure and "**Hint:**" in failure


def test_a_report_is_written_even_when_nothing_could_be_loaded(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ this is not json")
    report = api.grade(broken, out=tmp_path / "out", max_examples=5)
    assert report.score == 0 and (tmp_path / "out" / "report.md").exists()
    assert "broken.ipynb is not a readable notebook" in report.problems[0].checks[0].message
