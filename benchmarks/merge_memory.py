"""Memory of incremental merging as the store grows (issue 10): what one merge holds.

Stores synthetic documents of one mention each through the store API (no parsing), --step at a
time, and merges after each step as ``otkaz run`` does every ``pipeline.MERGE_EVERY`` mentions
(the first merge is a full one, which builds the merge index). After each merge it prints the
store's size, the mentions the merge re-merged and the most it merged together (its largest
unit: components joined by the new mentions), the merge's time, the process's RSS, what the
C heap (glibc malloc) holds in use and free within it, and, with
--trace, the peak of the Python memory the merge allocated (tracemalloc) and the lines that held
most at the end of it. --trim returns the heap's free memory to the system after each merge
(glibc malloc_trim) and prints the RSS that remains.

    .venv/bin/python benchmarks/merge_memory.py --mentions 100000 --step 2000 --trace

The events are those of ``scale.py``'s incremental store, narrowed as ``corpus.py``'s reports
are: places of one country (--countries 1), dates within --days days, a share of them --undated
(their date rests on no statement: merging compares them with every date), texts of news length.
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scale  # noqa: E402  (benchmarks/ is not a package)

RETOLD = 5_000  # the latest events, of which later documents retell some
FILLER = ("The regional administration said on Monday that the road works would go on until the autumn, "
          "and residents were asked to use the detour through the industrial district. ")


class NarrowNews(scale.SyntheticNews):
    """``scale.SyntheticNews`` with the places, dates and texts of a corpus.py-like archive."""

    def __init__(self, seed: int, countries: int, days: int, undated: float, text_chars: int) -> None:
        super().__init__(seed)
        by_country: dict[str, list] = {}
        for place in self.places:
            by_country.setdefault(place.country, []).append(place)
        self.places = [place for country in sorted(by_country, key=lambda c: -len(by_country[c]))[:countries]
                       for place in by_country[country]]
        self.days, self.undated, self.text_chars = days, undated, text_chars

    def event(self) -> dict:
        from datetime import timedelta

        from otkaz.model import DateRange

        event = super().event()
        day = self.first_day + timedelta(days=self.rng.randrange(self.days))
        event["date"] = DateRange(day, day + (event["date"].end - event["date"].start))
        event["undated"] = self.rng.random() < self.undated
        return event

    def document(self, event: dict):
        document, result = super().document(event)
        padding = (FILLER * (self.text_chars // len(FILLER) + 1))[: max(0, self.text_chars - len(document.text))]
        document = replace(document, text=document.text + "\n" + padding)
        if event["undated"]:
            result.mentions[0].date_inferred = True
        return document, result


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def heap() -> tuple[float, float, float]:
    """glibc's heap in MB: in use (small blocks and mmapped ones), free inside it, mmapped."""
    _LIBC.mallinfo2.restype = _MallInfo2
    info = _LIBC.mallinfo2()
    return (info.uordblks + info.hblkhd) / 2**20, info.fordblks / 2**20, info.hblkhd / 2**20


def main(argv: list[str] | None = None) -> int:
    from otkaz import pipeline
    from otkaz.merge import incremental
    from otkaz.store import Database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=100_000, help="Mentions stored in all.")
    parser.add_argument("--step", type=int, default=2_000, help="Mentions stored between merges.")
    parser.add_argument("--countries", type=int, default=1)
    parser.add_argument("--days", type=int, default=900)
    parser.add_argument("--undated", type=float, default=0.05)
    parser.add_argument("--text-chars", type=int, default=3_000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: each merge's peak and top lines (slower).")
    parser.add_argument("--top", type=int, default=4, help="Lines listed with --trace.")
    parser.add_argument("--trim", action="store_true", help="glibc malloc_trim(0) after each merge.")
    parser.add_argument("--db", type=Path, help="The store (default: a temporary one; removed first).")
    args = parser.parse_args(argv)
    print(f"machine: {psutil.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}", flush=True)
    process = psutil.Process()
    news = NarrowNews(10, args.countries, args.days, args.undated, args.text_chars)
    events: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="otkaz-merge-memory-") as temporary:
        path = args.db or Path(temporary) / "merge-memory.db"
        path.unlink(missing_ok=True)
        with Database(str(path)) as db:
            if args.trace:
                tracemalloc.start(8)
            stored = 0
            while stored < args.mentions:
                step = min(args.step, args.mentions - stored)
                scale._store_stories(db, news.stories(step, events))
                stored += step
                del events[:-RETOLD]  # this script's own memory stays flat too
                gc.collect()
                if args.trace:
                    tracemalloc.reset_peak()
                    before, _peak = tracemalloc.get_traced_memory()
                wall, cpu = time.perf_counter(), time.process_time()
                change, _count = db.merge_incidents(
                    lambda source: incremental.update(source, pipeline.usable_decisions))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                largest, remerged = change.largest_unit, len(change.keys)
                del change
                in_use, free, mapped = heap()
                line = (f"mentions {stored:7d}: re-merged {remerged:6d} (largest unit {largest:4d}); "
                        f"merge wall {wall:6.2f} s cpu {cpu:6.2f} s; RSS {process.memory_info().rss / 2**20:6.1f} MB; "
                        f"heap in use {in_use:6.1f} MB (mmapped {mapped:5.1f}), free in it {free:6.1f} MB")
                if args.trim:
                    _LIBC.malloc_trim(0)
                    line += f"; RSS after trim {process.memory_info().rss / 2**20:6.1f} MB"
                if args.trace:
                    now, peak = tracemalloc.get_traced_memory()
                    line += f"; traced: peak {(peak - before) / 2**20:6.1f} MB above the start, held after {(now - before) / 2**20:5.1f} MB"
                print(line, flush=True)
                if args.trace and args.top:
                    snapshot = tracemalloc.take_snapshot().filter_traces(
                        [tracemalloc.Filter(False, tracemalloc.__file__)])
                    for stat in snapshot.statistics("lineno")[: args.top]:
                        frame = stat.traceback[0]
                        print(f"    {stat.size / 2**20:6.1f} MB {stat.count:8d} blocks  {frame.filename}:{frame.lineno}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
