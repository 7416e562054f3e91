"""Assignment specs, one folder per assignment: its text, starter templates, reference solution and spec.

dic-sprint22   DIVE INTO CODE Sprint 22: a SimpleRNN from scratch
lstm           an LSTM from scratch, with a GRU as a bonus
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


def required_classes(name: str) -> tuple[str, ...]:
    """The classes an assignment's required and ordinary problems grade (a bonus problem's class is not needed)."""
    return tuple(dict.fromkeys(p.contract.cls for p in get(name).problems if not p.bonus))


def matching(classes: set[str]) -> list[str]:
    """The assignments whose required classes are all among ``classes`` (the classes a submission defines)."""
    return [name for name in names() if set(required_classes(name)) <= classes]


DEFAULT = "dic-sprint22"
"""The assignment a submission is graded as when it defines no class at all (an empty or unparsable file)."""


def choose(classes: set[str], where: str) -> tuple[str, str]:
    """The assignment the submission at ``where`` is for, from the ``classes`` it defines, with a sentence saying so.

    ValueError, saying what to pass, when the classes of two assignments are defined. A submission that defines no
    assignment's class is graded as the default, whose grading then finds the student's own names
    (``grading.interface``) or says what is missing.
    """
    found = matching(classes)
    if len(found) == 1:
        shown = ", ".join(c for c in sorted(classes) if c in {p.contract.cls for p in get(found[0]).problems})
        return found[
            0
        ], f"graded as {found[0]}, the assignment whose classes {where} defines ({shown}); pass --assignment to choose another"
    needs = "; ".join(f"{name} grades {', '.join(required_classes(name))}" for name in names())
    if found:
        raise ValueError(f"{where} defines the classes of {' and of '.join(found)} ({needs}); pass --assignment to say which to grade")
    if classes:
        shown = ", ".join(sorted(classes)[:8])
        return (
            DEFAULT,
            f"graded as {DEFAULT}, the default: {where} defines {shown}, none of them an assignment's class ({needs}); "
            "pass --assignment to choose another",
        )
    return DEFAULT, f"graded as {DEFAULT}, the default: {where} defines no class to choose an assignment by"
