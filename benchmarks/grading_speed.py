"""How long a student's check and an instructor's grade take, cold, on the bundled Sprint 22 solution.

    python benchmarks/grading_speed.py [--repeats 5]

Each run is a fresh `python grader.py ...` process, as a student or CI would
start it; the median of the repeats is reported against the targets
(check <= 2 s; grade with 100 examples per property, torch parity included,
<= 5 s). Then one grading is timed stage by stage in this process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "assignments" / "dic_sprint22" / "solution.py"
TARGETS = {"check": 2.0, "grade": 5.0}


def cold(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "grader.py", *command], cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def stages() -> list[tuple[str, float]]:
    """One grading in this process, timed stage by stage."""
    sys.path.insert(0, str(ROOT))
    found = []
    started = time.perf_counter()
    import assignments  # noqa: PLC0415 - timing the import is the point
    from checks.property import Runs  # noqa: PLC0415
    from grading import load, score  # noqa: PLC0415

    spec = assignments.get("dic-sprint22")
    found.append(("import the grader (numpy, hypothesis, nbformat, the reference)", time.perf_counter() - started))
    started = time.perf_counter()
    submission = load.load(SOLUTION, ("SimpleRNN",))
    found.append(("read the submission", time.perf_counter() - started))
    marks = [time.perf_counter()]
    names = []

    def progress(problem, result):
        if not names or names[-1] != problem.id:
            names.append(problem.id)
            marks.append(time.perf_counter())
        else:
            marks[-1] = time.perf_counter()

    began = time.perf_counter()
    score.score(spec, submission, runs=Runs(0, 100), progress=progress)
    total = time.perf_counter() - began
    found.append(("start the worker, load the solution, learn forward's return style, problem1 (torch imported here)", marks[1] - marks[0]))
    for i, name in enumerate(names[1:], start=1):
        found.append((name, marks[i + 1] - marks[i]))
    found.append(("score() in all", total))
    torch = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import torch; print(time.perf_counter() - t)"],
        capture_output=True,
        text=True,
    )
    found.append(("of which importing torch (measured alone)", float(torch.stdout or "nan")))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        results = {
            "check": cold(["check", str(SOLUTION)], args.repeats),
            "grade": cold(["grade", str(SOLUTION), "--out", out], args.repeats),
        }
    print(f"cold runs, median of {args.repeats}")
    print("| command | seconds | target |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds:.2f} | <= {TARGETS[name]:g} |")
    print()
    print("one grade, stage by stage (in-process)")
    print("| stage | seconds |")
    print("|---|---:|")
    for name, seconds in stages():
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
