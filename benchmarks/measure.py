"""Shared by the benchmarks: repeat figures in alternating rounds, report medians with their
spread, so a figure that meets its goal does so in every round, not in a lucky one."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(values: list[float], digits: int = 4) -> dict:
    """{"median", "min", "max", "n"} of a list of measurements."""
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def ratio(numerators: list[float], denominators: list[float], digits: int = 4) -> dict:
    """The ratio round by round (each pair measured side by side), summarised."""
    return summary([n / d for n, d in zip(numerators, denominators, strict=True)], digits)


def run_quiet(argv: list[str], cwd=None, env=None) -> float:
    """Wall time of a whole process (start-up included), its output discarded."""
    return timed(
        lambda: subprocess.run(
            argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
    )


def peak_rss_mb(argv: list[str], cwd=None, env=None) -> float:
    """Peak resident memory of a child process, in MB (from wait4's rusage)."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return round(usage.ru_maxrss / 1024, 1)  # Linux reports KiB


__all__ = ["peak_rss_mb", "ratio", "resource", "run_quiet", "summary", "timed"]
