"""What the diagnosis costs a failing submission, and how often it names the right mistake.

    python benchmarks/diagnosis.py [--max-examples 100] [--skip-accuracy]

Cost: failing submissions (the bug fixtures of both assignments, and two bugs
no catalogue knows, for which every single mistake and pair is tried) are
graded in this process at the grade settings; the seconds spent diagnosing
are timed directly. Target: at most 1 s added to a failing submission.

Accuracy: every known mistake of both assignments is submitted as a student
file (the assignment's mistakes.py with that mistake switched on) and graded;
of all the checks those files fail, the share whose diagnosis names exactly
that mistake as matching.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assignments  # noqa: E402
from checks.property import Runs  # noqa: E402
from grading import diagnose, load, score  # noqa: E402
from grading.api import Settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
BUILDERS = {"SimpleRNN": "with_mistakes", "LSTM": "lstm_with_mistakes", "GRU": "gru_with_mistakes"}
MODULES = {"dic-sprint22": "dic_sprint22", "lstm": "lstm"}
UNKNOWN = {
    "dic-sprint22": "class SimpleRNN(with_mistakes()):\n    def backward(self, dH):\n        dX = super().backward(dH)\n"
    "        self.dWx = 1.5 * self.dWx\n        return dX\n",
    "lstm": "class LSTM(lstm_with_mistakes()):\n    def backward(self, dH):\n        dX = super().backward(dH)\n"
    "        self.dWh = 1.5 * self.dWh\n        return dX\n",
}

_spent = [0.0]
_diagnose = diagnose.Diagnoser.diagnose


def _timed(self, *args, **kwargs):
    began = time.perf_counter()
    try:
        return _diagnose(self, *args, **kwargs)
    finally:
        _spent[0] += time.perf_counter() - began


diagnose.Diagnoser.diagnose = _timed


def mistakes_file(assignment: str, line: str, folder: Path, name: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text((ROOT / "assignments" / MODULES[assignment] / "mistakes.py").read_text() + "\n\n" + line + "\n")
    return path


def graded(assignment: str, path: Path, runs: Runs):
    """(report, seconds spent diagnosing) for one submission."""
    spec = assignments.get(assignment)
    _spent[0] = 0.0
    report = score.score(spec, load.load(path, tuple(c.cls for c in spec.contracts)), runs=runs)
    return report, _spent[0]


def cost(runs: Runs, folder: Path) -> None:
    cases = [("dic-sprint22", p) for p in sorted((FIXTURES / "dic_sprint22").glob("bug_*.py"))]
    cases += [("lstm", p) for p in sorted((FIXTURES / "lstm").glob("bug_*.py"))]
    cases += [(a, mistakes_file(a, code, folder, f"unknown_bug_{MODULES[a]}")) for a, code in UNKNOWN.items()]
    for assignment in MODULES:  # draw each assignment's cases once, so that no row pays for it
        graded(assignment, cases[0][1] if assignment == "dic-sprint22" else cases[-1][1], runs)
    print(f"diagnosis cost, {runs.max_examples} examples per property, torch parity on")
    print("| submission | failed checks | diagnosed as | grading s | of which diagnosis s |")
    print("|---|---:|---|---:|---:|")
    spent = []
    for assignment, path in cases:
        began = time.perf_counter()
        report, seconds = graded(assignment, path, runs)
        total = time.perf_counter() - began
        failed = [c for _, c in report.checks if c.status in ("failed", "error")]
        names = sorted({" + ".join(c.diagnosis.mistakes) or c.diagnosis.match for c in failed if c.diagnosis})
        spent.append(seconds)
        print(f"| {path.name} | {len(failed)} | {', '.join(names)} | {total:.2f} | {seconds:.2f} |")
    print(f"\nmedian {statistics.median(spent):.2f} s, worst {max(spent):.2f} s added; target <= 1 s\n")


def accuracy(runs: Runs, folder: Path) -> None:
    checks = right = 0
    wrong: list[str] = []
    for assignment in MODULES:
        for library in assignments.get(assignment).mistakes:
            for mistake in library.mistakes:
                line = f"{library.cls} = {BUILDERS[library.cls]}({mistake.name!r})"
                report, _ = graded(assignment, mistakes_file(assignment, line, folder, mistake.name), runs)
                for _, check in report.checks:
                    if check.status in ("failed", "error"):
                        checks += 1
                        d = check.diagnosis
                        if d is not None and d.match == "exact" and d.mistakes == (mistake.name,):
                            right += 1
                        else:
                            wrong.append(f"{mistake.name}: {check.name} -> {d and (d.match, d.mistakes)}")
    mutants = sum(len(library.mistakes) for a in MODULES for library in assignments.get(a).mistakes)
    print(f"accuracy: {mutants} mistakes submitted as files, {checks} failed checks, {right} diagnosed exactly as their mistake")
    print(f"= {100 * right / checks:.1f}%")
    for line in wrong:
        print(f"  missed: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=Settings().max_examples)
    parser.add_argument("--skip-accuracy", action="store_true", help="only the cost (the accuracy grades 50 files)")
    args = parser.parse_args()
    runs = Settings(max_examples=args.max_examples).runs()
    with tempfile.TemporaryDirectory() as tmp:
        cost(runs, Path(tmp))
        if not args.skip_accuracy:
            accuracy(runs, Path(tmp))


if __name__ == "__main__":
    main()
