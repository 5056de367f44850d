#!/usr/bin/env python3
"""Time ``alpine-ready scan`` against ``scanelf`` (and ELF libraries) on one tree.

What is timed, on the same tree (default ``/usr``):

* ``scanelf -R -F '%F %i %n' TREE`` -- pax-utils' header-only scan in C: the baseline;
* ``alpine-ready scan TREE --format json -o /dev/null`` -- our symbol-level scan with
  the full loader simulation, default parallelism and ``-j 1``;
* optionally, walk + read of interpreter, DT_NEEDED and the dynamic symbols of every
  ELF file with pyelftools, LIEF (when importable) and our own reader
  (``alpine_ready.elf.reader``), each single-process, plus the walk alone: these rows
  justify the hand-written reader.

Method: one warm-up pass of each command (page cache), then N timed repetitions,
interleaved round-robin so drift hits every command alike.  Wall-clock seconds with
``time.perf_counter`` around a ``subprocess.run``; min and median are reported, with
the ELF count each command saw and its ratio to scanelf.

Exit status: 0 whatever the ratio (a benchmark, not a test); 2 when scanelf is missing
or a command fails.

    python3 benchmarks/scan_usr.py                 # /usr, 3 repetitions
    python3 benchmarks/scan_usr.py --tree /opt -n 5 --json results.json
    python3 benchmarks/scan_usr.py --no-readers    # the CLIs only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import alpine_ready_cmd, fmt, ratio, source_state

TARGET_RATIO = 2.0
GOAL_RATIO = 1.0
SCANELF_FORMAT = "%F %i %n"
READERS = ("alpine-ready-reader", "pyelftools", "lief")


# --------------------------------------------------------------------------------------
# Reader workers: run in a child process (``--_worker MODE``), print one JSON line.
# --------------------------------------------------------------------------------------


def _read_pyelftools() -> Callable[[str], int]:
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    def read(path: str) -> int:
        with Path(path).open("rb") as fh:
            elf = ELFFile(fh)
            interp = None
            for seg in elf.iter_segments("PT_INTERP"):
                interp = seg.get_interp_name()
            needed: list[str] = []
            n = 0
            for sec in elf.iter_sections():
                if isinstance(sec, DynamicSection) and sec["sh_type"] == "SHT_DYNAMIC":
                    needed.extend(t.needed for t in sec.iter_tags("DT_NEEDED"))
                elif isinstance(sec, SymbolTableSection) and sec["sh_type"] == "SHT_DYNSYM":
                    for sym in sec.iter_symbols():
                        info = sym["st_info"]
                        _ = (sym.name, info["bind"], info["type"], sym["st_shndx"], sym["st_value"])
                        n += 1
            return n + len(needed) + (interp is not None)

    return read


def _read_lief() -> Callable[[str], int]:
    import lief  # type: ignore[import-not-found,unused-ignore]

    if hasattr(lief, "logging"):
        lief.logging.disable()
    config = None
    if hasattr(lief.ELF, "ParserConfig"):
        config = lief.ELF.ParserConfig()
        # Only what we compare: no relocations, .symtab, notes or overlay.
        for attr in (
            "parse_relocations",
            "parse_symtab_symbols",
            "parse_notes",
            "parse_overlay",
            "parse_symbol_versions",
        ):
            if hasattr(config, attr):
                setattr(config, attr, False)

    def read(path: str) -> int:
        binary = lief.ELF.parse(path, config) if config is not None else lief.ELF.parse(path)
        if binary is None:
            raise ValueError("LIEF could not parse it")
        interp = binary.interpreter if binary.has_interpreter else None
        needed = list(binary.libraries)
        n = 0
        for sym in binary.dynamic_symbols:
            _ = (sym.name, sym.binding, sym.type, sym.shndx, sym.value)
            n += 1
        return n + len(needed) + (interp is not None)

    return read


def _read_ours() -> Callable[[str], int]:
    from alpine_ready.elf.reader import read_elf

    def read(path: str) -> int:
        elf = read_elf(path)  # header, dynamic, verneed, relocations, imported symbols
        exports = elf.exports  # the whole dynamic symbol table, indexed
        return len(exports) + len(elf.imports) + len(elf.needed) + (elf.interpreter is not None)

    return read


def _worker(mode: str, tree: str) -> int:
    """Walk ``tree`` (alpine-ready's walk, by magic) and read every ELF file with ``mode``."""
    from alpine_ready.inputs.tree import WalkStats, walk

    factories: dict[str, Callable[[], Callable[[str], int]]] = {
        "alpine-ready-reader": _read_ours,
        "pyelftools": _read_pyelftools,
        "lief": _read_lief,
    }
    read = factories[mode]() if mode != "walk" else None
    elf_files = errors = items = 0
    failed: list[str] = []
    stats = WalkStats()
    for cand in walk(Path(tree), stats):
        elf_files += 1
        if read is None:
            continue
        try:
            items += read(str(cand.host))
        except Exception as exc:  # a library choking on one file is data, not a crash
            errors += 1
            if len(failed) < 5:
                failed.append(f"{cand.relpath}: {type(exc).__name__}: {exc}"[:200])
    print(json.dumps({"elf_files": elf_files, "errors": errors, "items": items, "failed": failed}))
    return 0


def _importable(module: str) -> str | None:
    """The module's version when it imports in a child of this interpreter, else None."""
    code = (
        f"import {module} as m; print(getattr(m, '__version__', None) "
        "or getattr(m, 'VERSION', None) or '?')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, errors="replace", check=False
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


# --------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------


@dataclass
class Bench:
    """One timed command and its results."""

    name: str
    command: list[str]
    group: str  # "cli" | "reader"
    stdout_to_pipe: bool = False
    elf_files: int | None = None
    errors: int | None = None
    times: list[float] = field(default_factory=list)
    note: str = ""
    failed: str | None = None
    failed_files: list[str] = field(default_factory=list)  # reader rows: files it choked on
    count: Callable[[str], tuple[int, int | None]] | None = field(default=None, repr=False)

    @property
    def min(self) -> float | None:
        """Fastest repetition."""
        return min(self.times) if self.times else None

    @property
    def median(self) -> float | None:
        """Median repetition."""
        return statistics.median(self.times) if self.times else None


def _count_scanelf(tree: str) -> Callable[[str], tuple[int, int | None]]:
    """Count scanelf's per-file lines: those that start with the tree's path.

    Not every line: after the "FILE INTERP NEEDED" banner, a garbage PT_INTERP (as in
    the separate debug files under /usr/lib/debug) can hold a newline and split a line.
    """
    prefix = tree.rstrip("/") + "/"

    def count(stdout: str) -> tuple[int, int | None]:
        return sum(1 for ln in stdout.splitlines() if ln.startswith(prefix)), None

    return count


def _count_worker(stdout: str) -> tuple[int, int | None]:
    data = json.loads(stdout.strip().splitlines()[-1])
    return int(data["elf_files"]), int(data["errors"])


def _failed_files(stdout: str) -> list[str]:
    return list(json.loads(stdout.strip().splitlines()[-1]).get("failed", []))


def _run_once(bench: Bench) -> tuple[float, subprocess.CompletedProcess[str]]:
    out = subprocess.PIPE if bench.stdout_to_pipe else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.run(
        bench.command, stdout=out, stderr=subprocess.PIPE, text=True, errors="replace", check=False
    )
    return time.perf_counter() - start, proc


def _ok(bench: Bench, proc: subprocess.CompletedProcess[str]) -> bool:
    # alpine-ready exits 1 when it has findings (on /usr it always has): still a good run.
    allowed = (0, 1) if bench.name.startswith("alpine-ready scan") else (0,)
    if proc.returncode in allowed:
        return True
    tail = (proc.stderr or "").strip().splitlines()[-3:]
    bench.failed = f"exit {proc.returncode}: {' | '.join(tail)}"
    return False


def _count_ours(cmd: list[str], tree: str, jobs: list[str]) -> tuple[int | None, str]:
    """Run our scan once with the JSON report on stdout; its summary's ELF count."""
    proc = subprocess.run(
        [*cmd, "scan", tree, "--format", "json", *jobs],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if proc.returncode not in (0, 1):
        return None, f"counting run failed: exit {proc.returncode}"
    try:
        summary = json.loads(proc.stdout)["summary"]
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"counting run printed no JSON summary ({exc})"
    note = (
        f"{summary.get('analysed', '?')} analysed, {summary.get('skipped', 0)} skipped, "
        f"{summary.get('errors', 0)} errors"
    )
    return int(summary["elf_files"]), note


def build(args: argparse.Namespace, scanelf: str) -> tuple[list[Bench], list[str]]:
    """The commands to time, and notes about the ones left out."""
    tree = args.tree
    ours = alpine_ready_cmd()
    benches = [
        Bench(
            "scanelf",
            [scanelf, "-R", "-F", SCANELF_FORMAT, tree],
            "cli",
            stdout_to_pipe=True,
            count=_count_scanelf(tree),
        ),
        Bench(
            "alpine-ready scan",
            [*ours, "scan", tree, "--format", "json", "-o", os.devnull],
            "cli",
            note=f"default -j ({os.cpu_count()} CPUs)",
        ),
        Bench(
            "alpine-ready scan -j 1",
            [*ours, "scan", tree, "--format", "json", "-o", os.devnull, "-j", "1"],
            "cli",
        ),
    ]
    notes: list[str] = []
    if args.readers:
        me = [sys.executable, str(Path(__file__).resolve()), "--_worker"]
        modes = ["walk", "alpine-ready-reader", "pyelftools", "lief"]
        for mode in modes:
            version = None
            if mode == "pyelftools":
                version = _importable("elftools")
            elif mode == "lief":
                version = _importable("lief")
            if mode in ("pyelftools", "lief") and version is None:
                notes.append(
                    f"{mode}: not importable by {sys.executable}, skipped "
                    f"(pip install {mode} to include it)"
                )
                continue
            label = {
                "walk": "walk only (floor of the rows below)",
                "alpine-ready-reader": "read: alpine_ready.elf.reader",
            }.get(mode, f"read: {mode} {version}")
            benches.append(
                Bench(
                    label,
                    [*me, mode, "--tree", tree],
                    "reader",
                    stdout_to_pipe=True,
                    count=_count_worker,
                    note="1 process",
                )
            )
    return benches, notes


def measure(benches: Sequence[Bench], args: argparse.Namespace, log: Callable[[str], None]) -> None:
    """Warm up, then time every command ``args.repeat`` times, round-robin."""
    ours = alpine_ready_cmd()
    for b in benches:
        log(f"warm-up: {b.name}")
        if b.name.startswith("alpine-ready scan"):
            # The warm-up of our scan is the counting run: JSON to stdout, parsed.
            jobs = ["-j", "1"] if "-j 1" in b.name else []
            start = time.perf_counter()
            b.elf_files, extra = _count_ours(ours, args.tree, jobs)
            log(f"  {time.perf_counter() - start:.2f}s (JSON to stdout), {b.elf_files} ELF")
            if b.elf_files is None:
                b.failed = extra
            else:
                b.note = f"{b.note}; {extra}" if b.note else extra
            continue
        elapsed, proc = _run_once(b)
        if _ok(b, proc) and b.count is not None:
            b.elf_files, b.errors = b.count(proc.stdout)
            if b.errors:
                b.note = f"{b.note}; failed on {b.errors} file(s)"
                b.failed_files = _failed_files(proc.stdout)
        log(f"  {elapsed:.2f}s, {b.elf_files} ELF")
    for rep in range(1, args.repeat + 1):
        for b in benches:
            if b.failed:
                continue
            elapsed, proc = _run_once(b)
            if not _ok(b, proc):
                continue
            b.times.append(elapsed)
            log(f"run {rep}/{args.repeat}: {b.name}: {elapsed:.2f}s")


def render_table(benches: Sequence[Bench], base: Bench) -> str:
    """A plain-text table of the results."""
    head = ("command", "min s", "median s", "ELF files", "x scanelf", "note")
    rows = [head]
    for b in benches:
        note = f"FAILED {b.failed}" if b.failed else b.note
        rows.append(
            (
                b.name,
                fmt(b.min, ".2f"),
                fmt(b.median, ".2f"),
                "-" if b.elf_files is None else str(b.elf_files),
                fmt(ratio(b, base, "median"), ".2f"),
                note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    lines = []
    for i, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:-1], widths[1:], strict=True)
        ]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _versions(scanelf: str) -> dict[str, Any]:
    proc = subprocess.run(
        [scanelf, "-V"], capture_output=True, text=True, errors="replace", check=False
    )
    first = (proc.stdout or proc.stderr).strip().splitlines()[:1]
    return {
        "scanelf": first[0] if first else "?",
        "python": platform.python_version(),
        "alpine_ready": _importable("alpine_ready"),
        "pyelftools": _importable("elftools"),
        "lief": _importable("lief"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", default="/usr", help="directory to scan (default /usr)")
    p.add_argument("-n", "--repeat", type=int, default=3, help="timed repetitions (default 3)")
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write machine-readable results here ('-' for stdout)",
    )
    p.add_argument(
        "--no-readers",
        dest="readers",
        action="store_false",
        help="skip the pyelftools / LIEF / own-reader rows",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--_worker", choices=("walk", *READERS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 always, except 2 when scanelf is missing or a run fails."""
    args = parse_args(argv)
    if args._worker:
        return _worker(args._worker, args.tree)
    if not Path(args.tree).is_dir():
        print(f"scan_usr: {args.tree}: not a directory", file=sys.stderr)
        return 2
    scanelf = shutil.which("scanelf")
    if scanelf is None:
        print(
            "scan_usr: scanelf not found: apt-get install pax-utils (Alpine: apk add pax-utils)",
            file=sys.stderr,
        )
        return 2

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    benches, notes = build(args, scanelf)
    load_before, source_before = os.getloadavg(), source_state()
    measure(benches, args, log)
    load_after, source_after = os.getloadavg(), source_state()
    base, ours, ours_j1 = benches[0], benches[1], benches[2]

    print(
        f"tree: {args.tree}   repetitions: {args.repeat} (+1 warm-up)   "
        f"CPUs: {os.cpu_count()}   load average (1 min) before/after: "
        f"{load_before[0]:.2f}/{load_after[0]:.2f}"
    )
    print(f"alpine-ready source: {source_before}")
    print(render_table(benches, base))
    if source_after != source_before:
        print(
            f"WARNING: alpine-ready's source changed during the run ({source_before} -> "
            f"{source_after}): the timings mix versions; run again"
        )
    for n in notes:
        print(f"note: {n}")
    for b in benches:
        for f in b.failed_files:
            print(f"note: {b.name} failed on {f}")
    if (
        base.elf_files is not None
        and ours.elf_files is not None
        and base.elf_files != ours.elf_files
    ):
        print(f"note: ELF counts differ: scanelf {base.elf_files}, alpine-ready {ours.elf_files}")
    ratio_med = ratio(ours, base, "median")
    ratio_j1 = ratio(ours_j1, base, "median")
    print(f"ratio(alpine-ready -j 1/scanelf) = {fmt(ratio_j1, '.2f')}")
    print(f"ratio(alpine-ready/scanelf) = {fmt(ratio_med, '.2f')} (target <= {TARGET_RATIO})")

    if args.json is not None:
        result = {
            "tree": args.tree,
            "repeat": args.repeat,
            "warmup": 1,
            "versions": _versions(scanelf),
            "target_ratio": TARGET_RATIO,
            "goal_ratio": GOAL_RATIO,
            "ratio_median": ratio_med,
            "ratio_min": ratio(ours, base, "min"),
            "ratio_j1_median": ratio_j1,
            "ratio_j1_min": ratio(ours_j1, base, "min"),
            "notes": notes,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "source_before": source_before,
            "source_after": source_after,
            "results": [
                {
                    **{k: v for k, v in asdict(b).items() if k != "count"},
                    "min": b.min,
                    "median": b.median,
                    "ratio_median": ratio(b, base, "median"),
                    "ratio_min": ratio(b, base, "min"),
                }
                for b in benches
            ],
        }
        text = json.dumps(result, indent=2) + "\n"
        if str(args.json) == "-":
            sys.stdout.write(text)
        else:
            args.json.write_text(text)
    failed = [b for b in benches if b.failed]
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
