"""What report.html's pictures add to a grade (target: under 0.5 s to a failing grade, nothing to a passing one).

    python benchmarks/html_report_cost.py [--repeat 5]

Each submission is graded as `grader.py grade` grades it (`api.grade` with its reports written), in fresh processes,
two ways in turn: as it is, and with report.html left out and matplotlib never imported (the writer removed, and
no picture ordered from the painter). The clock runs from the grading's start to the last report written, so the
difference is all the pictures cost: the painter's start, its matplotlib import and drawings (on the other core, while
the grading goes on: ``grading.painter``), and what report.html still waits for or draws itself. Each figure is the
median of --repeat pairs of processes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPRINT = ROOT / "tests" / "fixtures" / "dic_sprint22"
SUBMISSIONS = (
    "ok_every_step.py",
    "ok_last_step_only.py",
    "bug_dwh_uses_h_t.py",
    "bug_no_dh_carry.py",
    "bug_relu_instead_of_tanh.py",
    "bug_no_recurrence.py",
    "bug_one_minus_h.py",
)

TIMED = """
import json, sys, tempfile, time
from grading import api, reports
from grading import painter
if sys.argv[2] == "without":
    del reports.WRITERS["report.html"]
    painter.order = lambda *args: None
with tempfile.TemporaryDirectory() as out:
    started = time.perf_counter()
    report = api.grade(sys.argv[1], "dic-sprint22", out=out)
    seconds = time.perf_counter() - started
    page = (__import__("pathlib").Path(out) / "report.html")
    figures = page.read_text().count('<figure class="compared"') if page.exists() else 0
print(json.dumps({"seconds": seconds, "figures": figures, "matplotlib": "matplotlib" in sys.modules,
                  "failed": sum(c.status != "passed" for _, c in report.checks)}))
"""


def measure(path: Path, way: str) -> dict:
    done = subprocess.run([sys.executable, "-c", TIMED, str(path), way], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| submission | failed checks | figures | grade without report.html (s) | with it (s) | added (s) | matplotlib in the grading process |")
    print("|---|---:|---:|---:|---:|---:|---|")
    worst = 0.0
    for name in SUBMISSIONS:
        pairs = [(measure(SPRINT / name, "without"), measure(SPRINT / name, "with")) for _ in range(args.repeat)]
        without = statistics.median(b["seconds"] for b, _ in pairs)
        with_html = statistics.median(a["seconds"] for _, a in pairs)
        added = statistics.median(a["seconds"] - b["seconds"] for b, a in pairs)
        last = pairs[-1][1]
        assert not pairs[-1][0]["matplotlib"], "a grading without report.html imported matplotlib"
        if last["figures"]:
            worst = max(worst, added)
        imported = "yes" if last["matplotlib"] else "no"
        print(f"| {name} | {last['failed']} | {last['figures']} | {without:.2f} | {with_html:.2f} | {added:+.3f} | {imported} |")
    print(f"\nmost added to a failing grade (median of the pairs' differences): {worst:.3f} s (target under 0.5 s)")


if __name__ == "__main__":
    main()
