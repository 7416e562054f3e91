"""Assignment specs, one folder per assignment: its text, starter templates, reference solution and spec.

dic-sprint22   DIVE INTO CODE Sprint 22: a SimpleRNN from scratch
"""

from __future__ import annotations

import importlib

from assignments.spec import Assignment

MODULES = {"dic-sprint22": "assignments.dic_sprint22", "lstm": "assignments.lstm"}


def names() -> list[str]:
    return sorted(MODULES)


def get(name: str) -> Assignment:
    """The assignment called ``name``; ValueError naming the known ones otherwise."""
    if name not in MODULES:
        raise ValueError(f"unknown assignment {name!r}; known: {', '.join(names())}")
    return importlib.import_module(MODULES[name]).ASSIGNMENT
