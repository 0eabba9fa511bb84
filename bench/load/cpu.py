"""CPU time per process kind during a load run, from /proc (Linux): where a request's
cost goes when the app, PostgreSQL, Redis and the load generator share the cores."""

from __future__ import annotations

import os
import resource
import time
from collections import Counter
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
Reading = dict[int, tuple[str, float]]  # pid: (kind, CPU seconds)
KINDS = {"gunicorn": "app", "postgres": "postgres", "redis-server": "redis"}


def cpu_seconds() -> Reading:
    """Per running process: its kind (by command name) and user + system CPU seconds."""
    seen: Reading = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        kind = KINDS.get(name, "python" if name.startswith("python") else "other")
        seen[int(stat.parent.name)] = (kind, (int(fields[11]) + int(fields[12])) / _TICK)
    return seen


def spent(before: Reading, after: Reading) -> Counter[str]:
    """CPU seconds by kind between two readings (processes started meanwhile: all of it)."""
    by_kind: Counter[str] = Counter()
    for pid, (kind, seconds) in after.items():
        by_kind[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return by_kind


def children_seconds() -> float:
    """User + system CPU seconds of this process's children that have exited."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_speed() -> float:
    """Seconds this machine takes for a fixed pure-Python loop: its speed drifts by half
    between runs (a shared virtual machine), so each run prints it beside its figures."""
    started = time.perf_counter()
    total = 0
    for n in range(10_000_000):
        total += n
    return time.perf_counter() - started
