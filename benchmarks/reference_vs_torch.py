"""Time forward+backward of the NumPy reference against torch on the CPU, float64, one thread each.

    python benchmarks/reference_vs_torch.py [--repeats 7]

Prints, for RNN, LSTM and GRU at (N, T, D, H) = (4, 10, 8, 16), (32, 50, 32, 64)
and (64, 100, 128, 256), the median wall time of each and the ratio
reference / torch. Target: ratio <= 1.0 at every size.
"""

from __future__ import annotations

import os

# One BLAS thread for both sides; these must be set before numpy or torch loads its BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reference import layout  # noqa: E402
from reference.cells import CELLS  # noqa: E402

SIZES = [(4, 10, 8, 16), (32, 50, 32, 64), (64, 100, 128, 256)]


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up: first-call allocations and lazy initialisation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(kind: str, N: int, T: int, D: int, H: int, repeats: int) -> tuple[float, float]:
    cell = CELLS[kind]
    rng = np.random.default_rng(0)
    params = cell.init_params(D, H, rng)
    x = rng.standard_normal((N, T, D))
    dhs = rng.standard_normal((N, T, H))

    def reference() -> None:
        hs, cache = cell.forward(x, params)
        cell.backward(dhs, cache)

    net = getattr(torch.nn, cell.torch_module)(D, H, batch_first=True, dtype=torch.float64)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in layout.to_torch([params], kind=kind).items()})
    x_t = torch.from_numpy(x).requires_grad_(True)
    dhs_t = torch.from_numpy(dhs)

    def torch_run() -> None:
        net.zero_grad(set_to_none=True)
        x_t.grad = None
        out, _ = net(x_t)
        out.backward(dhs_t)

    return median_seconds(reference, repeats), median_seconds(torch_run, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per cell; the median is reported")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch {torch.__version__}, 1 thread, float64, forward+backward, median of {args.repeats}")
    print()
    print("| model | N, T, D, H | reference ms | torch ms | reference / torch |")
    print("|---|---|---:|---:|---:|")
    for kind in CELLS:
        for size in SIZES:
            ref, tor = bench(kind, *size, repeats=args.repeats)
            print(f"| {kind} | {', '.join(map(str, size))} | {ref * 1e3:.2f} | {tor * 1e3:.2f} | {ref / tor:.2f} |")


if __name__ == "__main__":
    main()
