"""In a folder, a file still holding the starter's placeholders never outranks the student's work.

Of several files that implement the class, the most recently modified is graded, whatever the names and suffixes,
and ``choice`` says so. Folders here are built from the real Sprint 22 starter and a correct SimpleRNN.
"""

from pathlib import Path

import pytest

from grading import api
from grading import load
from tests.grading.starter_folders import IMPLEMENTED, LAST_MONTH, LAST_YEAR, YESTERDAY, finished_work, modified_at, untouched_starter

CLASSES = ("SimpleRNN",)


@pytest.fixture
def starter_beside_a_finished_notebook(tmp_path) -> Path:
    """The template's untouched starter.py, touched after the student's answer.ipynb."""
    folder = tmp_path / "alice"
    finished_work(folder / "answer.ipynb", modified=LAST_MONTH)
    untouched_starter(folder / "starter.py", modified=YESTERDAY)
    return folder


def test_an_untouched_starter_beside_a_finished_notebook_loses_to_the_notebook(starter_beside_a_finished_notebook):
    folder = starter_beside_a_finished_notebook
    submission = load.load(folder, CLASSES)
    assert submission.file == folder / "answer.ipynb"
    assert submission.candidates == (folder / "answer.ipynb",)
    assert submission.choice == ""
    assert "ignored starter.py: its methods are still the starter's placeholders" in submission.notes


def test_grading_a_folder_with_the_starter_and_a_finished_notebook_gives_the_notebooks_full_score(starter_beside_a_finished_notebook):
    report = api.grade(starter_beside_a_finished_notebook, max_examples=10)
    assert (report.file, report.score, report.status) == ("answer.ipynb", 100, "graded")


# (the newer file, the older file): each older one is what ".py first, then alphabetical" would have picked.
NEWER_AND_OLDER = {
    "a notebook newer than a .py in a subfolder": ("answer.ipynb", "old/rnn.py"),
    "two notebooks, the later name newer": ("b.ipynb", "a.ipynb"),
    "two .py files, the later name newer": ("z.py", "a.py"),
}


@pytest.mark.parametrize(("newer", "older"), NEWER_AND_OLDER.values(), ids=NEWER_AND_OLDER.keys())
def test_of_two_finished_files_the_most_recently_modified_is_graded_whatever_its_name_or_suffix(tmp_path, newer, older):
    finished_work(tmp_path / older, modified=LAST_YEAR)
    finished_work(tmp_path / newer, modified=LAST_MONTH)
    submission = load.load(tmp_path, CLASSES)
    assert submission.file == tmp_path / newer
    assert submission.candidates == (tmp_path / newer, tmp_path / older)
    assert submission.choice == f"2 files define SimpleRNN ({newer}, {older}); graded {newer}, the most recently modified"


def test_two_finished_files_modified_at_the_same_time_say_the_first_by_name_was_taken(tmp_path):
    finished_work(tmp_path / "b.py", modified=LAST_MONTH)
    finished_work(tmp_path / "a.ipynb", modified=LAST_MONTH)
    submission = load.load(tmp_path, CLASSES)
    assert submission.file == tmp_path / "a.ipynb"
    assert submission.choice == (
        "2 files define SimpleRNN (a.ipynb, b.py); graded a.ipynb, the first by name of those modified at the same time"
    )


PLACEHOLDER_BODIES = {
    "raise NotImplementedError": "        raise NotImplementedError\n",
    "raise NotImplementedError with a message": '        raise NotImplementedError("write it")\n',
    "pass": "        pass\n",
    "an ellipsis": "        ...\n",
    "a docstring, then pass": '        """Return h."""\n        pass\n',
}


@pytest.mark.parametrize("body", PLACEHOLDER_BODIES.values(), ids=PLACEHOLDER_BODIES.keys())
def test_a_newer_file_whose_methods_are_placeholders_never_outranks_an_implementation(tmp_path, body):
    placeholder = (
        "import numpy as np\n\nclass SimpleRNN:\n    def __init__(self, n_features, n_nodes):\n"
        "        self.Wx = np.zeros((n_features, n_nodes))\n\n"
        f"    def forward(self, X, h0=None):\n{body}\n    def backward(self, dH):\n{body}"
    )
    (tmp_path / "a_placeholder.py").write_text(placeholder)
    modified_at(tmp_path / "a_placeholder.py", YESTERDAY)
    finished_work(tmp_path / "work.py", modified=LAST_YEAR)
    submission = load.load(tmp_path, CLASSES)
    assert submission.file == tmp_path / "work.py"
    assert submission.candidates == (tmp_path / "work.py",)


def test_a_file_with_forward_written_and_backward_still_a_placeholder_counts_as_the_students_work(tmp_path):
    partial = IMPLEMENTED.split("    def backward(self, dH):")[0] + "    def backward(self, dH):\n        raise NotImplementedError\n"
    (tmp_path / "work.py").write_text(partial)
    modified_at(tmp_path / "work.py", LAST_YEAR)
    untouched_starter(tmp_path / "starter.py", modified=YESTERDAY)
    assert load.load(tmp_path, CLASSES).file == tmp_path / "work.py"


def test_a_folder_with_only_starters_grades_the_newest_and_says_it_still_holds_the_placeholders(tmp_path):
    folder = tmp_path / "alice"
    untouched_starter(folder / "starter.py", modified=LAST_YEAR)
    untouched_starter(folder / "starter.ipynb", modified=LAST_MONTH)
    submission = load.load(folder, CLASSES)
    assert submission.file == folder / "starter.ipynb"
    assert submission.candidates == ()
    assert submission.notes == (
        "graded starter.ipynb, which still holds the starter's placeholders: no file in alice implements SimpleRNN yet",
    )


def test_pick_grades_the_candidate_asked_for_and_refuses_a_file_that_is_not_one(tmp_path):
    finished_work(tmp_path / "answer.ipynb", modified=LAST_MONTH)
    finished_work(tmp_path / "old" / "rnn.py", modified=LAST_YEAR)
    untouched_starter(tmp_path / "starter.py")
    picked = load.load(tmp_path, CLASSES, pick=tmp_path / "old" / "rnn.py")
    assert (picked.file, picked.graded_file, picked.mode) == (tmp_path / "old" / "rnn.py", "old/rnn.py", "module")
    assert picked.candidates == (tmp_path / "answer.ipynb", tmp_path / "old" / "rnn.py")
    with pytest.raises(ValueError, match="pick='starter.py' is not one of the candidates"):
        load.load(tmp_path, CLASSES, pick="starter.py")


def one_finished_notebook(folder: Path) -> None:
    finished_work(folder / "answer.ipynb")


def two_finished_files(folder: Path) -> None:
    finished_work(folder / "answer.ipynb", modified=LAST_MONTH)
    finished_work(folder / "rnn.py", modified=LAST_YEAR)


def only_the_starter(folder: Path) -> None:
    untouched_starter(folder / "starter.py")


def no_file_with_the_class(folder: Path) -> None:
    (folder / "a.py").write_text("x = 1\n")
    (folder / "b.py").write_text("y = 2\n")


def nothing_at_all(folder: Path) -> None:
    (folder / "notes.txt").write_text("to do\n")


# What grading "." from inside the folder "alice" says: the folder is named, never left blank.
FROM_INSIDE = {
    "one finished notebook": (one_finished_notebook, "graded answer.ipynb, the file in alice that defines SimpleRNN"),
    "two finished files": (
        two_finished_files,
        "2 files define SimpleRNN (answer.ipynb, rnn.py); graded answer.ipynb, the most recently modified",
    ),
    "only the starter": (
        only_the_starter,
        "graded starter.py, which still holds the starter's placeholders: no file in alice implements SimpleRNN yet",
    ),
    "no file with the class": (no_file_with_the_class, "no file in alice defines class SimpleRNN; looked at 2 files"),
    "nothing at all": (nothing_at_all, "alice holds no .py or .ipynb file"),
}


@pytest.mark.parametrize(("build", "said"), FROM_INSIDE.values(), ids=FROM_INSIDE.keys())
def test_grading_dot_names_the_folder_in_what_it_says(tmp_path, monkeypatch, build, said):
    (tmp_path / "alice").mkdir()
    build(tmp_path / "alice")
    monkeypatch.chdir(tmp_path / "alice")
    submission = load.load(".", CLASSES)
    assert said in (*submission.notes, submission.choice, submission.error)


def test_a_file_that_implements_more_of_the_graded_classes_outranks_a_newer_one_and_the_choice_says_why(tmp_path):
    lstm, gru = (f"class {name}:\n    def forward(self, X):\n        return X\n" for name in ("LSTM", "GRU"))
    (tmp_path / "both.py").write_text(lstm + gru)
    modified_at(tmp_path / "both.py", LAST_YEAR)
    (tmp_path / "lstm_only.py").write_text(lstm)
    modified_at(tmp_path / "lstm_only.py", YESTERDAY)
    submission = load.load(tmp_path, ("LSTM", "GRU"))
    assert submission.file == tmp_path / "both.py"
    assert submission.choice == "2 files define LSTM (both.py, lstm_only.py); graded both.py, which implements 2 of LSTM, GRU"
