"""``alpine-ready deps``: will ``pip install`` / ``npm ci`` of these dependencies work on Alpine?

``run(DepsOptions) -> DepsReport``.  The inputs of the path -- a file the user names,
a project directory, an installed tree or an image -- are found and read by the
sources (:mod:`.sources`: one module per format, the rule of preference there).
Then each ecosystem's engine judges them for the musl target:

- Python (:mod:`.python_check`, :mod:`.engine`): unpinned requirements are resolved with
  uv first (:mod:`.unpinned`), then every project is looked up once on its index and
  each requirement judged on the files of its version;
- Node (:mod:`.node_check`): every package of each lockfile or tree, against the npm
  registry where the lockfile cannot answer.

An index that fails keeps the other results (that project is ``unknown``); offline,
only cached answers are used.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from packaging.version import Version

from .. import __version__
from ..errors import NothingToRead
from ..guard import printable
from .cache import ResponseCache, default_cache_root
from .engine import _vkey, musl_target
from .markers import musl_environment
from .node_model import NodeInput
from .options import DepsOptions
from .python_check import check_python
from .report import DepsInput, DepsReport, DepsTarget, PackageResult
from .requirement import ParsedInput
from .sources import Found, find_inputs, names, parse_python, site_packages
from .sources.base import Context
from .sources.image import is_image, read_image
from .unpinned import resolve_unpinned

__all__ = ["DepsOptions", "run"]


def _inputs(path: Path, context: Context) -> tuple[list[ParsedInput], list[Found]]:
    """(the Python inputs, parsed; the Node ones, to be parsed one at a time).

    A Python input that turns out to hold nothing (a ``pyproject.toml`` without
    ``[project]``) leaves the Node ones; with none, what it says is the error.
    """
    found = find_inputs(path, context)
    try:
        python = parse_python(found["python"], context)
    except NothingToRead:
        if not found["node"]:
            raise
        python = []
    if not python and not found["node"]:
        raise NothingToRead(
            f"{printable(str(path))}: no dependency file found (Python: "
            f"{names('python')}; Node: {names('node')})"
        )
    return python, found["node"]


def run(opts: DepsOptions) -> DepsReport:
    """Check every dependency of ``opts.path`` for the musl target.

    The scan engine judges installed files with the same package-index settings
    (``--offline``, ``--mirror``) as the rest of the run.
    """
    from ..analysis.verdict import using_package_source
    from ..knowledge.apkrepo import SonameProviders, index_offline

    offline = index_offline(opts.offline, opts.mirror)
    with using_package_source(SonameProviders(mirror=opts.mirror, offline=offline)):
        return _run(opts)


def _run(opts: DepsOptions) -> DepsReport:
    if is_image(opts.path):
        return _run_image(opts)
    sites: tuple[Path, ...] | None = None  # walked at most once, when needed
    if opts.python is None:
        sites = site_packages.walk(Path(opts.path))
        opts = dataclasses.replace(opts, python=site_packages.python_of(sites) or "3.12")
    assert opts.python is not None
    musl, target = musl_target(opts.python, opts.arch, opts.alpine)
    context = Context(
        musl_environment(opts.python, opts.arch),
        tuple(opts.extras),
        opts.include_dev,
        opts.boundary(),
        sites,
    )
    parsed, node = _inputs(Path(opts.path), context)
    resolved = resolve_unpinned(opts, parsed) if opts.resolve else None
    if resolved is not None:
        parsed = resolved.parsed
    results, inputs = check_python(opts, parsed, musl, target, resolved)
    if node:
        node_results, node_inputs = _check_node(opts, node, target, context)
        results += node_results
        inputs += node_inputs
    _sort_rows(results)
    return DepsReport(
        path=opts.path,
        target=target,
        inputs=tuple(inputs),
        packages=tuple(results),
        fail_on=opts.fail_on,
        tool_version=__version__,
    )


def _run_image(opts: DepsOptions) -> DepsReport:
    """``deps IMAGE``: installed Python distributions and Node addons of an image."""
    got = read_image(opts.path, arch=opts.arch, alpine=opts.alpine)
    python = opts.python or got.python_version or "3.12"
    musl, target = musl_target(python, opts.arch, opts.alpine)
    results: list[PackageResult] = []
    inputs: list[DepsInput] = []
    if got.python.requirements:
        results, inputs = check_python(opts, [got.python], musl, target, build_needs=False)
    results += got.node_rows
    if got.node_rows:
        inputs.append(
            DepsInput(
                got.reference,
                "node_modules",
                len(got.node_rows),
                0,
                () if got.python.requirements else got.notes,
            )
        )
    if not inputs:
        inputs.append(
            DepsInput(
                got.reference,
                "site-packages",
                0,
                0,
                (
                    *got.notes,
                    "no installed Python distribution and no "
                    "native Node package found in the image",
                ),
            )
        )
    results.sort(key=lambda x: (x.ecosystem != "python", x.name))
    return DepsReport(
        path=opts.path,
        target=target,
        inputs=tuple(inputs),
        packages=tuple(results),
        fail_on=opts.fail_on,
        tool_version=__version__,
    )


def _row_version(row: PackageResult) -> Version:
    return _vkey(row.version or "") or Version("0")


def _sort_rows(rows: list[PackageResult]) -> None:
    """Python first, then by name, then by version (as versions compare; unparsable: 0).

    Sorted by name alone, then each run of one name by version: a version is parsed only
    where a name repeats (300,000 rows of a lockfile are mostly one version each).
    """
    rows.sort(key=operator.attrgetter("name"))
    names = [r.name for r in rows]
    start = 0
    for i in range(1, len(names) + 1):
        if i == len(names) or names[i] != names[start]:
            if i - start > 1:
                rows[start:i] = sorted(rows[start:i], key=_row_version)
            start = i
    python = [r for r in rows if r.ecosystem == "python"]
    if python and len(python) != len(rows):
        rows[:] = python + [r for r in rows if r.ecosystem != "python"]


def _check_node(
    opts: DepsOptions, found: Sequence[Found], target: DepsTarget, context: Context
) -> tuple[list[PackageResult], list[DepsInput]]:
    """Judge each Node input, parsed one at a time (a lockfile may hold 500,000 packages)."""
    from ..dockerfile.heap import paused_gc
    from .node_check import NodeTarget, check_node
    from .npm_registry import NpmRegistry, read_npmrc

    results: list[PackageResult] = []
    inputs: list[DepsInput] = []
    registry: NpmRegistry | None = None
    ntarget = NodeTarget(arch=opts.arch, musl=target.musl)
    node_index = _node_index(opts)  # loaded at most once for every Node input
    for f in found:
        with paused_gc():  # up to 500,000 packages: acyclic, see dockerfile.heap
            inp = f.parse(context, notes=False)
        assert isinstance(inp, NodeInput)
        if not inp.packages and inp.kind == "package.json":  # nothing to check: it says why
            inputs.append(DepsInput(opts.path, inp.kind, 0, 0, (*inp.notes, *f.notes)))
            continue
        if registry is None:
            root = Path(opts.path) if Path(opts.path).is_dir() else Path(opts.path).parent
            config = read_npmrc(root, registry=opts.npm_registry, boundary=opts.boundary())
            cache_root = (
                (opts.cache_dir or default_cache_root()).parent / "npm"
                if opts.cache_dir is None
                else opts.cache_dir / "npm"
            )
            registry = NpmRegistry(
                config, cache=ResponseCache(cache_root, name="npm"), offline=opts.offline
            )
        native = None
        if inp.kind == "node_modules":
            native = _native_verdicts(f.path, inp, target)
        rows, extra = check_node(
            inp,
            ntarget,
            registry,
            native=native,
            include_dev=opts.include_dev,
            packages=node_index,
        )
        results += rows
        inputs.append(DepsInput(inp.path, inp.kind, len(rows), 0, (*inp.notes, *extra, *f.notes)))
    return results, inputs


def _node_index(opts: DepsOptions) -> Callable[[], Any]:
    """What loads Alpine's package index for the ``-dev`` packages of Node builds."""
    from .python_check import _release_index

    return functools.lru_cache(maxsize=1)(_release_index(opts))


def _native_verdicts(path: Path, inp: Any, target: DepsTarget) -> dict[str, Any] | None:
    """The binary engine's verdicts on the ``.node`` files of an installed tree."""
    try:
        from .installed import judge_node_modules
    except ImportError:  # pragma: no cover - the module ships with the package
        return None
    return native_verdicts(judge_node_modules(path, inp.packages, alpine=target.alpine))


def native_verdicts(found: dict[str, Any]) -> dict[str, Any]:
    """What the Node check is handed: each judged file as a prebuild in a tarball is judged.

    Node's own C++ runtime (``NODE_RUNTIME_LIBS``) is on every Alpine with Node, so a file
    missing only that loads (``ok``).
    """
    from .node_check import NativeVerdict
    from .npm_registry import node_runtime_verdict

    def native(f: Any) -> NativeVerdict:
        verdict, missing = node_runtime_verdict(
            f.verdict.value if f.verdict else "unknown", f.missing
        )
        return NativeVerdict(
            f.path, f.libc.value if f.libc else "unknown", verdict, f.reason or "", missing
        )

    return {pkg: tuple(native(f) for f in files) for pkg, files in found.items()}
