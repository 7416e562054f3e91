"""What finding the student's own interface adds to a grade (target: under 0.3 s).

    python benchmarks/discovery.py [--repeats 5]

For each submission: the median time of ``grading.interface.bind`` alone (the contract probe, and discovery when
the contract does not answer), in a worker that has loaded the submission; then a whole quick check with
``--interface adapt`` against ``--interface strict`` where strict can grade it at all. Submissions: the bundled
solution (the contract: one probe), a buggy contract-following fixture (the probe does not match, so discovery
runs and the contract is kept; a forward bug, where discovery runs too; a hostile forward that searches the garbage
collector on every call), and real-world fixtures whose interface is found by discovery.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET = 0.3
SUBMISSIONS = (
    ROOT / "assignments" / "dic_sprint22" / "solution.py",
    ROOT / "tests" / "fixtures" / "dic_sprint22" / "bug_no_dh_carry.py",
    ROOT / "tests" / "fixtures" / "dic_sprint22" / "bug_relu_instead_of_tanh.py",
    ROOT / "tests" / "fixtures" / "red_team" / "snoop_gc_for_expected.py",
    *(
        ROOT / "tests" / "fixtures" / "real_world" / name
        for name in (
            "ok_swapped_constructor_w_x_names.py",
            "ok_fc_style_initializer_optimizer.py",
            "ok_dlfs_rnn_step_only.py",
            "ok_classifier_wrapper_holds_rnn.py",
            "bug_function_forward_reads_globals.py",
        )
    ),
)


def bind_seconds(path: Path, repeats: int) -> tuple[float, str]:
    import assignments  # noqa: PLC0415
    from grading import interface, load  # noqa: PLC0415
    from grading.worker import WorkerSession  # noqa: PLC0415

    spec = assignments.get("dic-sprint22")
    contract = spec.contracts[0]
    times, line = [], ""
    for _ in range(repeats):
        submission = load.load(path, ("SimpleRNN",))
        session = WorkerSession(submission.load_message(), blocked=spec.forbidden_imports, memory_bytes=2**31, copy_from=submission.folder)
        session.deadline = time.monotonic() + 60
        loaded = session.load()
        began = time.perf_counter()
        found = interface.bind(session, contract, loaded.classes, methods=loaded.methods.get(contract.cls, ()))
        times.append(time.perf_counter() - began)
        line = found.line or found.nothing or found.no_weights or "the contract, as written"
        session.close()
    return statistics.median(times), line


def check_seconds(path: Path, mode: str, repeats: int) -> float:
    from grading.api import Settings, check  # noqa: PLC0415

    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        check(path, "dic-sprint22", settings=Settings.for_check(interface=mode))
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    check_seconds(SUBMISSIONS[0], "adapt", 1)  # warm: the zygote, the imports, the drawn cases
    worst = 0.0
    print(f"{'submission':45} {'bind':>7} {'check adapt':>12} {'check strict':>13}  how it was called")
    for path in SUBMISSIONS:
        seconds, line = bind_seconds(path, repeats)
        worst = max(worst, seconds)
        adapt, strict = check_seconds(path, "adapt", repeats), check_seconds(path, "strict", repeats)
        print(f"{path.name:45} {seconds:6.3f}s {adapt:11.2f}s {strict:12.2f}s  {line[:90]}")
    print(f"worst bind: {worst:.3f} s (target {TARGET} s): {'met' if worst <= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
