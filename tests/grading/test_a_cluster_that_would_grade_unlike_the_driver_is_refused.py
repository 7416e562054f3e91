"""Before a batch on a cluster: a scheduler named wrongly, Dask missing, a worker with other versions or without
isolation, each refused in one line that says what to do."""

import subprocess
import sys
from pathlib import Path

import pytest

from grading import cluster
from grading.score import versions

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dic_sprint22"


class FakeClient:
    """Answers ``run`` as a cluster whose workers report ``facts``."""

    def __init__(self, facts: dict):
        self.facts = facts

    def run(self, function):
        assert function is cluster.worker_facts
        return self.facts


def facts(isolated=True, **versions_changed):
    return {"versions": {**versions(), **versions_changed}, "isolated": isolated, "note": "no isolation (a test)"}


@pytest.mark.parametrize(
    "text, said",
    [
        ("local:0", "local:N needs N, a number of worker processes of at least 1"),
        ("local:two", "local:N needs N, a number of worker processes of at least 1"),
        ("head:8786", "give a scheduler's address (tcp://HOST:8786) or local:N"),
        ("tcp://", "give a scheduler's address (tcp://HOST:8786) or local:N"),
    ],
)
def test_a_scheduler_named_wrongly_is_a_usage_error_of_one_line(tmp_path, text, said):
    done = subprocess.run(
        [sys.executable, "grader.py", "batch", str(FIXTURES), "--assignment", "dic-sprint22", "--out", str(tmp_path), "--scheduler", text],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["tcp://10.0.0.5:8786", "tls://head:8786", "local:3"])
def test_a_scheduler_named_rightly_is_taken_as_it_is(text):
    assert cluster.parse_scheduler(text) == text


def test_a_worker_with_other_versions_than_the_driver_is_refused_by_name(monkeypatch):
    client = FakeClient({"tcp://a:1": facts(), "tcp://b:1": facts(numpy="1.0.0")})
    with pytest.raises(cluster.Unusable, match=r"Dask worker tcp://b:1 runs numpy 1\.0\.0 \(the driver has .+\): install the driver's"):
        cluster.check_workers(client, allow_unisolated=False)


def test_a_worker_that_cannot_isolate_is_refused_unless_allowed():
    client = FakeClient({"tcp://a:1": facts(), "tcp://b:1": facts(isolated=False)})
    with pytest.raises(cluster.Unusable, match=r"Dask worker tcp://b:1 cannot isolate .*no isolation \(a test\).*--allow-unisolated"):
        cluster.check_workers(client, allow_unisolated=False)
    assert cluster.check_workers(client, allow_unisolated=True) is False
    assert cluster.check_workers(FakeClient({"tcp://a:1": facts()}), allow_unisolated=False) is True


def test_without_dask_the_scheduler_option_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it raises ImportError
    with pytest.raises(cluster.Unusable, match=r"--scheduler needs Dask .*pip install 'rnn-grader\[cluster\]'"):
        with cluster.connected("local:1"):
            pass
