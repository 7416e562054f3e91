"""Command line for the RNN grading suite.

python grader.py demo    the Sprint 22 small-array experiment: the NumPy reference next to torch
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def demo() -> int:
    """Print the reference's last hidden state for Sprint 22's small-array experiment next to torch's."""
    from assignments.dic_sprint22 import EXPECTED_LAST_H, small_array_experiment
    from checks import torch_parity
    from reference import rnn

    data = small_array_experiment()
    params = {k: data[k] for k in ("Wx", "Wh", "b")}
    hs, _ = rnn.forward(data["x"], params, h0=data["h0"])
    torch_run = torch_parity.run(data["x"], [params], kind="rnn", h0=data["h0"][None], dout=np.zeros_like(hs))
    np.set_printoptions(precision=8, floatmode="fixed")
    print("Sprint 22 small-array experiment: x (1, 3, 2), Wx (2, 4), Wh (4, 4), b (4,), h0 = zeros")
    print(f"  reference last h: {hs[:, -1]}")
    print(f"  torch.nn.RNN:     {torch_run.out[:, -1]}")
    print(f"  course expects:   {EXPECTED_LAST_H}")
    agree = np.allclose(hs[:, -1], torch_run.out[:, -1], atol=1e-12, rtol=0) and np.allclose(hs[:, -1], EXPECTED_LAST_H, atol=5e-9, rtol=0)
    print("  all three agree" if agree else "  MISMATCH")
    return 0 if agree else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.py", description="Property-based grading of scratch RNN assignments.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="print the Sprint 22 small-array experiment: the reference next to torch")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return 2


if __name__ == "__main__":
    sys.exit(main())
