"""grading.load reads a submission without running it: .py files, notebooks, repository folders, and broken files."""

import os

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grading import load

CLASS = "class SimpleRNN:\n    pass\n"


def notebook(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def test_a_py_file_is_one_module_source(tmp_path):
    (tmp_path / "rnn.py").write_text(CLASS)
    sub = load.load(tmp_path / "rnn.py", ("SimpleRNN",))
    assert sub.mode == "module" and sub.sources == ({"file": "rnn.py", "code": CLASS},) and sub.error is None


def test_notebook_magics_become_pass_at_the_same_indentation_with_a_warning(tmp_path):
    path = notebook(tmp_path / "nb.ipynb", "%matplotlib inline\nif True:\n    !ls\nx = 1", "%%bash\necho hi", CLASS)
    sub = load.load(path, ("SimpleRNN",))
    assert sub.mode == "cells"
    assert sub.sources[0]["code"] == "pass\nif True:\n    pass\nx = 1"
    assert [s["file"] for s in sub.sources] == ["nb.ipynb, cell 1", "nb.ipynb, cell 3"]
    assert sub.warnings == (
        "nb.ipynb cell 1, line 1: skipped IPython line `%matplotlib inline`",
        "nb.ipynb cell 1, line 3: skipped IPython line `!ls`",
        "nb.ipynb cell 2: skipped a cell magic (%%bash); the cell did not run",
    )


def test_a_folder_grades_the_file_that_defines_the_class_and_says_which_when_there_are_several(tmp_path):
    (tmp_path / "utils.py").write_text("def helper():\n    pass\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "rnn.py").write_text(CLASS)
    notebook(tmp_path / "work.ipynb", CLASS)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "old.py").write_text(CLASS)
    os.utime(tmp_path / "work.ipynb", (1_700_000_000, 1_700_000_000))
    os.utime(tmp_path / "src" / "rnn.py", (1_710_000_000, 1_710_000_000))
    sub = load.load(tmp_path, ("SimpleRNN",))
    assert sub.file == tmp_path / "src" / "rnn.py"
    assert sub.choice == "2 files define SimpleRNN (src/rnn.py, work.ipynb); graded src/rnn.py, the most recently modified"


def test_a_folder_without_the_class_says_what_it_looked_at(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("class RNN:\n    pass\n")
    sub = load.load(tmp_path, ("SimpleRNN",))
    assert sub.error == "no file in " + tmp_path.name + " defines class SimpleRNN; looked at 2 files"


def test_unreadable_files_are_errors_that_name_the_problem(tmp_path):
    (tmp_path / "latin1.py").write_bytes("# caf\xe9\n".encode("latin-1"))
    (tmp_path / "binary.py").write_bytes(b"\x7fELF\x00\x01\x02")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    assert "latin1.py is not UTF-8 text (byte 5" in load.load(tmp_path / "latin1.py", ("SimpleRNN",)).error
    assert load.load(tmp_path / "binary.py", ("SimpleRNN",)).error == "binary.py is binary, not text"
    assert load.load(tmp_path / "broken.ipynb", ("SimpleRNN",)).error.startswith("broken.ipynb is not a readable notebook")


def test_an_empty_file_loads_as_an_empty_module(tmp_path):
    (tmp_path / "empty.py").write_text("")
    sub = load.load(tmp_path / "empty.py", ("SimpleRNN",))
    assert sub.error is None and sub.sources == ({"file": "empty.py", "code": ""},)


def test_a_folder_in_the_students_own_names_grades_the_file_with_the_most_that_could_be_a_forward(tmp_path):
    (tmp_path / "utils.py").write_text("def load_data(path):\n    return path\n")
    (tmp_path / "model.py").write_text(
        "class RNN:\n    def forward(self, X):\n        return X\n\ndef rnn(x, w_x, w_h, b):\n    return x\n"
    )
    (tmp_path / "layer.py").write_text("class Layer:\n    def forward(self, X):\n        return X\n")
    sub = load.load(tmp_path, ("SimpleRNN",))
    assert sub.file == tmp_path / "model.py" and sub.error is None
    assert sub.notes[-1] == (
        f"no file in {tmp_path.name} defines class SimpleRNN; graded model.py, the file with the most classes and functions "
        "that could be its forward"
    )
