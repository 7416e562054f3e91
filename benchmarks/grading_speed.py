"""How long a student's check and an instructor's grade take, cold, on each assignment's bundled solution.

    python benchmarks/grading_speed.py [--repeats 5] [--assignment NAME ...]

Each run is a fresh `python grader.py ...` process, as a student or CI would
start it; the median of the repeats is reported against the targets
(check <= 2 s; grade with 100 examples per property, torch parity included,
<= 5 s). Then one Sprint 22 grading is timed stage by stage in this process.
torch imports in a process of its own while the other checks run
(``grading.torch_oracle``), so its seconds overlap the grading's.
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
    from grading import load, score, torch_oracle  # noqa: PLC0415
    from grading.api import Settings  # noqa: PLC0415

    spec = assignments.get("dic-sprint22")
    found.append(("import the grader (numpy, hypothesis, nbformat, the reference)", time.perf_counter() - started))
    started = time.perf_counter()
    submission = load.load(SOLUTION, ("SimpleRNN",))
    found.append(("read the submission", time.perf_counter() - started))
    waited = [0.0]
    ready = torch_oracle.TorchOracle.ready

    def timed_ready(self):
        began = time.perf_counter()
        ready(self)
        waited[0] += time.perf_counter() - began

    torch_oracle.TorchOracle.ready = timed_ready
    runs = Settings().runs()  # grade's: the default seed and examples
    began = time.perf_counter()
    score.score(spec, submission, runs=runs)
    total = time.perf_counter() - began
    found.append(("score(): start the worker, load, every check (torch importing in its own process meanwhile)", total))
    found.append(("of which waiting for torch to be ready before the parity checks", waited[0]))
    began = time.perf_counter()
    score.score(spec, submission, runs=runs, use_torch=False)
    found.append(("score() again without the torch checks (cases already drawn)", time.perf_counter() - began))
    torch = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); import torch; print(time.perf_counter() - t)"],
        capture_output=True,
        text=True,
    )
    found.append(("importing torch, measured alone", float(torch.stdout or "nan")))
    return found


def solution(assignment: str) -> Path:
    return ROOT / "assignments" / assignment.replace("-", "_") / "solution.py"


FAILING = {
    "cs231n-a3-rnn": "cs231n/bug_gate_order_ifgo.py",
    "dic-sprint22": "dic_sprint22/bug_no_dh_carry.py",
    "dlai-c5w1": "dlai/bug_concat_x_first.py",
    "lstm": "lstm/bug_gate_order_ifog.py",
}
"""A submission with one known mistake per assignment: its failures are shrunk and diagnosed, which a solution's are not."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--assignment", action="append", help="an assignment to time (default: every one)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import assignments  # noqa: PLC0415 - after the path is set

    print(f"cold runs, median of {args.repeats}")
    print("| assignment | checks | submission | command | seconds | target |")
    print("|---|---:|---|---|---:|---:|")
    for name in args.assignment or assignments.names():
        checks = sum(len(p.checks) for p in assignments.get(name).problems)
        for submission in (solution(name), ROOT / "tests" / "fixtures" / FAILING[name]):
            with tempfile.TemporaryDirectory() as out:
                for command in ("check", "grade"):
                    extra = ["--out", out] if command == "grade" else []
                    seconds = cold([command, str(submission), "--assignment", name, *extra], args.repeats)
                    print(f"| {name} | {checks} | {submission.name} | {command} | {seconds:.2f} | <= {TARGETS[command]:g} |")
    print()
    print("one grade, stage by stage (in-process)")
    print("| stage | seconds |")
    print("|---|---:|")
    for name, seconds in stages():
        print(f"| {name} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
