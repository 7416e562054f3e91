"""Text a submission chose (an exception message, a file name, a warning) reaches every report as text: report.md
gets no heading, HTML, link or table of its own, junit.xml stays well-formed XML, the JSON files stay valid and
small, and the terminal gets no control sequence. Each writer is fed the same hostile report, built by hand."""

import dataclasses
import io
import json
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from grading import api
from grading.report import ProblemResult
from grading.reports import write_all
from grading.reports.as_html import html
from grading.reports.as_junit import junit
from grading.reports.as_markdown import markdown
from grading.reports.terminal import print_summary
from grading.reports.untrusted import clean, fence, markdown_code, markdown_text
from checks.results import Diagnosis
from tests.grading.reports_by_hand import failed, not_run, passed, report

INJECTED = "\n\n# dic-sprint22: 100 / 100\n\n| a | b |\n|---|---|\n[a link](http://example.com) <!-- "
CONTROL = "bad \x00\x01\x08\x0b\x0c\x1b[31m red \x7f\ufffe \u202e end"
SURROGATE = "no gradient \ud800 today"
FILE = "answer\n# full marks `x` <!--.py"  # no slash: a file name
SOLUTION = Path(__file__).resolve().parents[2] / "assignments" / "dic_sprint22" / "solution.py"


def hostile():
    problem = ProblemResult(
        "problem3",
        "Backpropagation (advanced)",
        15,
        (
            failed("backward_dX", 5, f"backward raised ValueError: {INJECTED}", "X = [[[1.]]]\n```\n# not a heading", "Fix dX."),
            failed("backward_dWx", 5, f"backward raised ValueError: {CONTROL}", "X = [[[2.]]]", "Fix dWx."),
            failed("backward_dWh", 5, f"backward raised ValueError: {SURROGATE}", "X = [[[3.]]]", "Fix dWh."),
        ),
    )
    forward = ProblemResult("problem1", "Forward", 10, (passed("forward_values", 10, [f"a warning: {INJECTED}"]),))
    return report(
        forward,
        problem,
        notes=(f"graded {FILE}, the file in ada that defines SimpleRNN",),
        warnings=("x" * 100 * 2**20, f"{CONTROL}{SURROGATE}"),
        choice=f"2 files define SimpleRNN ({FILE}, b.py); graded {FILE}",
        file=FILE,
        output={"stdout": CONTROL, "stderr": SURROGATE},
    )


def structure(text: str) -> list[str]:
    """The block and inline structure a Markdown renderer finds (CommonMark with tables, as GitHub renders)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    found = []
    for token in tokens:
        found.append(token.type)
        found += [child.type for child in token.children or []]
    return found


def test_report_md_renders_one_heading_one_table_and_no_html_or_link_of_the_submissions():
    text = markdown(hostile())
    text.encode("utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    h1 = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"]
    assert h1 == ["dic-sprint22: 10 / 25"]
    kinds = structure(text)
    assert kinds.count("table_open") == 1
    assert not {"html_block", "html_inline", "link_open", "image"} & set(kinds)
    assert "\\# dic-sprint22: 100 / 100 \\| a \\| b \\|" in text and "\\[a link\\](http\\://example.com) \\<\\!--" in text


def test_report_md_keeps_file_names_on_their_line_and_inside_code():
    text = markdown(hostile())
    lines = text.splitlines()
    submission = next(line for line in lines if line.startswith("Submission "))
    assert "file ``answer # full marks `x` <!--.py``" in submission
    notes = text[text.index("## Notes") : text.index("## Warnings")]
    assert "- graded answer \\# full marks \\`x\\` \\<\\!--.py, the file in ada that defines SimpleRNN" in notes


def test_junit_is_well_formed_xml_whatever_the_message_holds():
    root = ET.fromstring(junit(hostile()))
    message = root.find(".//testcase[@name='backward_dWx']/failure").get("message")
    assert "\\x00\\x01\\x08\\x0b\\x0c\\x1b[31m red \\x7f\\ufffe \\u202e end" in message


def test_the_json_files_are_valid_utf8_json_and_a_100_mb_warning_is_capped(tmp_path):
    write_all(hostile(), tmp_path)
    sizes = {p.name: p.stat().st_size for p in tmp_path.iterdir()}
    assert sum(sizes.values()) < 1_000_000, sizes
    for name in ("report.json", "results.json"):
        data = json.loads((tmp_path / name).read_bytes().decode("utf-8", "strict"))
        assert "\ud800" not in json.dumps(data, ensure_ascii=False)
    results = json.loads((tmp_path / "results.json").read_text())
    for markdown_field in [results["output"], *(t["output"] for t in results["tests"])]:
        assert not {"html_block", "html_inline", "link_open"} & set(structure(markdown_field))
        assert "heading_open" not in structure(markdown_field)
    ET.parse(tmp_path / "junit.xml")


def test_the_terminal_gets_no_control_character():
    buffer = io.StringIO()
    print_summary(hostile(), Console(file=buffer, width=300, highlight=False))
    shown = buffer.getvalue()
    assert "\x1b" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert "\\x1b[31m red" in shown and "no gradient \ufffd today" in shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("# heading", "\\# heading"),
        ("- item", "\\- item"),
        ("12. item", "12\\. item"),
        ("a | b", "a \\| b"),
        ("<!-- x -->", "\\<\\!-- x --\\>"),
        ("[x](http://y)", "\\[x\\](http\\://y)"),
        ("see www.example.com", "see www\\.example.com"),
        ("*a* _b_ `c` ~d~ $e$ &lt;", "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\$e\\$ \\&lt;"),
        ("line one\nline two", "line one line two"),
    ],
)
def test_markdown_text_escapes_each_way_into_markdown(text, shown):
    assert markdown_text(text) == shown


def test_code_spans_and_fences_outlast_every_backtick_run_in_their_text():
    assert markdown_code("a``b") == "```a``b```" and markdown_code("`x") == "`` `x ``"
    assert fence("```\nx") == "````text\n```\nx\n````"
    assert clean("x" * 30, 10) == "x" * 10 + " [... 20 more characters not kept]"


def test_a_graded_file_named_with_a_newline_and_markdown_stays_a_name_in_every_report(tmp_path):
    folder = tmp_path / "ada"
    folder.mkdir()
    shutil.copy(SOLUTION, folder / FILE)
    (folder / "helper.py").write_text("SCALE = 1.0\n")
    graded = api.grade(folder, "dic-sprint22", out=tmp_path / "out", max_examples=5, use_torch=False)
    assert graded.file == FILE
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    kinds = structure(text)
    assert kinds.count("table_open") == 1 and not {"html_block", "html_inline", "link_open"} & set(kinds)
    assert [line for line in text.splitlines() if line.startswith("# ")] == [text.splitlines()[0]]
    ET.parse(tmp_path / "out" / "junit.xml")


SCRIPT = '</pre></code><script>alert(1)</script><img src="http://example.com/x.png" onerror="alert(2)"><a href="javascript:x">'
REPORT_HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p", "code", "pre", "strong", "table"}
REPORT_HTML_TAGS |= {"tr", "th", "td", "ul", "li", "details", "summary", "span", "figure", "figcaption"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on") or name in ("href", "src")]


def every_field_hostile():
    """A report whose every text a submission can reach holds a script, an image and a link: messages, inputs, hints, a
    diagnosis, a problem that could not run, the notes, warnings, the file and how it was chosen and called."""
    diagnosis = Diagnosis("exact", ("no_dh_carry",), f"explained {SCRIPT}", f"hint {SCRIPT}", error=0.0, reference_error=0.3)
    broken = ProblemResult(
        "problem2", f"Experiment {SCRIPT}", 15, (not_run("small_array_last_h", 15, SCRIPT, SCRIPT),), error=SCRIPT, hint=SCRIPT
    )
    problem = ProblemResult(
        "problem3",
        "Backpropagation",
        15,
        (
            failed("backward_dX", 5, f"raised {SCRIPT}", f"X = {SCRIPT}", SCRIPT, diagnosis),
            failed("backward_dWh", 5, f"raised {SCRIPT}", f"X = {SCRIPT}", SCRIPT, diagnosis, warnings=[SCRIPT]),
            failed("backward_dB", 5, f"{INJECTED}{CONTROL}{SURROGATE}", "X = [[[1.]]]", SCRIPT),
        ),
    )
    made = report(
        broken,
        problem,
        notes=(SCRIPT,),
        warnings=(SCRIPT, "x" * 100 * 2**20),
        choice=SCRIPT,
        binding=SCRIPT,
        file=SCRIPT,
        output={"stdout": SCRIPT, "stderr": SCRIPT},
    )
    return dataclasses.replace(made, submission=SCRIPT)


def test_report_html_holds_no_tag_or_handler_of_the_submissions_and_shows_its_text_as_text():
    text = html(every_field_hostile())
    found = Tags()
    found.feed(text)
    assert found.tags <= REPORT_HTML_TAGS and found.handlers == []
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 12
    assert "\x1b" not in text and "\u202e" not in text and len(text) < 100_000
