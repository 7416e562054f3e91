"""report.html, as a browser shows it: every failed comparison drawn as expected, received and their difference, the
difference filled exactly where the arrays differ, a forward's hidden state as lines over the steps; no network, no
console error, and no matplotlib at all for a report that passed."""

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import grader
from grading import api
from tests.grading import browser

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"
GRADED = ("bug_dwh_uses_h_t", "bug_no_dh_carry", "bug_relu_instead_of_tanh")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Path]:
    """Each fixture's reports folder, graded as `grade` grades it (torch parity left out, and 30 examples, for time)."""
    folders = {}
    for name in GRADED:
        folders[name] = tmp_path_factory.mktemp(name)
        api.grade(FIXTURES / f"{name}.py", "dic-sprint22", out=folders[name], use_torch=False, max_examples=30)
    return folders


@pytest.fixture(scope="module")
def loaded(graded) -> dict[str, tuple[str, list[str]]]:
    """Each report.html's DOM and console messages, from Chromium."""
    return {name: browser.load(folder / "report.html") for name, folder in graded.items()}


class Drawn(HTMLParser):
    """The SVG groups with an id: each one's own <path> elements (their ``d`` and ``style``), and every id on the page."""

    def __init__(self):
        super().__init__()
        self.groups: dict[str, list[dict]] = {}
        self.ids: list[str] = []
        self.figures: list[str] = []
        self._open: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "figure" and "data-check" in attrs:
            self.figures.append(attrs["data-check"])
        if tag == "g":
            self._open.append(attrs.get("id"))
            if attrs.get("id"):
                self.groups[attrs["id"]] = []
        elif tag == "path" and self._open and self._open[-1]:
            self.groups[self._open[-1]].append(attrs)

    def handle_endtag(self, tag):
        if tag == "g":
            self._open.pop()


def drawn(dom: str) -> Drawn:
    found = Drawn()
    found.feed(dom)
    return found


def fill(path: dict) -> str:
    return re.search(r"fill:\s*([^;]+)", path.get("style", "")).group(1).strip()


def compared_checks(folder: Path) -> list[tuple[str, dict]]:
    """Each failed check's id ("problem3.backward_dWh") and its compared arrays, from report.json."""
    report = json.loads((folder / "report.json").read_text())
    return [(f"{p['id']}.{c['name']}", c["compared"]) for p in report["problems"] for c in p["checks"] if "compared" in c]


def figure_id(check: str) -> str:
    return check.replace(".", "-")


def panel(array: np.ndarray, row: int) -> np.ndarray:
    return array[np.newaxis, :] if array.ndim == 1 else array if array.ndim == 2 else array[row]


def test_each_report_loads_in_a_browser_with_no_network_and_no_console_message(loaded):
    for name, (dom, console) in loaded.items():
        assert console == [], name
        assert "<h1>dic-sprint22: " in dom and "What to fix" in dom


def test_every_failed_check_that_compared_arrays_has_its_three_panels_and_no_other_check_has_a_figure(graded, loaded):
    for name, folder in graded.items():
        checks = compared_checks(folder)
        page = drawn(loaded[name][0])
        assert sorted(page.figures) == sorted(check for check, _ in checks) and checks, name
        for check, _ in checks:
            for part in ("expected", "received", "difference"):
                assert any(g.startswith(f"{figure_id(check)}-{part}-") for g in page.groups), (check, part)


def test_the_difference_panel_is_filled_exactly_where_the_arrays_differ_and_coloured_by_the_sign(graded, loaded):
    partly = 0  # panels where some entries differ and others do not: the picture then shows a pattern
    for name, folder in graded.items():
        groups = drawn(loaded[name][0]).groups
        for check, compared in compared_checks(folder):
            expected, received = np.array(compared["expected"]), np.array(compared["received"])
            differs = np.abs(received - expected) > compared["atol"] + compared["rtol"] * np.abs(expected)
            rows = [int(g.rsplit("-", 1)[1]) for g in groups if g.startswith(f"{figure_id(check)}-difference-")]
            assert rows and (expected.ndim < 3 or compared["worst"][0] in rows)
            for row in rows:
                cells = groups[f"{figure_id(check)}-difference-{row}"]
                want, sign = panel(differs, row).ravel(), np.sign(panel(received - expected, row)).ravel()
                assert [fill(c) != "none" for c in cells] == list(want), (check, row)
                for cell, up in zip(cells, sign):
                    if fill(cell) != "none":
                        red, blue = int(fill(cell)[1:3], 16), int(fill(cell)[5:7], 16)
                        assert (red > blue) == (up > 0), (check, row, fill(cell))
                assert all(fill(c) != "none" for c in groups[f"{figure_id(check)}-expected-{row}"])
                partly += 0 < want.sum() < want.size
    assert partly >= 2


def test_a_screenshot_of_the_dwh_uses_h_t_report_renders(graded, tmp_path):
    png = tmp_path / "report.png"
    _, console = browser.load(graded["bug_dwh_uses_h_t"] / "report.html", screenshot=png)
    assert console == [] and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_a_wrong_forward_shows_each_units_hidden_state_over_the_steps_expected_dashed_received_solid(graded, loaded):
    groups = drawn(loaded["bug_relu_instead_of_tanh"][0]).groups
    forward = [(c, v) for c, v in compared_checks(graded["bug_relu_instead_of_tanh"]) if c == "problem1.forward_values"]
    assert forward, "forward_values failed with the hidden states compared"
    check, compared = forward[0]
    received = np.array(compared["received"])
    steps, units = received.shape[1:]
    for unit in range(min(units, 8)):
        dashed = groups[f"{figure_id(check)}-time-expected-unit-{unit}"][0]  # the line; its markers' shape follows
        solid = groups[f"{figure_id(check)}-time-received-unit-{unit}"][0]
        assert "stroke-dasharray" in dashed["style"] and "stroke-dasharray" not in solid["style"]
        assert len(re.findall(r"[ML]", solid["d"])) == steps


def test_no_two_elements_of_a_page_share_an_id(loaded):
    for name, (dom, _) in loaded.items():
        ids = drawn(dom).ids
        assert len(ids) == len(set(ids)), name


def test_a_passing_report_is_written_without_importing_matplotlib(tmp_path):
    script = (
        "import sys\n"
        "from grading.reports import write_all\n"
        "from tests.grading.reports_by_hand import passed, report\n"
        "from grading.report import ProblemResult\n"
        "write_all(report(ProblemResult('problem1', 'Forward', 10, (passed('forward_values', 10),))), sys.argv[1])\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
    assert "Every check passed." in (tmp_path / "report.html").read_text()


def test_check_with_html_writes_the_page_and_prints_its_path(tmp_path, capsys):
    code = grader.main(["check", str(FIXTURES / "bug_dwh_uses_h_t.py"), "--html", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 1 and f"report.html: {tmp_path / 'report.html'}" in printed.splitlines()
    assert 'data-check="problem3.backward_dWh"' in (tmp_path / "report.html").read_text()
