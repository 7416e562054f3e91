"""A batch on a real Dask cluster: the local pool's reports byte for byte (timings aside), resumable across the two,
and every submission reported even when a Dask worker is killed mid-batch."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grading import api

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

ROOT = Path(__file__).resolve().parents[2]
SPRINT = ROOT / "tests" / "fixtures" / "dic_sprint22"
RED_TEAM = ROOT / "tests" / "fixtures" / "red_team"
SETTINGS = dict(assignment="dic-sprint22", max_examples=10, timeout=6)  # the hang costs its 6 s in each batch
REPORTS = ("report.json", "report.md", "junit.xml", "results.json", "report.html")
# What a grading's timing changes in each report: seconds, and nothing else.
TIMINGS = re.compile(r'"(seconds|execution_time)": [0-9.e-]+|time="[0-9.]+"|· [0-9.]+ s\b')


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Correct, buggy, hanging, crashing and memory-hungry submissions, a notebook, and two repositories: one holding a
    link, one holding two implementations of which the newer is graded."""
    folder = tmp_path_factory.mktemp("cohort")
    for name in ("ok_every_step.py", "bug_dwh_uses_h_t.py", "hang_at_import.py", "crash_in_forward.py"):
        shutil.copy(SPRINT / name, folder / name)
    shutil.copy(SPRINT / "ok_notebook_with_magics_and_missing_data.ipynb", folder / "erin.ipynb")
    shutil.copy(RED_TEAM / "memory_hog_in_forward.py", folder / "memory_hog_in_forward.py")
    (folder / "carol" / "env").mkdir(parents=True)
    shutil.copy(SPRINT / "ok_last_step_only.py", folder / "carol" / "rnn.py")
    (folder / "carol" / "answers.py").symlink_to("/etc/passwd")
    (folder / "carol" / "env" / "helpers.py").write_text("SCALE = 1\n")  # copied for imports, though load skips env/
    (folder / "dave").mkdir()
    shutil.copy(SPRINT / "bug_db_averaged.py", folder / "dave" / "old.py")
    shutil.copy(SPRINT / "ok_every_step.py", folder / "dave" / "new.py")
    os.utime(folder / "dave" / "old.py", ns=(2 * 10**18, 2 * 10**18))  # the older file sorts last by time, first by name
    os.utime(folder / "dave" / "new.py", ns=(3 * 10**18, 3 * 10**18))
    return folder


@pytest.fixture(scope="module")
def dask_cluster():
    """Two worker processes of one thread, behind a scheduler reached by its address, as a remote cluster is."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster:
        yield cluster


@pytest.fixture(scope="module")
def local(cohort, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    return api.batch(cohort, out=out, jobs=2, **SETTINGS), out


@pytest.fixture(scope="module")
def on_cluster(cohort, dask_cluster, tmp_path_factory):
    out = tmp_path_factory.mktemp("cluster")
    return api.batch(cohort, out=out, scheduler=dask_cluster.scheduler_address, **SETTINGS), out


def timings_removed(text: str) -> str:
    return TIMINGS.sub("", text)


def gradebook_without_seconds(out: Path) -> list[dict]:
    with open(out / "gradebook.csv", newline="") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


def test_every_report_of_the_cluster_is_the_local_pools_byte_for_byte_but_for_timings(cohort, local, on_cluster):
    (_, local_out), (_, cluster_out) = local, on_cluster
    students = sorted(p.name for p in local_out.iterdir() if p.is_dir())
    assert len(students) == len(list(cohort.iterdir())) == 8
    for student in students:
        for name in REPORTS:
            here, there = (local_out / student / name).read_text(), (cluster_out / student / name).read_text()
            assert timings_removed(here) == timings_removed(there), f"{student}/{name}"
    assert gradebook_without_seconds(local_out) == gradebook_without_seconds(cluster_out)


def test_the_cohort_gets_the_scores_it_is_known_to_get(on_cluster):
    result, _ = on_cluster
    assert {r.student: (r.status, r.score) for r in result.rows} == {
        "bug_dwh_uses_h_t": ("graded", 80.0),
        "carol": ("graded", 100.0),
        "crash_in_forward": ("error", 0.0),
        "dave": ("graded", 100.0),
        "erin": ("graded", 100.0),
        "hang_at_import": ("timeout", 0.0),
        "memory_hog_in_forward": ("error", 0.0),
        "ok_every_step": ("graded", 100.0),
    }


def test_the_link_and_the_newer_file_travel_as_what_they_are(on_cluster):
    _, out = on_cluster
    carol = json.loads((out / "carol" / "report.json").read_text())
    assert any("ignored answers.py: a symbolic link" in note for note in carol["notes"])
    dave = json.loads((out / "dave" / "report.json").read_text())
    assert dave["file"] == "new.py" and "most recently modified" in dave["choice"]


def test_the_summary_says_where_each_submission_was_graded_and_how_long_it_waited(dask_cluster, on_cluster):
    result, out = on_cluster
    summary = json.loads((out / "summary.json").read_text())
    workers = set(dask_cluster.scheduler_info["workers"])
    placed = {p["student"]: p for p in summary["placement"]}
    assert set(placed) == {r.student for r in result.rows}
    assert all(any(address in p["worker"] for address in workers) and p["waited"] >= 0 for p in placed.values())
    assert sum(g["submissions"] for g in summary["graded_on"]) == len(result.rows)
    assert "## Where they were graded" in (out / "summary.md").read_text()


def test_a_rerun_on_the_cluster_reuses_what_the_local_pool_graded(cohort, local, dask_cluster):
    _, local_out = local
    before = {p: p.stat().st_mtime_ns for p in local_out.glob("*/report.json")}
    again = api.batch(cohort, out=local_out, scheduler=dask_cluster.scheduler_address, **SETTINGS)
    assert (again.reused, again.graded) == (len(before), 0)
    assert {p: p.stat().st_mtime_ns for p in local_out.glob("*/report.json")} == before


def test_a_dask_worker_killed_mid_batch_leaves_every_submission_with_its_report(cohort, local, dask_cluster, tmp_path):
    quick = tmp_path / "quick"  # the cohort but its hang, so that the kill falls while gradings run
    quick.mkdir()
    for name in ("ok_every_step.py", "bug_dwh_uses_h_t.py", "erin.ipynb", "carol", "dave"):
        if (cohort / name).is_dir():
            shutil.copytree(cohort / name, quick / name, symlinks=True)  # with the times that choose dave's file
        else:
            shutil.copy2(cohort / name, quick / name)
    client = distributed.Client(dask_cluster)
    pids = client.run(os.getpid)
    killed = []

    def kill_one_worker(row, finished, total):
        if not killed:  # the first row is back: the other submissions are queued or being graded
            busy = [address for address, keys in sorted(client.processing().items()) if keys]
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])

    result = api.batch(quick, out=tmp_path / "out", scheduler=dask_cluster.scheduler_address, on_done=kill_one_worker, **SETTINGS)
    client.close()
    assert killed
    alone = {r.student: (r.status, r.score) for r in local[0].rows}
    assert {r.student: (r.status, r.score) for r in result.rows} == {
        s: alone[s] for s in ("ok_every_step", "bug_dwh_uses_h_t", "erin", "carol", "dave")
    }
    assert all((tmp_path / "out" / r.student / "report.json").is_file() for r in result.rows)


def test_a_submission_whose_grading_kills_its_dask_worker_twice_is_an_error_that_says_so(dask_cluster, tmp_path):
    from grading import cluster

    client = distributed.Client(dask_cluster)
    try:
        outcomes = list(cluster.graded(client, ["alice"], lambda item: (item,), task=_dies))
    finally:
        client.close()
    assert [o.error.split(", last")[0] for o in outcomes] == ["the Dask worker grading this submission died 2 times"]


def _dies(item):
    os._exit(9)


def test_a_result_that_is_not_the_five_reports_scores_nothing_and_says_why(dask_cluster):
    from grading import cluster

    placed = {"host": "h", "worker": "w", "waited": 0, "isolated": True}
    not_a_report = {name: "[]" for name in ("report.json", "report.md", "junit.xml", "results.json", "report.html")}
    results = ["not json", json.dumps(placed), json.dumps(placed | {"files": not_a_report})]
    with distributed.Client(dask_cluster) as client:
        outcomes = list(cluster.graded(client, results, lambda i: (i,), task=str))
    assert sorted(o.error for o in outcomes) == [
        "the Dask worker's report.json is not a report; nothing of it was kept",
        "the Dask worker's result does not hold the reports report.json, report.md, junit.xml, results.json, report.html;"
        " nothing of it was kept",
        "the Dask worker's result is not JSON; nothing of it was kept",
    ]


def test_a_dask_worker_with_other_versions_than_the_driver_refuses_to_grade(dask_cluster):
    import time

    from grading import cluster
    from grading.parcel import pack
    from grading.score import versions
    from grading.single import Settings

    with distributed.Client(dask_cluster) as client:
        task = (cluster.grade_parcel, pack(SPRINT / "ok_every_step.py"), Settings(assignment="dic-sprint22"), "x", False, time.time())
        said = json.loads(client.submit(*task, {**versions(), "numpy": "1.0.0"}, pure=False).result())
    assert said["refused"] == "this Dask worker runs other versions of numpy than the driver"


@pytest.mark.slow  # end to end and long: CI runs it with -m slow
def test_the_command_line_grades_on_a_local_cluster_of_its_own(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    shutil.copy(SPRINT / "bug_db_averaged.py", cohort / "frank.py")
    done = subprocess.run(
        [sys.executable, "grader.py", "batch", str(cohort), "--assignment", "dic-sprint22", "--out", str(tmp_path / "out")]
        + ["--max-examples", "10", "--scheduler", "local:1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "1 submissions (1 graded" in done.stdout
    row = next(csv.DictReader((tmp_path / "out" / "gradebook.csv").open()))
    assert (row["student"], row["status"]) == ("frank", "graded") and float(row["total (of 100)"]) < 100


def _refused_after_a_while(item):
    """A grading of 0.2 s that refuses, as a worker without isolation does; its result says when it ran, as its "worker"."""
    import time

    started = time.monotonic()
    time.sleep(0.2)
    return json.dumps({"host": "h", "worker": f"{started} {time.monotonic()}", "waited": 0, "refused": "a test"})


def test_workers_that_join_mid_batch_get_submissions_to_grade():
    from grading import cluster

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as growing:
        with distributed.Client(growing) as client:
            spans = []
            for outcome in cluster.graded(client, list(range(60)), lambda item: (item,), task=_refused_after_a_while):
                spans.append(tuple(map(float, outcome.result["worker"].split())))
                if len(spans) == 1:
                    growing.scale(4)
    assert len(spans) == 60
    most_at_once = max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)
    assert most_at_once >= 3, "the workers that joined were not kept busy"
