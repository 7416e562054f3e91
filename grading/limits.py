"""A grading's limits: wall clock for the whole submission, the worker's memory, and what the worker must not see.

Apart from ``grading.score`` so that ``grading.api.Settings``, whose defaults
these are, reads them without importing the checks; the API passes every limit.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 2**30


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT  # seconds of wall clock for the whole submission, loading included, shared by its problems
    memory_bytes: int = DEFAULT_MEMORY
    hide: tuple[str, ...] = ()  # paths the worker must not see (besides the project's own source)

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError(f"timeout={self.timeout!r} should be a number of seconds above 0")
        if not self.memory_bytes >= 256 * 2**20:
            raise ValueError(f"memory_bytes={self.memory_bytes!r} is below 256 MiB; Python and NumPy alone need about 100 MiB")
