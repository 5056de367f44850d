"""The loader model against Alpine's real musl loader, file by file.

Every ELF file of each real corpus is loaded twice: by the real
``ld-musl-x86_64.so.1 --list`` inside the real Alpine 3.23 rootfs (chroot), and
by :func:`alpine_ready.analysis.loader.simulate` against the same rootfs.  The
missing libraries (with who needed them), the (object, symbol) pairs that fail
to relocate, the unsupported relocation types and the exit status must be
identical.  Then the JSON of ``scan --against`` is checked against the same
real output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fixtures as fx  # tools/, on the path through conftest
from alpine_ready.analysis.loader import LoadResult, simulate
from alpine_ready.analysis.report import Verdict
from alpine_ready.analysis.scan import ScanOptions, run
from alpine_ready.analysis.system import TargetSystem
from alpine_ready.elf.reader import ElfError, read_elf
from alpine_ready.inputs.tree import WalkStats, walk
from conftest import copy_tree
from musl_real import RealLoad, chroot_prefix, musl_list

pytestmark = pytest.mark.skipif(chroot_prefix() is None, reason="needs root or unshare to chroot")


def _model(system: TargetSystem, path: str, env: str | None) -> LoadResult | None:
    res = system.namespace.resolve(path)
    assert res.node.host is not None
    try:
        elf = read_elf(res.node.host)
    except ElfError:
        return None
    if elf.elf_type not in (2, 3) or elf.machine != 62 or elf.is_static:
        return None
    return simulate(system, path, elf, env_path=env)


def _compare(rootfs: Path, paths: list[str], env: str | None = None) -> tuple[int, list[str]]:
    system = TargetSystem.from_rootfs(rootfs)
    real = musl_list(rootfs, paths, library_path=env)
    problems: list[str] = []
    compared = 0
    for path in paths:
        model = _model(system, path, env)
        if model is None:
            continue
        compared += 1
        r: RealLoad = real[path]
        assert not r.other or all("Not a valid dynamic program" not in o for o in r.other), path
        got_missing = {(m.name, m.needed_by) for m in model.missing}
        got_unres = {(u.obj, u.symbol) for u in model.unresolved}
        got_bad = {(b.obj, b.rtype) for b in model.bad_relocations}
        if got_missing != r.missing:
            problems.append(
                f"{path}: missing model-only {sorted(got_missing - r.missing)} "
                f"real-only {sorted(r.missing - got_missing)}"
            )
        if got_unres != r.unresolved:
            problems.append(
                f"{path}: unresolved model-only {sorted(got_unres - r.unresolved)[:8]} "
                f"real-only {sorted(r.unresolved - got_unres)[:8]}"
            )
        if got_bad != r.bad:
            problems.append(f"{path}: relocations model {sorted(got_bad)} real {sorted(r.bad)}")
        if model.ok != (r.rc == 0):
            problems.append(f"{path}: model ok={model.ok} real rc={r.rc}")
    return compared, problems


def _elf_paths(root: Path, inside: str) -> list[str]:
    return [f"{inside}/{c.relpath}" for c in walk(root, WalkStats())]


def test_alpine_rootfs_own_files(alpine_rootfs: Path) -> None:
    """Every ELF file of the real rootfs, as the system itself (all must agree)."""
    paths = _elf_paths(alpine_rootfs, "")
    compared, problems = _compare(alpine_rootfs, paths)
    assert compared >= 150
    assert problems == []


@pytest.fixture(scope="module")
def placed(
    sandbox_rootfs: Path, debian_tree: Path, wheels_dir: Path, npm_dir: Path
) -> dict[str, str]:
    """The real corpora copied into the sandbox rootfs under /tmp/ardiff/…"""
    base = sandbox_rootfs / "tmp" / "ardiff"
    places = {
        "debian": (debian_tree, "debian"),
        "manylinux": (wheels_dir / "manylinux", "manylinux"),
        "musllinux": (wheels_dir / "musllinux", "musllinux"),
        "pyarrow": (fx.pyarrow_wheel(), "pyarrow"),  # libarrow_python: the interpreter's symbols
        "npm-gnu": (npm_dir / "gnu", "npm-gnu"),
        "npm-musl": (npm_dir / "musl", "npm-musl"),
        "npm-static": (npm_dir / "static", "npm-static"),
    }
    out = {}
    for key, (src, name) in places.items():
        copy_tree(src, base / name)
        out[key] = f"/tmp/ardiff/{name}"
    return out


@pytest.mark.parametrize(
    "corpus", ["debian", "manylinux", "musllinux", "pyarrow", "npm-gnu", "npm-musl"]
)
def test_real_corpus_matches_real_loader(
    sandbox_rootfs: Path, placed: dict[str, str], corpus: str
) -> None:
    inside = placed[corpus]
    paths = _elf_paths(sandbox_rootfs / inside.lstrip("/"), inside)
    compared, problems = _compare(sandbox_rootfs, paths)
    assert compared >= 1
    assert problems == []


def test_library_path_reaches_bundled_glibc_libs(
    sandbox_rootfs: Path, placed: dict[str, str]
) -> None:
    """LD_LIBRARY_PATH pointing at Debian's libraries: glibc libstdc++ & co. on musl."""
    inside = placed["debian"]
    env = f"{inside}/usr/lib/x86_64-linux-gnu:/nonexistent"
    paths = _elf_paths(sandbox_rootfs / inside.lstrip("/"), inside)
    compared, problems = _compare(sandbox_rootfs, paths, env)
    assert compared >= 20
    assert problems == []


@pytest.mark.parametrize("corpus", ["debian", "manylinux", "npm-gnu", "npm-musl"])
def test_scan_json_agrees_with_real_loader(
    sandbox_rootfs: Path, placed: dict[str, str], corpus: str
) -> None:
    """``scan --against ROOTFS`` fields, per file, against the real loader."""
    inside = placed[corpus]
    target = sandbox_rootfs / inside.lstrip("/")
    report = run(ScanOptions(target=target, against=sandbox_rootfs, mount_at=inside, jobs=1))
    data = json.loads(json.dumps(report.to_json()))
    assert data["schema_version"] == 4  # (2: result, incomplete, errors[].kind; 3: items; 4: owner)
    by_path = {b["path"]: b for b in data["binaries"]}
    real = musl_list(sandbox_rootfs, [f"{inside}/{p}" for p in by_path])
    assert by_path
    for rel, entry in by_path.items():
        r = real[f"{inside}/{rel}"]
        if entry["libc"] == "static":
            continue
        head = f"{inside}/{rel}"
        assert entry["missing_libraries"] == sorted({n for n, _ in r.missing}), rel
        real_own = {s for o, s in r.unresolved if o == head}
        assert (
            set(entry["unresolved_symbols"]) | (set(entry["host_symbols"]) & real_own) == real_own
        ), rel
        interp_ok = entry["interpreter_present"]
        # --list ignores PT_INTERP; a real start also needs the interpreter on disk.
        expected_loads = r.rc == 0 and interp_ok
        if entry["host_symbols"]:
            expected_loads = (
                not r.missing
                and not r.bad
                and {s for o, s in r.unresolved} <= set(entry["host_symbols"])
            )
        assert entry["loads"] == expected_loads, rel
        assert (entry["verdict"] == Verdict.OK.value) == entry["loads"], rel


def test_static_binaries(sandbox_rootfs: Path, placed: dict[str, str]) -> None:
    """Static executables: musl refuses to --list them; they run on any libc."""
    paths = [
        placed["npm-static"] + "/node_modules/@esbuild/linux-x64/bin/esbuild",
        placed["debian"] + "/usr/bin/busybox",
    ]
    real = musl_list(sandbox_rootfs, paths)
    for p in paths:
        assert any("Not a valid dynamic program" in line for line in real[p].other), p
        report = run(ScanOptions(target=sandbox_rootfs / p.lstrip("/"), against=sandbox_rootfs))
        (entry,) = report.binaries
        assert (entry.libc.value, entry.verdict, entry.loads) == ("static", Verdict.OK, True)
