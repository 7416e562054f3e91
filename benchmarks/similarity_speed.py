"""How long the similarity analysis of a cohort takes: 500 submissions, code and behaviour (target: under 30 s).

    python benchmarks/similarity_speed.py [--count 500]

The cohort is the similarity and Sprint 22 fixtures, each copied again and again with its identifiers renamed for
each student and a comment of its own: the worst case for the analysis, as every copy shares most of its code with
a dozen others, so thousands of pairs are compared in full and hundreds flagged. Each copy's report is its
original's, graded once before the clock starts (the behaviour signal reads reports, it never grades).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grading import similarity  # noqa: E402
from grading.single import grade  # noqa: E402

BASES = sorted((ROOT / "tests/fixtures/similarity").glob("*.py")) + sorted(
    p for p in (ROOT / "tests/fixtures/dic_sprint22").glob("*.py") if p.name.startswith(("ok_", "bug_"))
)
RENAMED = ("h", "X", "dH", "dX", "batch_size", "n_sequences", "n_nodes", "states", "dz", "da")


def variant(text: str, number: int) -> str:
    """``text`` with each of RENAMED, where it is a whole name, renamed for student ``number``, and a comment of its own."""
    for name in RENAMED:
        text = re.sub(rf"\b{name}\b", f"{name}_{number}", text)
    return f"# student {number}: my own work\n" + text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp, "cohort")
        graded = {base: grade(base, "dic-sprint22", max_examples=10, use_torch=False).to_dict() for base in BASES}
        cohort.mkdir()
        students, reports = {}, {}
        for number in range(args.count):
            base = BASES[number % len(BASES)]
            student = f"student{number:03d}"
            (cohort / f"{student}.py").write_text(variant(base.read_text(), number))
            students[student], reports[student] = cohort / f"{student}.py", graded[base]
        started = time.perf_counter()
        found, _ = similarity.of_cohort(students, "dic-sprint22", reports=reports)
        seconds = time.perf_counter() - started
    print(f"{args.count} submissions from {len(BASES)} originals: {seconds:.1f} s (target < 30 s)")
    print(f"{len(found.pairs)} pairs kept, {len(found.flagged)} flagged, {len(found.clusters)} clusters")


if __name__ == "__main__":
    main()
