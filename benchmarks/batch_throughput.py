"""Submissions graded per second by `grader.py batch`, with --jobs 1 and --jobs 2, at the normal grade settings.

    python benchmarks/batch_throughput.py [--count 100]

Two cohorts (no hangs or crashes: those cost their time limit by design and
would measure the limit, not the grader):

- copies of the Sprint 22 fixtures, correct and buggy, each made distinct by a
  comment naming its student: a cohort's common mistakes, met again and again;
- half correct, half each with a bug of its own (a known mistake, or a pair):
  no failure is ever met twice, so no remembered search helps.

Target: >= 3 submissions per second with --jobs 2 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assignments.dic_sprint22.mistakes import MISTAKES  # noqa: E402
from grading.api import Settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"
MIX = [
    "ok_every_step.py",
    "ok_last_step_only.py",
    "ok_float32_results.py",
    "ok_every_step.py",
    "bug_dwh_uses_h_t.py",
    "bug_db_averaged.py",
    "ok_last_step_only.py",
    "bug_state_kept_between_calls.py",
    "bug_no_dh_carry.py",
    "forward_only.py",
]


def cohort(folder: Path, count: int) -> None:
    """The fixture mix, over and over: the common mistakes of a cohort, each met ten times in a hundred."""
    for i in range(count):
        name = MIX[i % len(MIX)]
        (folder / f"student{i:03d}.py").write_text(f"# student {i:03d}\n" + (FIXTURES / name).read_text())


def cohort_of_new_bugs(folder: Path, count: int) -> None:
    """Half correct, half each with a bug no other submission has (a known mistake, then pairs of them): no failure repeats."""
    mistakes = (ROOT / "assignments" / "dic_sprint22" / "mistakes.py").read_text()
    bugs = [(name,) for name in MISTAKES] + list(itertools.combinations(MISTAKES, 2))
    for i in range(count):
        if i % 2 == 0:
            text = (FIXTURES / "ok_every_step.py").read_text()
        else:
            text = mistakes + f"\n\nSimpleRNN = with_mistakes{bugs[(i // 2) % len(bugs)]!r}\n"
        (folder / f"student{i:03d}.py").write_text(f"# student {i:03d}\n" + text)


def _busy_cpu() -> float:
    """CPU seconds this machine has spent busy since boot, over every process: the workers too, which the zygotes
    reap (so RUSAGE_CHILDREN would miss them). Run the benchmark on an otherwise idle machine."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def throughput(folder: Path, jobs: int) -> tuple[float, float, float]:
    """Seconds for the batch, submissions per second, and the machine's busy CPU seconds per submission."""
    with tempfile.TemporaryDirectory() as out:
        cpu = _busy_cpu()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "grader.py", "batch", str(folder), "--out", out, "--jobs", str(jobs)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
    count = len(list(folder.iterdir()))
    return seconds, count / seconds, (_busy_cpu() - cpu) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    print(f"{args.count} submissions, {Settings().max_examples} examples per property, torch parity on, cold process")
    print("| cohort | jobs | seconds | submissions / s | CPU s per submission |")
    print("|---|---:|---:|---:|---:|")
    for label, make in ((f"{len(MIX)}-fixture mix", cohort), ("every bug new", cohort_of_new_bugs)):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "cohort"
            folder.mkdir()
            make(folder, args.count)
            for jobs in (1, 2):
                seconds, rate, cpu = throughput(folder, jobs)
                print(f"| {label} | {jobs} | {seconds:.1f} | {rate:.2f} | {cpu:.2f} |")
    started = time.perf_counter()
    sum(i * i for i in range(10**7))
    print(f"this machine's speed: a pure-Python loop of 10^7 squares takes {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
