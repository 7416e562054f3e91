"""Known mistakes: what a wrong answer may come from, declared per assignment for the diagnosis.

A library belongs to one class of an assignment's contract. It holds a way to
build that class with some mistakes switched on (the assignment's
``mistakes.py``, a scratch implementation in the students' own style) and
says, for each mistake, what it means for a student and what to try. Two
mistakes that sit in different parts of the code can be made together: the
diagnosis tries those pairs when no single mistake explains the answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from checks.layer import LAST, SEQUENCE

BOTH_STYLES = frozenset({SEQUENCE, LAST})


@dataclass(frozen=True)
class Mistake:
    """One known mistake: its name in ``mistakes.py``, what it is, what to try, and where in the code it sits."""

    name: str
    explanation: str  # what the code does, as a student would recognise it
    hint: str  # what to change
    parts: frozenset[str]  # the places it changes: mistakes in the same place cannot be made together
    styles: frozenset[str] = BOTH_STYLES
    """forward's return styles under which it is a mistake at all; in the others it answers exactly as correct code
    does, cannot be told apart from it, and is not tried (the tests prove both)."""

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError(f"mistake {self.name!r} needs the parts of the code it changes")
        if not self.styles <= BOTH_STYLES:
            raise ValueError(f"mistake {self.name!r}: styles {sorted(self.styles)} should be among {sorted(BOTH_STYLES)}")


@dataclass(frozen=True)
class MistakeLibrary:
    """The known mistakes of one contract class.

    ``build(*names, last_only=...)`` returns the class with those mistakes
    switched on (none: the correct class).
    """

    cls: str
    build: Callable[..., type]
    mistakes: tuple[Mistake, ...]

    def __post_init__(self) -> None:
        names = [m.name for m in self.mistakes]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.cls}'s mistakes repeat a name: {sorted(n for n in names if names.count(n) > 1)}")

    def named(self, name: str) -> Mistake:
        found = [m for m in self.mistakes if m.name == name]
        if not found:
            raise KeyError(f"{self.cls} has no known mistake {name!r}; known: {', '.join(m.name for m in self.mistakes)}")
        return found[0]

    def singles(self, style: str) -> list[tuple[Mistake, ...]]:
        """Each mistake that can be made under ``style``, alone."""
        return [(m,) for m in self.mistakes if style in m.styles]

    def pairs(self, style: str) -> list[tuple[Mistake, ...]]:
        """Every two mistakes that can be made together under ``style``: in different parts of the code."""
        usable = [m for m in self.mistakes if style in m.styles]
        return [(a, b) for a, b in itertools.combinations(usable, 2) if not a.parts & b.parts]
