"""Assignment specs, one folder per assignment: its text, starter templates, reference solution and spec.

cs231n-a3-rnn  CS231n assignment 3: the RNN, word embedding and LSTM layer functions of rnn_layers.py
dic-sprint22   DIVE INTO CODE Sprint 22: a SimpleRNN from scratch
dlai-c5w1      deeplearning.ai Sequence Models week 1: "Building your Recurrent Neural Network - Step by Step"
lstm           an LSTM from scratch, with a GRU as a bonus
"""

from __future__ import annotations

import importlib

from assignments.spec import Assignment

MODULES = {
    "cs231n-a3-rnn": "assignments.cs231n_a3_rnn",
    "dic-sprint22": "assignments.dic_sprint22",
    "dlai-c5w1": "assignments.dlai_c5w1",
    "lstm": "assignments.lstm",
}


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


def identifying(name: str) -> tuple[str, ...]:
    """The names that say a submission is for assignment ``name``: any of its ``identified_by`` (a course's
    functions), else all of its required classes."""
    return get(name).identified_by or required_classes(name)


def matching(classes: set[str]) -> list[str]:
    """The assignments a submission defining ``classes`` (its classes and top-level functions) is for: it defines one
    of the assignment's identifying functions, or all of its required classes."""
    found = []
    for name in names():
        spec = get(name)
        if (set(spec.identified_by) & classes) if spec.identified_by else set(required_classes(name)) <= classes:
            found.append(name)
    return found


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
        spec = get(found[0])
        shown = ", ".join(sorted(c for c in spec.identified_by or spec.graded_names if c in classes))
        what = "functions" if get(found[0]).identified_by else "classes"
        return found[0], f"graded as {found[0]}, the assignment whose {what} {where} defines ({shown}); pass --assignment to choose another"
    needs = "; ".join(f"{name} grades {', '.join(identifying(name))}" for name in names())
    if found:
        raise ValueError(f"{where} defines what {' and '.join(found)} grade ({needs}); pass --assignment to say which to grade")
    if classes:
        shown = ", ".join(sorted(classes)[:8])
        return (
            DEFAULT,
            f"graded as {DEFAULT}, the default: {where} defines {shown}, none of them an assignment's class or function ({needs}); "
            "pass --assignment to choose another",
        )
    return DEFAULT, f"graded as {DEFAULT}, the default: {where} defines no class to choose an assignment by"
