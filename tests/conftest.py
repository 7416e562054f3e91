"""Hypothesis runs derandomized, so every run and every machine sees the same examples.

BLAS runs one thread: the tests' matrices are tiny, and on two cores a second BLAS thread
only fights the other process (the worker, or the other training test) for the CPU.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from hypothesis import HealthCheck, settings  # noqa: E402 - after the thread settings above

settings.register_profile(
    "default",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
