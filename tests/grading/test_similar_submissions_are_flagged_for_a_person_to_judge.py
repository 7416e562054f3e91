"""Similar submissions: copies found by code whatever their names and layout, the same unexplained bug found by
behaviour too, independent solutions and a shared starter left alone; the page shows exactly the listed regions."""

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grading import api, similarity
from grading.reports.similarity_html import similarity_html
from tests.grading import browser

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "similarity"
SETTINGS = dict(assignment="dic-sprint22", max_examples=10)
COPIES = {("alice_original", "bob_renamed_and_reformatted"), ("carol_unknown_bug", "dave_same_bug_other_comments")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    result = api.batch(FIXTURES, out=out, **SETTINGS)
    return result, out, json.loads((out / "summary.json").read_text())["similar"]


def flagged_pairs(similar: dict) -> set[tuple[str, str]]:
    return {(p["a"], p["b"]) for p in similar["flagged"]}


def test_exactly_the_two_copies_are_flagged_and_each_forms_a_cluster(graded):
    _, _, similar = graded
    assert flagged_pairs(similar) == COPIES
    assert sorted(similar["clusters"]) == sorted([list(pair) for pair in COPIES])


def test_a_renamed_and_reformatted_copy_is_found_by_its_code(graded):
    _, _, similar = graded
    pair = next(p for p in similar["flagged"] if p["a"] == "alice_original")
    assert pair["code"] >= 0.95 and pair["matched_tokens"] >= 300
    assert pair["behaviour"] is None  # two correct programs: no wrong answer to compare, no evidence


def test_the_same_bug_with_other_comments_is_found_by_code_and_by_behaviour(graded):
    _, _, similar = graded
    pair = next(p for p in similar["flagged"] if p["a"] == "carol_unknown_bug")
    assert pair["code"] >= 0.95
    assert pair["behaviour"] == 1.0 and pair["shared_wrong"] >= 5


def test_independent_solutions_are_far_below_the_threshold(graded):
    _, _, similar = graded
    nearest = max(p["code"] for p in similar["nearest_below"])
    assert nearest < similar["threshold"] - 0.15


def test_students_who_filled_the_starter_alike_are_flagged_only_if_the_starter_is_not_subtracted():
    codes = {p.stem: similarity.graded_code(p, ("SimpleRNN",)) for p in FIXTURES.glob("*_filled_the_starter.py")}
    starter = similarity.starter_texts(ROOT / "assignments" / "dic_sprint22", ("SimpleRNN",))
    assert similarity.analyse(codes, starter=starter).flagged == []
    assert [(p.a, p.b) for p in similarity.analyse(codes, starter=[]).flagged] == [("frank_filled_the_starter", "grace_filled_the_starter")]


def test_only_wrong_answers_no_known_mistake_explains_count_as_behaviour():
    def check(name, status, mistakes=()):
        return {"name": name, "status": status, "counterexample": "X = 0", "message": "m", "diagnosis": {"mistakes": list(mistakes)}}

    report = {
        "problems": [
            {"id": "p", "checks": [check("a", "failed"), check("b", "failed", ["no_dh_carry"]), check("c", "error"), check("d", "passed")]}
        ]
    }
    assert [json.loads(s)[1] for s in similarity.wrong_answers(report)] == ["a"]


def test_the_summary_lists_the_pairs_with_their_percentages(graded):
    _, out, _ = graded
    text = (out / "summary.md").read_text()
    assert "## Similar submissions" in text
    assert "| alice\\_original and bob\\_renamed\\_and\\_reformatted | 100% | 100% / 99% | n/a | 0 |" in text
    assert "The most similar below the threshold: alice\\_original and frank\\_filled\\_the\\_starter (22%)" in text


def test_the_analysis_is_the_same_in_every_process(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "grader.py", "similar", str(FIXTURES), "--assignment", "dic-sprint22", "--out", str(tmp_path / seed)]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        outputs.append((tmp_path / seed / "similarity.json").read_text())
    assert outputs[0] == outputs[1]


def test_a_copy_of_an_earlier_cohorts_submission_is_found(tmp_path):
    earlier = tmp_path / "2025"
    earlier.mkdir()
    shutil.copy(FIXTURES / "erin_independent.py", earlier / "yusuf.py")
    cohort = tmp_path / "2026"
    cohort.mkdir()
    for name in ("erin_independent.py", "alice_original.py"):
        shutil.copy(FIXTURES / name, cohort / name)
    done = subprocess.run(
        [sys.executable, "grader.py", "similar", str(cohort), "--assignment", "dic-sprint22", "--out", str(tmp_path / "out")]
        + ["--against", str(earlier)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "erin_independent and 2025/yusuf: code 100%, behaviour n/a"
    assert flagged_pairs(json.loads((tmp_path / "out" / "similarity.json").read_text())) == {("erin_independent", "2025/yusuf")}


class Marks(HTMLParser):
    """Each <mark>'s attributes and text, and whether any <script> came through."""

    def __init__(self):
        super().__init__()
        self.marks, self.scripts, self._open = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            self._open = dict(attrs) | {"text": ""}
        self.scripts += tag == "script"

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "mark" and self._open is not None:
            self.marks.append(self._open)
            self._open = None


def browser_dom(page: Path) -> str:
    dom, console = browser.load(page)
    assert console == []
    return dom


def test_the_page_marks_in_a_browser_exactly_the_regions_the_summary_lists(graded):
    _, out, similar = graded
    parsed = Marks()
    parsed.feed(browser_dom(out / "similarity.html"))
    codes = {p.stem: similarity.graded_code(p, ("SimpleRNN",)) for p in FIXTURES.glob("*.py")}
    expected = [
        {"data-pair": str(i), "data-side": side, "data-start": str(start), "data-end": str(end), "text": codes[pair[side]][start:end]}
        for i, pair in enumerate(similar["flagged"])
        for side in ("a", "b")
        for start, end in pair[f"regions_{side}"]
    ]
    assert parsed.marks == expected and len(expected) >= 4
    for pair in similar["flagged"]:  # copies: most of each file is marked, in a few long regions (split only by the starter's lines)
        for side in ("a", "b"):
            regions = pair[f"regions_{side}"]
            assert sum(end - start for start, end in regions) > 0.6 * len(codes[pair[side]]) and len(regions) <= 5


def test_a_students_text_cannot_script_the_page(tmp_path):
    hostile = "</pre><script>alert(1)</script><pre>"
    data = {
        "threshold": 0.5,
        "method": "m",
        "compared": 2,
        "clusters": [["<script>a</script>", "b"]],
        "flagged": [
            {"a": "<script>a</script>", "b": "b", "code": 1.0, "code_a": 1.0, "code_b": 1.0, "behaviour": None, "shared_wrong": 0}
            | {"matched_tokens": 50, "regions_a": [[0, len(hostile)]], "regions_b": [], "flagged": True}
        ],
    }
    page = tmp_path / "similarity.html"
    page.write_text(similarity_html(data, {"<script>a</script>": hostile, "b": hostile}, "<script>title</script>"))
    parsed = Marks()
    parsed.feed(browser_dom(page))
    assert parsed.scripts == 0
    assert [m["text"] for m in parsed.marks] == [hostile]


def test_a_notebook_is_compared_by_its_code_cells_alone(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    code = (FIXTURES / "alice_original.py").read_text()
    head, tail = code.split("class SimpleRNN", 1)
    cells = [
        new_markdown_cell("# My RNN\nI wrote forward first, then backward, with everything explained at length here."),
        new_code_cell(head, outputs=[new_output("stream", text="forward ok\n" * 200)]),
        new_code_cell("class SimpleRNN" + tail),
    ]
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    nbformat.write(new_notebook(cells=cells), cohort / "ivan.ipynb")
    shutil.copy(FIXTURES / "erin_independent.py", cohort / "erin.py")
    shutil.copy(FIXTURES / "bob_renamed_and_reformatted.py", cohort / "bob.py")
    found, codes = api.similar(cohort, "dic-sprint22")
    assert [(p.a, p.b) for p in found.flagged] == [("bob", "ivan")]
    assert "forward ok" not in codes["ivan"] and "I wrote forward first" not in codes["ivan"]


def test_a_pair_that_shares_only_the_starter_is_not_flagged():
    starter = "\n".join(f"def step_{n}(x, weights, bias, state):\n    raise NotImplementedError('write step {n}')\n" for n in range(6))
    filled = starter.replace("raise NotImplementedError", "return None  #")
    found = similarity.analyse({"kim": filled, "lee": filled}, starter=[starter])
    assert found.flagged == [] and all(p.matched_tokens < similarity.MIN_TOKENS for p in found.pairs)


def test_code_with_a_lone_surrogate_is_compared_like_any_other():
    code = (FIXTURES / "alice_original.py").read_text() + "\nNAME = 1\n\ud800 = 2\n"
    found = similarity.analyse({"kim": code, "lee": code})
    assert [(p.a, p.b) for p in found.flagged] == [("kim", "lee")]
    assert "\ud800" not in similarity_html(found.to_dict(), {"kim": code, "lee": code}, "t").replace("\\ud800", "")
