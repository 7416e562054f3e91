"""`python grader.py demo` runs from a fresh process and shows the reference, torch and the course agreeing."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_prints_the_courses_last_h_from_the_reference_and_from_torch():
    done = subprocess.run([sys.executable, "grader.py", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    reference = next(line for line in lines if "reference last h" in line)
    torch_line = next(line for line in lines if "torch.nn.RNN" in line)
    for line in (reference, torch_line):
        assert "0.79494228 0.81839002 0.83939649 0.85584174" in line
    assert "all three agree" in done.stdout


def test_an_unknown_command_is_a_usage_error():
    done = subprocess.run([sys.executable, "grader.py", "fly"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "invalid choice: 'fly'" in done.stderr
