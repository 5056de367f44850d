"""Resolve unpinned Python requirements for the musl target with uv, and compare with glibc.

:func:`resolve` runs ``uv pip compile - --format pylock.toml --python-platform
{arch}-unknown-linux-{libc} --python-version X.Y`` in an empty temporary directory, with
the requirement strings on stdin, and reads the PEP 751 ``pylock.toml`` it prints.  That
gives the full transitive set uv would install on the target (``polars`` brings
``polars-runtime-32``) and, per package, the files uv found *for that target*: the
wheel(s) it selected for the target's tags (one, in practice) and the sdist.  A package
with an sdist and no wheel is built from source on Alpine.  :func:`compare` lists where
a musl resolution and a glibc one differ.  :func:`find_resolver` finds the ``uv``
executable; without it the caller keeps its per-package estimate.

Why ``pylock.toml`` and not the plain requirements output: it is TOML (``tomllib``; no
line syntax, continuations, comments or ``name @ url`` forms to parse) and it carries the
target's files, so "resolves, but only as an sdist" is seen without asking the index
again.  Markers of the input are kept on the entries (``marker = ...``) and ignored here.

Targets: uv's ``x86_64-unknown-linux-musl`` means ``musllinux_1_2`` (Alpine >= 3.13; it
accepts ``musllinux_1_1``/``_1_0`` wheels too; for an older Alpine check the files per
package); ``x86_64-unknown-linux-gnu`` means uv's default glibc for that triple (it
accepted torch's ``manylinux_2_28``-only wheel in the uv tested).

Two modes, both used by a useful check:

- default (``binary_only=False``): what ``pip install`` on Alpine does.  Versions with
  only an sdist are candidates, so uv picks the newest release and the sdist-only entry
  says it is built from source.  uv reads such a version's dependencies from a wheel of
  the same version for another platform (observed: duckdb 2.0.1 from its macOS wheel,
  mysqlclient 2.3.2 from its Windows wheel) or from static sdist metadata; when there is
  neither it runs the sdist's build backend (``setup.py``) on this machine, with the
  interpreter running alpine-ready (``--python sys.executable``) -- observed for
  pycrypto 2.6.1.  That is third-party code from the index, run exactly as ``pip install
  --dry-run`` would run it; ``binary_only=True`` never does.
- ``binary_only=True`` (``--no-build``): what ``pip install --only-binary :all:`` or
  ``uv --no-build`` does on Alpine.  Nothing is built or executed.  This is the mode that
  exposes the **silent downgrade**: uv quietly picks the newest release that still had a
  musl wheel.  A requirement with no musl wheel in any usable release makes the whole
  resolution fail (unlike per-package checks, uv cannot skip one package).

Observed with uv 0.13.9, CPython 3.12, x86_64, PyPI in late 2026 (0.1-0.8 s per run with
a cold or a warm cache; uv revalidates index pages either way):

============== ========================== ====================== ==================
requirement    musl (default)             musl (``--no-build``)  glibc
============== ========================== ====================== ==================
duckdb         2.0.1, sdist only          1.3.2 (musl wheel)     2.0.1 (wheel)
torch          no solution: no musl wheel same                   2.15.0 + 28 deps
onnxruntime    no solution: no musl wheel same                   1.32.0 + 4 deps
polars         2.1.0 + polars-runtime-32  same                   same
scikit-learn   1.9.1, sdist only          no solution            1.9.1 (wheel)
numpy          2.5.5 (musl wheel)         same                   same
pydantic       2.14.4; core musllinux_1_1 same                   same
mysqlclient    2.3.2, sdist only          no solution            2.3.2, sdist only
============== ========================== ====================== ==================

(The glibc torch set has 29 packages, nvidia-* and triton among them.)  For aarch64
musl no duckdb release has a wheel: ``--no-build`` finds no solution at all.

Failures are reported, not raised: ``outcome`` says ``unsatisfiable`` (uv's "No
solution found", e.g. torch: "torch>=2.2.0 has no wheels with a matching platform tag
(e.g., `musllinux_1_2_x86_64`)"), ``error`` (network, an offline cache miss, an sdist
whose metadata build fails, unreadable output), ``timeout`` or ``unavailable`` (no uv),
with a one-line :attr:`Resolution.error` and uv's hints.  Bad arguments (an unknown
libc, an unparseable requirement, a URL or path requirement, which uv would fetch or
build) raise :class:`~alpine_ready.errors.InputError`.

The run is isolated from the user's uv setup: ``--no-config``, no managed-Python
downloads, and ``UV_*`` variables that change a resolution (``UV_CONSTRAINT``,
``UV_NO_BUILD``, ``UV_INDEX_URL``, ...) are dropped; indexes come only from the
arguments (passed as ``UV_DEFAULT_INDEX``/``UV_INDEX`` so credentials in an index URL never
appear on a command line).  With extra indexes, ``--index-strategy unsafe-best-match``
mimics pip, which takes the best version across all indexes.  The cache is
``UV_CACHE_DIR`` (default ``$XDG_CACHE_HOME/alpine-ready/uv``).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from packaging.utils import canonicalize_name

from ..errors import InputError
from ..guard import excerpt
from .loader import DocumentError, parse_toml
from .requirement import Requirement

__all__ = [
    "MIN_UV_VERSION",
    "Diagnostics",
    "Outcome",
    "Resolution",
    "ResolutionDiff",
    "ResolvedPackage",
    "Resolver",
    "compare",
    "default_cache_dir",
    "find_resolver",
    "parse_pylock",
    "parse_stderr",
    "requirement_line",
    "resolve",
]

log = logging.getLogger(__name__)

Libc = Literal["musl", "gnu"]
Outcome = Literal["resolved", "unsatisfiable", "error", "timeout", "unavailable"]

#: Oldest uv accepted (``pip compile --format pylock.toml`` appeared in 0.6.15 as a preview;
#: the module is tested with 0.13.9).
MIN_UV_VERSION = (0, 8, 0)
DEFAULT_TIMEOUT = 120.0
#: ``UV_*`` variables kept from the caller's environment: TLS and host trust only.
_KEPT_UV_VARS = frozenset({"UV_NATIVE_TLS", "UV_SYSTEM_CERTS", "UV_INSECURE_HOST"})
_VERSION_RE = re.compile(r"^uv (\d+)\.(\d+)\.(\d+)")
_CREDENTIALS_RE = re.compile(r"(?<=://)[^/@\s]+@")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/alpine-ready/uv`` (``~/.cache/alpine-ready/uv``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alpine-ready" / "uv"


# --------------------------------------------------------------------------- the resolver


@dataclass(frozen=True)
class Resolver:
    """A ``uv`` executable that answered ``uv --version``."""

    path: Path
    version: str  # e.g. "0.13.9"

    @classmethod
    def probe(cls, path: str | Path, timeout: float = 10.0) -> Resolver | None:
        """The resolver at ``path`` if it runs and is at least :data:`MIN_UV_VERSION`."""
        exe = Path(path)
        if not exe.is_file() or not os.access(exe, os.X_OK):
            return None
        try:
            done = subprocess.run(
                [str(exe), "--version"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            log.debug("uv at %s does not run: %s", exe, exc)
            return None
        m = _VERSION_RE.match(done.stdout.strip())
        if done.returncode != 0 or not m:
            log.debug("%s --version: not uv (%r)", exe, done.stdout.strip()[:80])
            return None
        version = tuple(int(g) for g in m.groups())
        if version < MIN_UV_VERSION:
            log.info(
                "ignoring uv %s at %s: alpine-ready needs uv >= %s",
                ".".join(m.groups()),
                exe,
                ".".join(map(str, MIN_UV_VERSION)),
            )
            return None
        return cls(exe, ".".join(m.groups()))


def find_resolver() -> Resolver | None:
    """The ``uv`` to resolve with, or None when there is none.

    Looked for next to ``sys.executable`` (the ``resolve`` extra installs it there), then
    on ``PATH``, then where the ``uv`` Python package says its binary is
    (``uv.find_uv_bin()``).  Candidates that fail ``uv --version`` or are older than
    :data:`MIN_UV_VERSION` are skipped.
    """
    exe_name = "uv.exe" if sys.platform == "win32" else "uv"
    candidates: list[Path] = []
    if sys.executable:
        candidates.append(Path(sys.executable).parent / exe_name)
    on_path = shutil.which("uv")
    if on_path:
        candidates.append(Path(on_path))
    try:
        find_uv_bin = importlib.import_module("uv").find_uv_bin
        candidates.append(Path(find_uv_bin()))
    except (ImportError, OSError, AttributeError) as exc:
        log.debug("no uv Python package binary: %s", exc)
    seen: set[Path] = set()
    for cand in candidates:
        key = cand.resolve() if cand.exists() else cand
        if key in seen:
            continue
        seen.add(key)
        found = Resolver.probe(cand)
        if found is not None:
            log.debug("using uv %s at %s", found.version, found.path)
            return found
    log.debug("no usable uv found (looked at %s)", ", ".join(map(str, candidates)) or "nothing")
    return None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResolvedPackage:
    """One package of a resolution, with the files uv found for the target."""

    name: str  # PEP 503-normalised
    version: str
    wheels: tuple[str, ...] = ()  # wheel file names the target accepts
    sdist: str | None = None  # the sdist file name, if the index has one
    url: str | None = None  # a direct reference (archive, VCS, directory) instead of an index

    @property
    def source_build(self) -> bool:
        """True when the target gets no wheel and installs it by building the sdist."""
        return not self.wheels and self.sdist is not None


@dataclass(frozen=True)
class Resolution:
    """What uv resolved (or why it could not) for one target."""

    python: str  # "3.12"
    arch: str  # "x86_64" / "aarch64"
    libc: Libc
    binary_only: bool
    outcome: Outcome
    packages: tuple[ResolvedPackage, ...] = ()  # sorted by name; empty unless resolved
    error: str | None = None  # one line, when the outcome is not "resolved"
    hints: tuple[str, ...] = ()  # uv's "hint:" paragraphs, one line each
    warnings: tuple[str, ...] = ()  # uv's "warning:" lines
    causes: tuple[str, ...] = ()  # uv's "cause:" paragraphs (why there is no solution)
    uv_version: str | None = None
    elapsed: float = 0.0  # seconds the uv run took

    @property
    def ok(self) -> bool:
        """True when uv resolved the requirements."""
        return self.outcome == "resolved"

    @property
    def platform(self) -> str:
        """The ``--python-platform`` value given to uv, e.g. ``x86_64-unknown-linux-musl``."""
        return f"{self.arch}-unknown-linux-{self.libc}"

    @property
    def pins(self) -> dict[str, str]:
        """``{normalised name: version}`` of every resolved package."""
        return {p.name: p.version for p in self.packages}

    def get(self, name: str) -> ResolvedPackage | None:
        """The resolved package called ``name`` (any spelling), or None."""
        norm = canonicalize_name(name)
        return next((p for p in self.packages if p.name == norm), None)


@dataclass(frozen=True)
class ResolutionDiff:
    """One package on which a musl resolution and a glibc resolution disagree."""

    name: str
    musl: str | None  # version in the musl resolution; None: not in it
    glibc: str | None  # version in the glibc resolution; None: not in it
    musl_source_build: bool = False  # musl gets only the sdist
    glibc_source_build: bool = False

    @property
    def kind(self) -> Literal["version", "musl-only", "glibc-only", "source-build"]:
        """``version``, ``musl-only``, ``glibc-only`` or ``source-build`` (same version)."""
        if self.musl is None:
            return "glibc-only"
        if self.glibc is None:
            return "musl-only"
        if self.musl != self.glibc:
            return "version"
        return "source-build"

    def __str__(self) -> str:
        """``duckdb: musl 1.3.2, glibc 2.0.1`` and the like."""

        def side(version: str | None, build: bool) -> str:
            return f"{version} (built from source)" if build else str(version)

        kind = self.kind
        if kind == "glibc-only":
            return f"{self.name}: glibc only ({side(self.glibc, self.glibc_source_build)})"
        if kind == "musl-only":
            return f"{self.name}: musl only ({side(self.musl, self.musl_source_build)})"
        if kind == "version":
            return (
                f"{self.name}: musl {side(self.musl, self.musl_source_build)}, "
                f"glibc {side(self.glibc, self.glibc_source_build)}"
            )
        if self.musl_source_build:
            return f"{self.name} {self.musl}: musl builds it from the sdist, glibc gets a wheel"
        return f"{self.name} {self.musl}: glibc builds it from the sdist, musl gets a wheel"


# --------------------------------------------------------------------------- parsing


def _file_name(entry: Mapping[str, Any]) -> str | None:
    name = entry.get("name")
    if isinstance(name, str) and name:
        return name
    where = entry.get("url") or entry.get("path")
    if not isinstance(where, str) or not where:
        return None
    return unquote(urlsplit(where).path.rsplit("/", 1)[-1]) or None


def parse_pylock(text: str) -> tuple[ResolvedPackage, ...]:
    """The packages of a ``pylock.toml`` (PEP 751) that uv printed, sorted by name.

    Raises ValueError when the text is not a pylock file.
    """
    try:
        doc = parse_toml(text.encode("utf-8", "surrogatepass"))
    except DocumentError as exc:
        raise ValueError(f"not TOML: {exc}") from None
    if "lock-version" not in doc:
        raise ValueError("not a pylock.toml: no lock-version")
    raw = doc.get("packages", [])
    if not isinstance(raw, list):
        raise ValueError("not a pylock.toml: packages is not an array")
    out: dict[str, ResolvedPackage] = {}
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("not a pylock.toml: a package without a name")
        name = canonicalize_name(entry["name"])
        version = entry.get("version")
        wheels = tuple(
            w for w in (_file_name(x) for x in entry.get("wheels", []) if isinstance(x, dict)) if w
        )
        sdist_entry = entry.get("sdist")
        sdist = _file_name(sdist_entry) if isinstance(sdist_entry, dict) else None
        url: str | None = None
        for key in ("archive", "vcs", "directory"):
            ref = entry.get(key)
            if isinstance(ref, dict):
                url = str(ref.get("url") or ref.get("path") or key)
                break
        out[name] = ResolvedPackage(
            name, str(version) if version is not None else "", wheels, sdist, url
        )
    return tuple(out[k] for k in sorted(out))


@dataclass(frozen=True)
class Diagnostics:
    """uv's stderr, digested: the error in one line, the hints and the warnings."""

    error: str | None
    hints: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    no_solution: bool = False  # uv said "No solution found"
    network: bool = False  # ... because the network was disabled or failed
    causes: tuple[str, ...] = ()  # uv's "cause:" paragraphs, one line each


def _one_line(text: str, limit: int = 600) -> str:
    line = _CREDENTIALS_RE.sub("", " ".join(text.split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _no_solution_reason(causes: Sequence[str]) -> str | None:
    """The last step of uv's derivation: ``Because X and you require Y``."""
    text = _one_line(" ".join(causes))
    piece = re.split(r"\bAnd because\b", text)[-1].strip()
    piece = re.sub(
        r",? we can conclude that your requirements are unsatisfiable\.?$", "", piece
    ).strip()
    if not piece:
        return None
    piece = re.sub(r"^because\s+", "", piece, flags=re.IGNORECASE)
    return piece


def parse_stderr(stderr: str) -> Diagnostics:
    """Digest uv's stderr (``error:`` + ``cause:`` lines, ``hint:`` and ``warning:``)."""
    headline: str | None = None
    causes: list[str] = []
    build_output: list[str] = []
    hints: list[str] = []
    warnings: list[str] = []
    block: Literal["error", "hint", "warning", "other"] = "other"
    in_output = False
    for raw in stderr.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if line.startswith("error: "):
            if headline is None:
                headline, block, in_output = line[7:].strip(), "error", False
            else:
                block = "other"
            continue
        if line.startswith("warning: "):
            warnings.append(_one_line(line[9:]))
            block, in_output = "warning", False
            continue
        if line.startswith("hint: "):
            hints.append(line[6:].strip())
            block, in_output = "hint", False
            continue
        if not stripped:
            if block == "hint":
                block = "other"  # a hint's first paragraph only
            continue
        if not line[0].isspace():
            block, in_output = "other", False
            continue
        if block == "hint":
            hints[-1] += " " + stripped
        elif block == "error":
            if stripped.startswith("cause: "):
                causes.append(stripped[7:])
                in_output = False
            elif stripped in ("[stderr]", "[stdout]"):
                in_output = True
            elif in_output:
                build_output.append(stripped)
            elif causes:
                causes[-1] += " " + stripped
    hints_t = tuple(_one_line(h) for h in hints)
    if headline is None:
        last = next(
            (
                x.strip()
                for x in reversed(stderr.splitlines())
                if x.strip() and not x.startswith("Resolved ")
            ),
            None,
        )
        return Diagnostics(_one_line(last) if last else None, hints_t, tuple(warnings))
    no_solution = headline.startswith("No solution found")
    joined = " ".join(causes + list(hints_t))
    network = bool(
        re.search(
            r"not found in the cache|network was disabled|Failed to fetch|"
            r"Request failed|error sending request",
            joined + headline,
        )
    )
    if no_solution and causes:
        reason = _no_solution_reason(causes)
        error = f"{headline}: {reason}" if reason else headline
    elif build_output:
        error = f"{headline}: {build_output[-1]}"
    elif causes:
        error = f"{headline}: {causes[-1]}"
    else:
        error = headline
    return Diagnostics(
        _one_line(error),
        hints_t,
        tuple(warnings),
        no_solution,
        network,
        tuple(_one_line(c) for c in causes),
    )


# --------------------------------------------------------------------------- running uv


def requirement_line(req: Requirement) -> str:
    """A parsed requirement as one PEP 508 line for :func:`resolve` (pins as ``==``)."""
    extras = f"[{','.join(req.extras)}]" if req.extras else ""
    spec = f"=={req.version}" if req.version is not None and not req.specifier else req.specifier
    marker = f" ; {req.marker}" if req.marker else ""
    return f"{req.name}{extras}{spec}{marker}"


def _check_requirements(requirements: Sequence[str]) -> list[str]:
    lines = []
    for text in requirements:
        if "\n" in text or "\r" in text:
            raise InputError(f"invalid requirement '{excerpt(text)}': one requirement per string")
        try:
            parsed = PkgRequirement(text)
        except InvalidRequirement as exc:
            raise InputError(
                f"invalid requirement '{excerpt(text)}': "
                f"{excerpt(str(exc).splitlines()[0] if str(exc) else '', 80)}"
            ) from None
        if parsed.url:
            raise InputError(
                f"'{excerpt(text)}': a direct reference (URL or path) is not "
                f"resolved; only index requirements are"
            )
        lines.append(text.strip())
    return lines


def _environment(
    cache_dir: Path, index_url: str | None, extra_index_urls: Sequence[str], timeout: float
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if (not k.startswith("UV_") or k in _KEPT_UV_VARS) and k != "RUST_LOG"
    }
    env.update(
        {
            "UV_CACHE_DIR": str(cache_dir),
            "UV_NO_PROGRESS": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "NO_COLOR": "1",
            "UV_HTTP_TIMEOUT": str(max(1, min(30, int(timeout)))),
        }
    )
    if index_url:
        env["UV_DEFAULT_INDEX"] = index_url
    if extra_index_urls:
        env["UV_INDEX"] = " ".join(extra_index_urls)
    return env


def _command(
    resolver: Resolver,
    python: str,
    arch: str,
    libc: Libc,
    *,
    offline: bool,
    binary_only: bool,
    extra_indexes: bool,
) -> list[str]:
    cmd = [
        str(resolver.path),
        "pip",
        "compile",
        "-",
        "--format",
        "pylock.toml",
        "--python-platform",
        f"{arch}-unknown-linux-{libc}",
        "--python-version",
        python,
        "--no-python-downloads",
        "--no-config",
        "--no-header",
        "--no-annotate",
        "--color",
        "never",
        "--no-progress",
    ]
    if sys.executable and Path(sys.executable).exists():
        cmd += ["--python", sys.executable]  # builds (sdist metadata) use this interpreter
    if extra_indexes:
        cmd += ["--index-strategy", "unsafe-best-match"]
    if binary_only:
        cmd.append("--no-build")
    if offline:
        cmd.append("--offline")
    return cmd


def _run(
    cmd: Sequence[str], stdin: str, env: Mapping[str, str], cwd: str, timeout: float
) -> tuple[int, str, str] | None:
    """(status, stdout, stderr), or None on timeout (uv and its children are killed)."""
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # uv's own session: it and its builds
        try:
            proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a build that left the session holds the pipes
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            proc.wait()
        return None
    return proc.returncode, out, err


def _run_cached(
    uv: Resolver,
    cmd: Sequence[str],
    stdin: str,
    env: dict[str, str],
    timeout: float,
    cache: Path,
    index_url: str | None,
    extra_index_urls: Sequence[str],
) -> tuple[int, str, str] | None:
    """:func:`_run` in a fresh directory, through the resolution cache when there is one."""
    from .resolution_cache import for_uv_cache

    def compute(argv: Sequence[str]) -> tuple[int, str, str] | None:
        with tempfile.TemporaryDirectory(prefix="alpine-ready-uv-") as work:
            return _run(argv, stdin, env, work, timeout)

    found = for_uv_cache(cache, index_url, extra_index_urls, offline="--offline" in cmd)
    return compute(cmd) if found is None else found.run(uv.version, cmd, stdin, env, compute)


def resolve(
    requirements: Sequence[str],
    *,
    python: str = "3.12",
    arch: str = "x86_64",
    libc: Libc = "musl",
    index_url: str | None = None,
    extra_index_urls: Sequence[str] = (),
    offline: bool = False,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    binary_only: bool = False,
    resolver: Resolver | None = None,
) -> Resolution:
    """Resolve ``requirements`` (PEP 508 strings) with uv for CPython on ``arch``/``libc``.

    ``binary_only`` passes ``--no-build`` (see the module docstring: it exposes the
    silent downgrade, and never runs an sdist's build backend).  ``resolver`` defaults to
    :func:`find_resolver`; with none the outcome is ``unavailable``.  The run is bounded
    by ``timeout`` seconds.  Failures come back as a :class:`Resolution` whose ``error``
    is one line; invalid arguments raise :class:`~alpine_ready.errors.InputError`.
    """
    if libc not in ("musl", "gnu"):
        raise InputError(f"unsupported libc {libc!r}: expected musl or gnu")
    if arch not in ("x86_64", "aarch64"):
        raise InputError(f"unsupported architecture {arch!r}: expected x86_64 or aarch64")
    if not re.fullmatch(r"3\.\d+", python):
        raise InputError(f"invalid Python version {python!r}: expected e.g. 3.12")
    if timeout <= 0:
        raise InputError(f"invalid timeout {timeout!r}: expected a positive number")
    lines = _check_requirements(requirements)

    def result(outcome: Outcome, **kw: Any) -> Resolution:
        return Resolution(python, arch, libc, binary_only, outcome, **kw)

    if not lines:
        return result("resolved", uv_version=resolver.version if resolver else None)
    uv = resolver or find_resolver()
    if uv is None:
        return result(
            "unavailable",
            error="uv is not installed (pip install 'alpine-ready[resolve]'): not resolved",
        )
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    cmd = _command(
        uv,
        python,
        arch,
        libc,
        offline=offline,
        binary_only=binary_only,
        extra_indexes=bool(extra_index_urls),
    )
    env = _environment(cache, index_url, extra_index_urls, timeout)
    log.debug("running %s (cache %s)", " ".join(cmd), cache)
    start = time.monotonic()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        done = _run_cached(
            uv, cmd, "\n".join(lines) + "\n", env, timeout, cache, index_url, extra_index_urls
        )
    except OSError as exc:
        return result("error", error=_one_line(f"cannot run uv: {exc}"), uv_version=uv.version)
    elapsed = time.monotonic() - start
    if done is None:
        log.info("uv did not finish within %g s", timeout)
        return result(
            "timeout",
            error=f"uv did not finish within {timeout:g} s",
            uv_version=uv.version,
            elapsed=elapsed,
        )
    status, out, err = done
    diag = parse_stderr(err)
    log.debug("uv exited %d after %.2f s", status, elapsed)
    for w in diag.warnings:
        log.debug("uv warning: %s", w)
    common: dict[str, Any] = {
        "hints": diag.hints,
        "warnings": diag.warnings,
        "causes": diag.causes,
        "uv_version": uv.version,
        "elapsed": elapsed,
    }
    if status != 0:
        outcome: Outcome = "unsatisfiable" if diag.no_solution and not diag.network else "error"
        error = diag.error or f"uv exited with status {status}"
        log.info("uv %s for %s-%s: %s", outcome, arch, libc, error)
        return result(outcome, error=error, **common)
    try:
        packages = parse_pylock(out)
    except ValueError as exc:
        return result("error", error=f"cannot read uv's output: {exc}", **common)
    return result("resolved", packages=packages, **common)


# --------------------------------------------------------------------------- comparing


def compare(musl: Resolution, glibc: Resolution) -> tuple[ResolutionDiff, ...]:
    """Every package on which two successful resolutions differ, sorted by name.

    A package differs when its version differs, when only one resolution has it, or when
    both pick the same version but only one gets a wheel (the other builds the sdist).
    Raises ValueError when either resolution failed, or when they are for different
    Python versions or architectures.
    """
    for r in (musl, glibc):
        if not r.ok:
            raise ValueError(f"cannot compare: the {r.libc} resolution failed ({r.error})")
    if (musl.python, musl.arch) != (glibc.python, glibc.arch):
        raise ValueError(
            f"cannot compare resolutions for Python {musl.python} {musl.arch} "
            f"and Python {glibc.python} {glibc.arch}"
        )
    left = {p.name: p for p in musl.packages}
    right = {p.name: p for p in glibc.packages}
    diffs = []
    for name in sorted(left.keys() | right.keys()):
        m, g = left.get(name), right.get(name)
        diff = ResolutionDiff(
            name,
            m.version if m else None,
            g.version if g else None,
            m.source_build if m else False,
            g.source_build if g else False,
        )
        if m is None or g is None or m.version != g.version or m.source_build != g.source_build:
            diffs.append(diff)
    return tuple(diffs)


_VIA_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==\S+.*?#\s*via\s+(.+)$")


def parse_via(text: str) -> dict[str, tuple[str, ...]]:
    """``{package: (what requires it, …)}`` from uv's ``--annotation-style line`` output.

    ``-r -`` (the requirement lines themselves) is left out: a package listed only there
    has no entry.
    """
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        m = _VIA_LINE.match(line.strip())
        if not m:
            continue
        parents = tuple(
            canonicalize_name(p.strip())
            for p in m[2].split(",")
            if p.strip() and not p.strip().startswith("-r")
        )
        if parents:
            out[canonicalize_name(m[1])] = parents
    return out


def dependents(
    requirements: Sequence[str],
    *,
    python: str = "3.12",
    arch: str = "x86_64",
    libc: Libc = "gnu",
    index_url: str | None = None,
    extra_index_urls: Sequence[str] = (),
    offline: bool = False,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    resolver: Resolver | None = None,
) -> dict[str, tuple[str, ...]]:
    """Who pulls in each package of a wheels-only resolution (``{}`` on any failure).

    The same resolution as :func:`resolve` with ``binary_only``, printed as requirements
    with uv's ``# via`` annotations: what a report needs to say "nvidia-cublas-cu12 is
    there because of torch".
    """
    lines = _check_requirements(requirements)
    uv = resolver or find_resolver()
    if uv is None or not lines:
        return {}
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    cmd = [
        a
        for a in _command(
            uv,
            python,
            arch,
            libc,
            offline=offline,
            binary_only=True,
            extra_indexes=bool(extra_index_urls),
        )
        if a not in ("--no-annotate",)
    ]
    i = cmd.index("--format")
    cmd[i + 1] = "requirements.txt"
    cmd += ["--annotation-style", "line"]
    try:
        cache.mkdir(parents=True, exist_ok=True)
        done = _run_cached(
            uv,
            cmd,
            "\n".join(lines) + "\n",
            _environment(cache, index_url, extra_index_urls, timeout),
            timeout,
            cache,
            index_url,
            extra_index_urls,
        )
    except OSError as exc:
        log.info("cannot run uv: %s", exc)
        return {}
    if done is None or done[0] != 0:
        return {}
    return parse_via(done[1])
