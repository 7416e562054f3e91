"""The torch oracle: torch in a process of its own gives exactly torch's answers, and a dead oracle fails only the parity checks."""

from pathlib import Path

import numpy as np
import pytest

from grading import api
from checks import torch_parity
from grading import torch_oracle

SOLUTION = Path(__file__).resolve().parents[2] / "assignments" / "dic_sprint22" / "solution.py"


@pytest.fixture(scope="module")
def oracle():
    started = torch_oracle.TorchOracle()
    yield started
    started.process.kill()
    started.process.wait()


def lstm_case(seed: int):
    rng = np.random.default_rng(seed)
    N, T, D, H = 2, 3, 4, 5
    cell = {"Wx": rng.uniform(-1, 1, (D, 4 * H)), "Wh": rng.uniform(-1, 1, (H, 4 * H)), "b": rng.uniform(-1, 1, 4 * H)}
    return rng.uniform(-1, 1, (N, T, D)), [cell], rng.uniform(-1, 1, (N, T, H))


def test_the_oracle_gives_exactly_what_torch_gives_in_this_process(oracle):
    x, cells, dout = lstm_case(0)
    there = oracle.run(x, cells, kind="lstm", dout=dout)
    here = torch_parity.run(x, cells, kind="lstm", dout=dout)
    assert np.array_equal(there.out, here.out) and np.array_equal(there.h_n, here.h_n)
    assert set(there.grads) == set(here.grads)
    assert all(np.array_equal(np.asarray(there.grads[k]), np.asarray(here.grads[k])) for k in ("x", "h0", "c0"))


def test_a_bad_request_fails_that_request_only(oracle):
    x, cells, dout = lstm_case(1)
    with pytest.raises(torch_oracle.OracleFailed, match="torch process failed"):
        oracle.run(x, cells, kind="no-such-cell", dout=dout)
    assert oracle.run(x, cells, kind="lstm", dout=None).out.shape == (2, 3, 5)


def test_a_dead_oracle_fails_the_parity_checks_with_the_reason_and_nothing_else(monkeypatch, tmp_path):
    dead = torch_oracle.TorchOracle()
    dead.process.kill()
    dead.process.wait()
    monkeypatch.setattr(torch_oracle, "oracle", lambda: dead)
    # A seed no other test uses: torch's answers for cases this process saw before are remembered, and need no oracle.
    report = api.grade(SOLUTION, "dic-sprint22", out=tmp_path, max_examples=10, seed=4242)
    checks = {c.name: c for p in report.problems for c in p.checks}
    parity = {name for name in checks if name.endswith("matches_torch")}
    assert parity, "the assignment has torch parity checks"
    assert all(checks[name].status == "error" and "torch process" in checks[name].message for name in parity)
    assert all(c.status == "passed" for name, c in checks.items() if name not in parity)
    assert (tmp_path / "report.json").exists()
