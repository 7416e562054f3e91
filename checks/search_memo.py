"""Hypothesis's searches remembered by how the test answered, so that a test that answers like an earlier one is not searched again.

Under a fixed ``@seed`` and settings Hypothesis reproduces its search: the case
it tries next depends only on how the test answered the cases before it (it
returned, or it raised an exception of some type from some place). So each
search is kept as a path in a tree per strategy and settings: a node holds the
case tried and, for each answer seen, what came next (another node, or the end
of the search: it returned, or it raised what the last call raised).

A later search with the same key walks the tree, calling its own test on each
node's case. While its answers are ones the tree has seen, it is trying exactly
the cases Hypothesis would try, in the same order, and it ends as Hypothesis
would end, with its own test's exception. At the first answer the tree has not
seen, Hypothesis runs for real (trying the walked cases again first) and its
path is added. The result is the same either way; only Hypothesis's own cost,
most of a shrink's, is saved: a cohort's common mistakes answer alike. This is
the grader's one search cache; without it a batch grades about half as many
submissions a second (README, "Speed").

Only Hypothesis's public API is used: ``run_search`` is given the search to run
(``given``, ``seed``, ``settings``), and sees nothing but the cases its test is
called with. A test's failure is any ``Exception`` (what Hypothesis counts as
one for a test that, like the grader's, raises no test-framework exception); a
BaseException (a lost worker, a spent shrinking budget) goes straight up, and
the walk it cut short is kept. Each path added is checked against the tree: if
Hypothesis ever tries another case after the same answers (a Hypothesis that
no longer reproduces its searches), nothing is walked again in this process;
``tests/checks/test_search_memo_remembers_searches_by_answers.py`` proves a walk
ends as Hypothesis does.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NODES = 20000
"""Cases kept over every tree in this process: beyond this, searches are still walked but no longer added."""

Test = Callable[[Any], None]
Answer = Hashable
"""None when the test returned; otherwise the exception's type and where it was raised, with its context's."""


@dataclass
class _Node:
    case: Any
    next: dict[Answer, _Node | _End] = field(default_factory=dict)


@dataclass(frozen=True)
class _End:
    """How a search ended: it returned, or it raised the exception its last test call raised."""

    raised: bool


_RETURNED, _RAISED = _End(raised=False), _End(raised=True)


class Memo:
    """Trees of searches by key (what the strategy draws, named by value, and the settings)."""

    def __init__(self) -> None:
        self.trees: dict[Hashable, _Node] = {}
        self.count = 0
        self.trusted = True
        """False once a search was seen to try another case than the tree holds for the same answers."""

    def search(self, key: Hashable, fresh: Callable[[], Test], run_search: Callable[[Test], None]) -> None:
        """Return or raise what ``run_search(fresh())`` would.

        ``run_search(test)`` runs Hypothesis's search with ``test`` and must be the same search for the same ``key``.
        ``fresh()`` makes a test with fresh state (a budget counted in calls, say): the one that walked the tree is
        dropped when Hypothesis has to run, so that Hypothesis's test sees its calls from the first.
        """
        node = self.trees.get(key) if self.trusted else None
        test, walked = fresh(), node is not None
        while node is not None:
            said, error = _call(test, node.case)
            after = node.next.get(said)
            if isinstance(after, _End):
                if after.raised:
                    raise error  # type: ignore[misc] - an exception answer always has its error
                return
            node = after
        self.record(key, fresh() if walked else test, run_search)

    def record(self, key: Hashable, test: Test, run_search: Callable[[Test], None]) -> None:
        """Run Hypothesis's search with ``test``, adding its path to the tree of ``key``."""
        path: list[list] = []  # [case, answer, error] for each call, in order

        def recording(case: Any) -> None:
            path.append([case, _CUT, None])
            said, error = _call(test, case)
            path[-1][1:] = [said, error]
            if error is not None:
                raise error

        try:
            run_search(recording)
        except BaseException as error:
            self._keep(key, path, _RAISED if path and error is path[-1][2] else None)
            raise
        self._keep(key, path, _RETURNED)

    def _keep(self, key: Hashable, path: list[list], end: _End | None) -> None:
        """Add a search's path to its tree, with its end when Hypothesis ended in a way the tree can replay."""
        if not path or not self.trusted or self.count + len(path) > NODES:
            return
        if key not in self.trees:
            self.trees[key] = _Node(path[0][0])
            self.count += 1
        node = self.trees[key]
        for i, (_, said, _) in enumerate(path):
            after = node.next.get(said)
            if said is _CUT or isinstance(after, _End):
                return  # cut short; or the tree ended here before, for a test that does not repeat itself
            if i == len(path) - 1:
                if end is not None and after is None:
                    node.next[said] = end
                return
            if after is None:
                after = node.next[said] = _Node(path[i + 1][0])
                self.count += 1
            elif not same(after.case, path[i + 1][0]):
                self.trusted = False  # the same answers led Hypothesis to another case: walking could mislead, so stop
                return
            node = after


_CUT = object()
"""The answer of a call that a BaseException cut short: its case is kept (a walk reaching it calls the test again), its answer is not."""


def answer(error: BaseException | None, seen: tuple = ()) -> Answer:
    """What a test call answered, at least as finely as Hypothesis tells answers apart.

    Hypothesis compares an exception's type and the place it was raised, with
    its context's and, for a group, its members'; here every frame counts.
    """
    if error is None:
        return None
    seen = (*seen, id(error))
    frames = tuple((f.filename, f.lineno, f.name) for f in traceback.extract_tb(error.__traceback__)[1:])
    context = error.__context__
    group = getattr(error, "exceptions", ())  # an exception group's members (Python 3.11's, or the backport's on 3.10)
    members = [m for m in group if isinstance(m, BaseException)] if isinstance(group, tuple) else []
    return (
        type(error),
        frames,
        answer(context, seen) if context is not None and id(context) not in seen else None,
        tuple(answer(m, seen) for m in members if id(m) not in seen),
    )


def _call(test: Test, case: Any) -> tuple[Answer, BaseException | None]:
    """Call the test, catching a failure (any Exception); anything else (a lost worker, a spent budget) goes up.

    Hypothesis also seeds the global ``random`` and NumPy generators for each
    call, and a walk does not (that costs a quarter of a millisecond a call),
    so a test must not use them: the grader's checks never do
    (``tests/grading/test_checks_leave_the_global_random_generators_alone.py``).
    """
    try:
        test(case)
    except Exception as error:  # noqa: BLE001 - a failure, as Hypothesis counts one
        return answer(error), error
    return None, None


def same(a: Any, b: Any) -> bool:
    """Whether two cases hold the same values: arrays entry by entry (with shape and dtype), containers item by item."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


searches = Memo()
"""This process's searches."""
