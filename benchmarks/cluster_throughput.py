"""Batch grading on Dask against the local pool, and how far one driver scales out.

    python benchmarks/cluster_throughput.py [--count 40] [--cost 1.0] [--workers 2,4,8,16,32]

1. The same cohort of ``--count`` Sprint 22 submissions (the fixture mix of ``batch_throughput.py``) graded by
   ``grader.py batch`` with ``--jobs 2`` and with ``--scheduler local:2``, each a cold process, end to end:
   submissions per second, and the Dask overhead per submission (the difference in seconds, over the count).
   Target: on this 2-core machine, within 20% of each other.
2. A simulated scale-out: a LocalCluster whose Dask workers each "grade" in a fixed ``--cost`` seconds (a sleep,
   returning a real report's four texts) while the driver does all of its real work: pack each submission, send
   it, check the JSON that comes back, write the four reports and the fingerprint, count the row. Throughput
   against the number of workers shows where it stops growing: the driver's limit. The last line measures that
   limit directly, with graders that take no time at all.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch_throughput import cohort  # noqa: E402

from grading import batch  # noqa: E402
from grading.single import Settings  # noqa: E402

ASSIGNMENT = "dic-sprint22"


def end_to_end(folder: Path, *options: str) -> float:
    """Seconds for ``grader.py batch`` on ``folder`` with ``options``, in a cold process."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        command = [sys.executable, "grader.py", "batch", str(folder), "--assignment", ASSIGNMENT, "--out", out, *options]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        return time.perf_counter() - started


def fixed_cost_grading(parcel, settings, shown_as, allow_unisolated, submitted, *driver, cost: float, texts: dict) -> str:
    """What a Dask worker returns after a grading of ``cost`` seconds: the four report texts of a real grading."""
    began = time.time()
    time.sleep(cost)
    return json.dumps(
        {"host": socket.gethostname(), "worker": "simulated", "waited": max(0.0, began - submitted), "isolated": True, "files": texts}
    )


def simulated(folder: Path, workers: int, cost: float, texts: dict) -> float:
    """Submissions per second of the real driver over ``workers`` simulated graders of fixed ``cost``."""
    import functools

    import assignments
    import dask
    import distributed

    settings = Settings(assignment=ASSIGNMENT)
    spec = assignments.get(ASSIGNMENT)
    todo = [(entry, batch.fingerprint(entry, settings, "benchmark")) for entry in batch.entries(folder)]
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):  # a worker process each, as a real cluster has
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client, tempfile.TemporaryDirectory() as out:
        task = functools.partial(fixed_cost_grading, cost=cost, texts=texts)
        client.submit(
            task, None, None, "", False, time.time(), pure=False
        ).result()  # the parcel does not matter  # the workers are up and have the task
        rows = []
        started = time.perf_counter()
        batch.grade_on_cluster(client, todo, settings, Path(out), False, spec, rows.append, task=task)
        seconds = time.perf_counter() - started
    assert len(rows) == len(todo) and all(r.status == "graded" for r in rows)
    return len(todo) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--cost", type=float, default=1.0, help="seconds each simulated grading takes")
    parser.add_argument("--workers", default="2,4,8,16,32")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        folder.mkdir()
        cohort(folder, args.count)
        print(f"## {args.count} submissions, {Settings().max_examples} examples per property, torch parity on, cold process\n")
        print("| batch | seconds | submissions / s |")
        print("|---|---:|---:|")
        local = end_to_end(folder, "--jobs", "2")
        dask = end_to_end(folder, "--scheduler", "local:2")
        print(f"| local pool, --jobs 2 | {local:.1f} | {args.count / local:.2f} |")
        print(f"| Dask, --scheduler local:2 | {dask:.1f} | {args.count / dask:.2f} |")
        print(
            f"\nDask costs {100 * (dask - local) / local:+.0f}% of the local pool's time:"
            f" {(dask - local) / args.count:+.3f} s per submission\n"
        )

        from grading.reports import render
        from grading.single import grade

        texts = render(grade(ROOT / "tests/fixtures/dic_sprint22/bug_dwh_uses_h_t.py", ASSIGNMENT))
        size = sum(len(t.encode()) for t in texts.values())
        print(f"## Simulated scale-out: each grading takes {args.cost:g} s; reports of {size / 1024:.0f} KiB per submission\n")
        print("| Dask workers | submissions | submissions / s | ideal (workers / cost) |")
        print("|---:|---:|---:|---:|")
        for workers in (int(w) for w in args.workers.split(",")):
            big = folder.parent / f"cohort{workers}"
            big.mkdir()
            count = max(100, int(6 * workers / max(args.cost, 0.01)))
            cohort(big, count)
            rate = simulated(big, workers, args.cost, texts)
            print(f"| {workers} | {count} | {rate:.1f} | {workers / args.cost:.1f} |")
        limit = folder.parent / "limit"
        limit.mkdir()
        cohort(limit, 500)
        rate = simulated(limit, 16, 0.0, texts)
        print(f"\nThe driver's limit (graders that take no time, 16 of them, 500 submissions): {rate:.0f} submissions / s")


if __name__ == "__main__":
    main()
