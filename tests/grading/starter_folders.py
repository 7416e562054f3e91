"""Builders for submission folders: the real Sprint 22 starter, untouched, and a correct SimpleRNN, each at a chosen time."""

import os
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "assignments" / "dic_sprint22" / "starter.py"
STARTER_NOTEBOOK = ROOT / "assignments" / "dic_sprint22" / "starter.ipynb"
IMPLEMENTED = (ROOT / "tests" / "fixtures" / "dic_sprint22" / "ok_every_step.py").read_text()
LAST_YEAR, LAST_MONTH, YESTERDAY = 1_700_000_000, 1_710_000_000, 1_720_000_000


def modified_at(path: Path, seconds: int) -> Path:
    os.utime(path, (seconds, seconds))
    return path


def untouched_starter(path: Path, *, modified: int = YESTERDAY) -> Path:
    """The template's starter, .py or notebook after the suffix of ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(STARTER_NOTEBOOK if path.suffix == ".ipynb" else STARTER, path)
    return modified_at(path, modified)


def finished_work(path: Path, *, modified: int = LAST_MONTH) -> Path:
    """A correct SimpleRNN, as a .py file or as a notebook's one cell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".ipynb":
        nbformat.write(new_notebook(cells=[new_code_cell(IMPLEMENTED)]), path)
    else:
        path.write_text(IMPLEMENTED)
    return modified_at(path, modified)
