"""The cases drawn from a seed do not depend on which modules the grading process has loaded.

Hypothesis can mix numbers from the source of local modules into its draws
(``checks.determinism.draw_alike``, which every grading calls first, turns that off). Here a local
module full of integers that fit the strategy's draws is imported between two
draws from the same seeds; the cases must not change.
"""

import importlib
import sys

from hypothesis import Phase, given, seed, settings

from checks.determinism import draw_alike
from checks.layer import case_strategy

SEEDS = range(16)


def drawn(strategy, seed_: int) -> list[str]:
    seen = []

    @settings(max_examples=60, database=None, phases=(Phase.generate,), deadline=None)
    @seed(seed_)
    @given(strategy)
    def record(case):
        seen.append(repr(case))

    record()
    return seen


def test_importing_a_module_full_of_numbers_changes_no_drawn_case(tmp_path, monkeypatch):
    assert draw_alike(), "this Hypothesis has no pool of local constants to empty: update checks.determinism and pyproject's bound"
    strategy = case_strategy("rnn")
    before = [drawn(strategy, s) for s in SEEDS]
    folder = tmp_path / "elsewhere"  # a local folder: not site-packages, not the standard library, not named like tests
    folder.mkdir()
    # Hypothesis skips integers under 100 in magnitude; these fit the grid's array indices and seeds.
    numbers = [*range(100, 140), 65536, 123456789, 2**31, 4294967295]
    (folder / "numbers_everywhere.py").write_text("".join(f"N{i} = {n}\n" for i, n in enumerate(numbers)))
    monkeypatch.syspath_prepend(str(folder))
    importlib.import_module("numbers_everywhere")
    try:
        after = [drawn(strategy, s) for s in SEEDS]
    finally:
        sys.modules.pop("numbers_everywhere", None)
    assert after == before
