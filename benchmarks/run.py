"""Run every benchmark: ``python -m benchmarks.run [NAME_FILTER]``.

Discovers ``benchmarks/bench_*.py``; each module exposes ``benchmarks() -> list[Benchmark]``.
Every benchmark runs in its own subprocess (so peak RSS is its own) and prints one
JSON line: {"bench", "median_s", "min_s", "max_s", "peak_rss_mb", "runs"}.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Benchmark:
    """setup() builds the data (not timed); run(state) is timed ``runs`` times."""

    name: str
    setup: Callable[[], Any]
    run: Callable[[Any], Any]
    runs: int = 5
    warmup: int = 1
    extra: dict = field(default_factory=dict)


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(f"benchmarks.{m.name}" for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def run_one(module: str, name: str) -> dict:
    mod = importlib.import_module(module)
    bench = next(b for b in mod.benchmarks() if b.name == name)
    state = bench.setup()
    for _ in range(bench.warmup):
        bench.run(state)
    times = []
    for _ in range(bench.runs):
        t0 = time.perf_counter()
        bench.run(state)
        times.append(time.perf_counter() - t0)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "bench": name,
        "median_s": round(statistics.median(times), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "runs": bench.runs,
        **bench.extra,
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        module, name = argv[1].split(":")
        print(json.dumps(run_one(module, name), ensure_ascii=False), flush=True)
        return 0
    pattern = argv[0] if argv else ""
    failed = 0
    for module in discover():
        for bench in importlib.import_module(module).benchmarks():
            if pattern not in bench.name:
                continue
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.run", "--one", f"{module}:{bench.name}"],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode:
                failed += 1
                print(json.dumps({"bench": bench.name, "error": proc.stderr.strip()[-2000:]}))
            else:
                print(proc.stdout.strip().splitlines()[-1], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
