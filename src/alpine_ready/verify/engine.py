"""``alpine-ready verify``: run TARGET in a real Alpine userland and check scan's prediction.

:func:`run` takes :class:`VerifyOptions` and returns a
:class:`~alpine_ready.verify.report.VerifyReport`.  Four steps, each reported:

1. *prepare* -- the system (an image unpacked by :mod:`.extract`, or a root filesystem)
   with what the prediction says is needed installed by the release's own ``apk``
   inside the sandbox (:func:`alpine_ready.sandbox.prepare_system`, cached by base
   digest and package set): the packages of scan's ``apk add`` fixes, gcompat with
   ``with_gcompat``, and the ``apk`` extras;
2. *load* -- Alpine's musl loader (``ld-musl-<arch>.so.1 --list``) on every ELF file,
   all in one sandbox (:mod:`.observe`); Python extension modules imported and Node
   addons required when the system has the interpreter;
3. *smoke* -- the user's commands (:mod:`.smoke`), bounded, timed;
4. *compare* -- each file's observation beside scan's prediction for the prepared
   system (the scan engine as a library): a difference is a disagreement.

Nothing of TARGET runs on the host: the sandbox's ``run`` is the only way anything
is executed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .. import knowledge
from ..analysis.report import BinaryReport, FileError, Libc, ScanReport, SkippedFile, Verdict
from ..analysis.scan import ScanOptions
from ..analysis.scan import run as scan
from ..errors import ImageError, InputError
from ..inputs.image.localfiles import default_cache_dir
from ..inputs.image.reference import ImageReference
from ..inputs.image.source import ImageOptions, open_image
from ..inputs.packages import is_package_archive
from ..inputs.target import classify
from ..inputs.tree import WalkStats, single, walk
from ..report.item import FixKind
from ..sandbox import Limits, Mount, PreparedSystem, available, prepare_system
from ..sandbox import run as sandbox_run
from . import observe
from .extract import unpack_image
from .report import FileCheck, ImportCheck, Prepared, SmokeResult, Step, VerifyReport
from .smoke import SmokeCommand, discover, from_argv

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None, str], None]

WORK_AT = "/.alpine-ready-verify"  # where the scripts and lists are mounted in the sandbox
LOAD_OUTPUT = 256 << 20  # bytes of loader output kept for the whole load step
SMOKE_OUTPUT = 1 << 20
SHOWN_OUTPUT = 8 << 10  # smoke output kept in the report, per stream
_VENDORED = re.compile(r"loaded only by (.+), whose load succeeds")


@dataclass(frozen=True)
class VerifyOptions:
    """Everything ``verify`` can be asked."""

    target: Path | str  # an application tree, one ELF file, or an image reference
    alpine: str | None = None  # the release whose image is the system (None: newest)
    against: Path | str | None = None  # a root filesystem or an image as the system
    apk: tuple[str, ...] = ()  # extra packages to install
    with_gcompat: bool = False
    repositories: tuple[str, ...] = ()  # URL or DIR, for apk
    network: bool = False  # the sandbox (and apk) may use the network
    allow_untrusted: bool = False  # a --repository DIR whose index is not signed
    install_predicted: bool = True  # install the packages of scan's fixes
    timeout: float = 60.0  # per smoke command; the load step scales with the files
    memory: int = 1 << 30
    mount_at: str = "/app"
    command: tuple[str, ...] = ()  # -- CMD ARGS…
    fail_on: Verdict = Verdict.INCOMPATIBLE
    imports: bool = True  # import Python extensions / require Node addons when possible
    jobs: int = 0
    progress: Progress | None = None
    image: ImageOptions = field(default_factory=ImageOptions)


@dataclass(frozen=True)
class _Target:
    kind: str  # directory | file | image
    path: Path | None  # the tree or file on the host
    ref: ImageReference | None


@dataclass(frozen=True)
class _Base:
    source: str
    root: Path
    digest: str
    reused: bool  # unpacked before (an image), or a root filesystem used in place


def run(options: VerifyOptions) -> VerifyReport:
    """Verify ``options.target`` (raises InputError / SandboxError / ImageError on bad input)."""
    _validate(options)
    target = _target(options)
    available()
    steps: list[Step] = []
    warnings: list[str] = []
    cache = _cache_dir(options)

    # 1. prepare
    t0 = time.monotonic()
    base = _base(options, target, cache)
    first = _predict(options, target, base.root) if options.install_predicted else None
    predicted = _fix_packages(first) if first is not None else []
    if predicted and not (options.network or options.repositories):
        warnings.append(
            f"the prediction asks for {', '.join(predicted)}; not installed: no --network "
            "or --repository to install from (the system is verified without them)"
        )
        predicted = []
    wanted = {*predicted, *options.apk, *(("gcompat",) if options.with_gcompat else ())}
    requested = tuple(sorted(wanted))
    _progress(options, f"preparing the system ({len(requested)} packages)")
    if requested:
        prepared = prepare_system(
            base.root,
            base.digest,
            requested,
            repositories=options.repositories,
            network=options.network,
            cache_dir=cache / "verify",
            allow_untrusted=options.allow_untrusted,
            limits=Limits(timeout=600, memory=max(options.memory, 1 << 30)),
            progress=lambda m: _progress(options, m),
        )
    else:  # nothing to install: the base itself
        prepared = PreparedSystem(base.root, base.digest, base.reused, (), 0.0)
    system = Prepared(
        base.source,
        base.digest,
        prepared.key,
        prepared.reused,
        requested,
        prepared.installed,
        prepared.seconds,
    )
    if not requested:
        did = "nothing to install"
    elif prepared.reused:
        did = f"reused the prepared system with {', '.join(requested)}"
    else:
        did = f"installed {', '.join(prepared.installed) or 'nothing new'}"
    steps.append(Step("prepare", "done", time.monotonic() - t0, f"{did} on {base.source}"))

    # 2. load, in the sandbox, while scan predicts for the prepared system (the first
    # prediction when nothing was installed): both only read the same files
    mounts = _mounts(target, options.mount_at)
    jobs = _jobs(target, options.mount_at, prepared.root)
    with ThreadPoolExecutor(max_workers=1) as pool:
        loading = pool.submit(_load, options, prepared.root, mounts, jobs)
        t1 = time.monotonic()
        same = first is not None and prepared.root == base.root
        report = first if same and first is not None else _predict(options, target, prepared.root)
        predict_seconds = time.monotonic() - t1
        observed, load_seconds = loading.result()
    if report.incomplete:
        warnings.append(f"scan could not analyse {len(report.errors)} files: not loaded")
    binaries = list(report.binaries)
    where = {b.path: _sandbox_path(target, options.mount_at, b.path) for b in binaries}
    t2 = time.monotonic()
    imports = _imports(options, prepared.root, mounts, binaries, where, observed)
    steps.append(
        Step(
            "predict",
            "done",
            predict_seconds if not same else 0.0,
            f"scan judged {len(binaries)} ELF files for the prepared system"
            + (" (the prediction made before preparing: nothing was installed)" if same else "")
            + ", while the loader ran",
        )
    )
    steps.append(
        Step(
            "load",
            "done",
            load_seconds + (time.monotonic() - t2 if imports else 0.0),
            f"{len(observed)} files through {_loader(prepared.root)} --list in one sandbox"
            + (f"; {len(imports)} imported" if imports else ""),
        )
    )

    # 3. smoke
    t2 = time.monotonic()
    commands = _commands(options, target)
    smoke = [_smoke(options, prepared.root, mounts, target, c) for c in commands]
    steps.append(
        Step(
            "smoke",
            "done" if commands else "skipped",
            time.monotonic() - t2,
            f"{sum(s.passed for s in smoke)}/{len(smoke)} commands passed"
            if commands
            else "no command given (-- CMD, or [verify] commands in a config file)",
        )
    )

    # 4. compare
    t3 = time.monotonic()
    by_path = {b.path: b for b in binaries}
    files = [
        _compare(b, observed.get(where[b.path]), where[b.path], imports.get(b.path), by_path)
        for b in binaries
    ]
    files.sort(key=lambda f: (f.agrees, f.path))  # disagreements first
    if options.progress is not None:  # the last line: ends the progress display
        options.progress(len(files), len(files), "files compared with the prediction")
    disagree = sum(not f.agrees for f in files)
    steps.append(
        Step(
            "compare",
            "failed" if disagree else "done",
            time.monotonic() - t3,
            f"{len(files) - disagree} of {len(files)} files agree with scan's prediction",
        )
    )
    not_loaded = [
        (r.path, r.reason if isinstance(r, SkippedFile) else r.error)
        for r in (*report.skipped, *report.errors)
        if isinstance(r, SkippedFile | FileError)
    ]
    return VerifyReport(
        target=str(options.target),
        target_kind=target.kind,
        mount_at=None if target.kind == "image" else options.mount_at,
        system=system,
        steps=tuple(steps),
        files=tuple(files),
        smoke=tuple(smoke),
        fail_on=options.fail_on,
        not_loaded=tuple(not_loaded),
        warnings=tuple(warnings + list(report.warnings)),
    )


# -- inputs --------------------------------------------------------------------------


def _validate(options: VerifyOptions) -> None:
    if not options.mount_at.startswith("/") or options.mount_at.rstrip("/") == "":
        raise InputError(f"--mount-at {options.mount_at}: must be an absolute path below /")
    if options.timeout <= 0:
        raise InputError(f"--timeout {options.timeout}: must be more than 0 seconds")
    if options.memory < 16 << 20:
        raise InputError(f"--memory {options.memory}: at least 16M")
    if options.alpine is not None and options.against is not None:
        raise InputError("--alpine and --against: give one system, not both")
    for repo in options.repositories:
        if "://" in repo:
            if not options.network:
                raise InputError(f"--repository {repo}: a URL needs --network")
        elif not Path(repo).is_dir():
            raise InputError(f"--repository {repo}: no such directory")


def _target(options: VerifyOptions) -> _Target:
    raw = options.target
    if isinstance(raw, str):
        named = classify(raw)
        if named.image is not None:
            if options.against is not None or options.alpine is not None:
                raise InputError(
                    f"{raw}: an image is its own system; --against and --alpine do not apply"
                )
            return _Target("image", None, named.image)
        path = Path(named.location or raw)
    else:
        path = raw
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        return _Target("directory", path, None)
    if not path.is_file():
        raise InputError(f"{path}: not a regular file or directory")
    if is_package_archive(path):
        raise InputError(
            f"{path}: a package archive; verify takes a directory, one ELF file or an "
            "image (install the package into a directory first)"
        )
    return _Target("file", path, None)


def _cache_dir(options: VerifyOptions) -> Path:
    cache = options.image.cache_dir or default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def _base(options: VerifyOptions, target: _Target, cache: Path) -> _Base:
    """The system before anything is installed: unpacked image or root filesystem."""
    if target.ref is not None:
        return _image_base(options, target.ref, cache)
    against = options.against
    if against is None:
        release = options.alpine or knowledge.default_release()
        named = classify(f"alpine:{release}")
        assert named.image is not None
        try:
            return _image_base(options, named.image, cache)
        except InputError as exc:
            raise InputError(
                f"{exc} (the system is the image alpine:{release}; offline, give one with "
                "--against IMAGE|ROOTFS)"
            ) from None
    if isinstance(against, str):
        named = classify(against)
        if named.image is not None:
            return _image_base(options, named.image, cache)
        against = Path(named.location or against)
    if not against.is_dir():
        raise InputError(f"--against {against}: not a root filesystem directory or an image")
    if not any(against.glob("lib/ld-musl-*.so.1")):
        raise InputError(
            f"--against {against}: not a musl root filesystem (no /lib/ld-musl-<arch>.so.1)"
        )
    return _Base(str(against), against.resolve(), _rootfs_digest(against), True)


def _image_base(options: VerifyOptions, ref: ImageReference, cache: Path) -> _Base:
    _progress(options, f"opening {ref}")
    try:
        source = open_image(ref, options.image)
        unpacked = unpack_image(source, cache / "verify", lambda m: _progress(options, m))
    except ImageError as exc:
        raise InputError(str(exc)) from None
    if not any(unpacked.root.glob("lib/ld-musl-*.so.1")):
        raise InputError(f"{ref}: not a musl image (no /lib/ld-musl-<arch>.so.1)")
    return _Base(str(ref), unpacked.root, unpacked.digest, unpacked.reused)


def _rootfs_digest(root: Path) -> str:
    """A root filesystem's identity: its path and its package database and release."""
    h = hashlib.sha256(str(root.resolve()).encode())
    for rel in ("lib/apk/db/installed", "etc/alpine-release", "etc/os-release"):
        p = root / rel
        if p.is_file():
            h.update(rel.encode() + b"\0" + p.read_bytes())
    return "sha256:" + h.hexdigest()


# -- the prediction --------------------------------------------------------------------


def _predict(options: VerifyOptions, target: _Target, root: Path) -> ScanReport:
    if target.kind == "image":
        scan_target: Path = root
        layout = "rootfs"
    else:
        assert target.path is not None
        scan_target, layout = target.path, "app"
    _progress(options, f"predicting with scan against {root}")
    return scan(
        ScanOptions(
            target=scan_target,
            against=root,
            layout=layout,
            mount_at=options.mount_at,
            jobs=options.jobs,
            offline=not options.network,
            image=options.image,
            allow_incomplete=True,
            allow_empty=True,
        )
    )


def _fix_packages(report: ScanReport) -> list[str]:
    """The packages of the prediction's ``apk add`` fixes (gcompat only when asked)."""
    out: set[str] = set()
    for b in report.binaries:
        for fix in b.fixes:
            if fix.kind is FixKind.APK_ADD:
                out.update(p for p in fix.packages if p != "gcompat")
    return sorted(out)


# -- the load step ---------------------------------------------------------------------


def _sandbox_path(target: _Target, mount_at: str, path: str) -> str:
    if target.kind == "image":
        return "/" + path
    return f"{mount_at.rstrip('/')}/{path}"


def _mounts(target: _Target, mount_at: str) -> list[Mount]:
    if target.path is None:
        return []
    source = target.path if target.kind == "directory" else target.path.parent
    return [Mount(source.resolve(), mount_at.rstrip("/"))]


def _loader(root: Path) -> str:
    found = sorted(root.glob("lib/ld-musl-*.so.1"))
    return "/" + found[0].relative_to(root).as_posix()


def _jobs(target: _Target, mount_at: str, root: Path) -> list[observe.Job]:
    """Every ELF file scan will judge (its walk), with its PT_INTERP and gcompat's preload."""
    stats = WalkStats()
    if target.kind == "image":
        found = walk(root, stats)
    else:
        assert target.path is not None
        found = (
            walk(target.path, stats) if target.kind == "directory" else single(target.path, stats)
        )
    preload = _gcompat_library(root)
    gc = knowledge.gcompat()
    stubs = {*gc.stub_loaders.values(), *gc.links}
    jobs = []
    for cand in found:
        at = _sandbox_path(target, mount_at, cand.relpath)
        if not observe.listable(at):
            continue
        interp = observe.pt_interp(cand.host)
        if interp is not None and not observe.listable(interp):
            interp = None
        stub = preload if preload is not None and interp in stubs else None
        jobs.append(observe.Job(at, interp, stub))
    return jobs


def _load(
    options: VerifyOptions,
    root: Path,
    mounts: list[Mount],
    jobs: list[observe.Job],
) -> tuple[dict[str, observe.Observation], float]:
    """Each job's observation, and the seconds the sandbox ran."""
    if not jobs:
        return {}, 0.0
    _progress(options, f"loading {len(jobs)} ELF files with Alpine's loader")
    token = observe.new_token()
    with tempfile.TemporaryDirectory(prefix="alpine-ready-verify-") as tmp:
        work = Path(tmp)
        (work / "load.sh").write_text(observe.loader_script(_loader(root), token))
        (work / "files").write_text(observe.list_text(jobs))
        outcome = sandbox_run(
            root,
            ["/bin/sh", f"{WORK_AT}/load.sh", f"{WORK_AT}/files"],
            mounts=[*mounts, Mount(work, WORK_AT)],
            limits=Limits(
                timeout=max(options.timeout, 60 + 0.5 * len(jobs)),
                memory=options.memory,
                output=LOAD_OUTPUT,
            ),
        )
    if outcome.timed_out:
        log.warning("the load step hit its time limit after %.1f s", outcome.seconds)
    return observe.parse(outcome.stdout.decode("utf-8", "surrogateescape"), token), outcome.seconds


def _gcompat_library(root: Path) -> str | None:
    """The library gcompat installs, when the system has it (a link counts: not followed)."""
    lib = knowledge.gcompat().library
    return lib if os.path.lexists(root / lib.lstrip("/")) else None


def _imports(
    options: VerifyOptions,
    root: Path,
    mounts: list[Mount],
    binaries: list[BinaryReport],
    where: dict[str, str],
    observed: dict[str, observe.Observation],
) -> dict[str, ImportCheck]:
    """Python extensions imported, Node addons required, when the system has the runtime."""
    if not options.imports:
        return {}
    python = _runtime(root, ("usr/bin/python3",))
    node = _runtime(root, ("usr/bin/node", "usr/local/bin/node"))
    lines = []
    for b in binaries:
        o = observed.get(where[b.path])
        if o is None or o.missing or o.bad:
            continue  # it does not load: the import would say the same
        if b.kind == "python-extension" and python and b.path.endswith(".so"):
            lines.append(f"python\t{where[b.path]}\n")
        elif b.kind == "node-addon" and node and b.path.endswith(".node"):
            lines.append(f"node\t{where[b.path]}\n")
    lines = [line for line in lines if observe.listable(line.rstrip("\n").split("\t", 1)[1])]
    if not lines:
        return {}
    _progress(options, f"importing {len(lines)} extension modules and addons")
    token = observe.new_token()
    with tempfile.TemporaryDirectory(prefix="alpine-ready-verify-") as tmp:
        work = Path(tmp)
        (work / "import.sh").write_text(observe.import_script(token, python, node))
        (work / "files").write_text("".join(lines))
        outcome = sandbox_run(
            root,
            ["/bin/sh", f"{WORK_AT}/import.sh", f"{WORK_AT}/files"],
            mounts=[*mounts, Mount(work, WORK_AT)],
            limits=Limits(
                timeout=max(options.timeout, 30 + 2.0 * len(lines)),
                memory=options.memory,
                output=LOAD_OUTPUT,
            ),
        )
    got = observe.parse_imports(outcome.stdout.decode("utf-8", "replace"), token)
    by_sandbox = {v: k for k, v in where.items()}
    out = {}
    for line in lines:
        runtime, path = line.rstrip("\n").split("\t", 1)
        rc, last = got.get(path, (None, "not run (the step stopped at a limit)"))
        out[by_sandbox[path]] = ImportCheck(runtime, rc == 0, "" if rc == 0 else last)
    return out


def _runtime(root: Path, candidates: tuple[str, ...]) -> str | None:
    for rel in candidates:
        if os.path.lexists(root / rel):  # a link is not followed: it may point anywhere
            return "/" + rel
    return None


# -- the comparison --------------------------------------------------------------------


def _compare(
    b: BinaryReport,
    o: observe.Observation | None,
    at: str,
    imported: ImportCheck | None,
    by_path: dict[str, BinaryReport],
) -> FileCheck:
    if o is None or o.rc is None:
        why = (
            "its path cannot be listed (a newline or tab in it)"
            if not observe.listable(at)
            else "the load step stopped before it (a time or output limit)"
        )
        return _check(b, at, imported, None, "not-run", (), (), (f"not observed: {why}",))
    missing = tuple(sorted({n for n, _ in o.missing}))
    own = {s for obj, s in o.unresolved if obj == at}
    diffs: list[str] = []
    if b.libc is Libc.STATIC or o.static:
        outcome = "static" if o.static else ("loads" if o.rc == 0 else "fails")
        if b.libc is not Libc.STATIC:
            diffs.append("the loader says it is not a dynamic program; scan judged it dynamic")
        elif outcome == "fails":
            diffs.append(f"scan says static (runs anywhere); the loader failed (exit {o.rc})")
    else:
        interp_ok = o.interpreter_present is not False or b.kind != "executable"
        if b.host_symbols:
            loads = (
                not o.missing
                and not o.bad
                and {s for _, s in o.unresolved} <= set(b.host_symbols)
                and interp_ok
            )
        else:
            loads = o.rc == 0 and interp_ok
        outcome = "loads" if loads else "fails"
        vendored = next((m.group(1) for r in b.reasons[:1] if (m := _VENDORED.search(r))), None)
        if vendored is None or vendored not in by_path:
            # (a vendored library judged inside its loader's load may not load alone)
            diffs += _differences(b, o, loads, missing, own)
        if o.stub is not None:
            # started as the kernel would: through gcompat's stub, libgcompat preloaded
            started = o.stub.rc == 0
            outcome = "loads" if started else "fails"
            expected = _predicted_start(b)
            if started != expected:
                diffs.append(
                    f"through gcompat's loader stub: scan predicted "
                    f"{'it loads' if expected else 'it does not load'} ({b.verdict.value}); "
                    f"the loader {'loaded it' if started else 'did not'} (exit {o.stub.rc})"
                )
    if o.truncated:
        diffs.append("the loader's output was cut at the output limit")
    return _check(b, at, imported, o, outcome, missing, tuple(sorted(own)), tuple(diffs))


def _differences(
    b: BinaryReport,
    o: observe.Observation,
    loads: bool,
    missing: tuple[str, ...],
    own: set[str],
) -> list[str]:
    """How the loader's plain ``--list`` differs from scan's facts for the system as it is."""
    diffs = []
    if loads != b.loads:
        diffs.append(
            f"scan predicted {'it loads' if b.loads else 'it does not load'}; "
            f"the loader {'loaded it' if loads else 'did not'} (exit {o.rc}"
            + (", interpreter missing" if o.interpreter_present is False else "")
            + ")"
        )
    if missing != tuple(b.missing_libraries):
        diffs.append(f"missing libraries: scan {list(b.missing_libraries)}, loader {list(missing)}")
    predicted_own = set(b.unresolved_symbols) | (set(b.host_symbols) & own)
    if predicted_own != own:
        only_scan = sorted(predicted_own - own)[:10]
        only_real = sorted(own - predicted_own)[:10]
        diffs.append(f"unresolved symbols: scan only {only_scan}, loader only {only_real}")
    seen = o.interpreter_present
    if b.kind == "executable" and seen is not None and seen != b.interpreter_present:
        diffs.append(
            f"interpreter {b.interpreter}: scan says "
            f"{'present' if b.interpreter_present else 'absent'}, the system has "
            f"{'it' if seen else 'not'}"
        )
    return diffs


def _predicted_start(b: BinaryReport) -> bool:
    """Does scan predict the executable starts through gcompat's stub (as installed)?"""
    return b.loads or (b.verdict is Verdict.NEEDS_GCOMPAT and not b.apk_packages)


def _check(
    b: BinaryReport,
    at: str,
    imported: ImportCheck | None,
    o: observe.Observation | None,
    outcome: str,
    missing: tuple[str, ...],
    unresolved: tuple[str, ...],
    differences: tuple[str, ...],
) -> FileCheck:
    return FileCheck(
        path=b.path,
        sandbox_path=at,
        kind=b.kind,
        libc=b.libc.value,
        verdict=b.verdict,
        predicted_loads=b.loads,
        predicted_missing=b.missing_libraries,
        predicted_unresolved=b.unresolved_symbols,
        observed=outcome,
        exit_code=o.rc if o is not None else None,
        observed_missing=missing,
        observed_unresolved=unresolved,
        observed_relocations=tuple(sorted(f"{obj}: type {t}" for obj, t in o.bad)) if o else (),
        loader_output=tuple(o.errors) if o is not None else (),
        stub_output=tuple(o.stub.errors) if o is not None and o.stub is not None else None,
        interpreter=b.interpreter,
        interpreter_present=o.interpreter_present if o is not None else None,
        differences=differences,
        reasons=b.reasons,
        fixes=b.fixes,
        import_check=imported,
    )


# -- the smoke step --------------------------------------------------------------------


def _commands(options: VerifyOptions, target: _Target) -> list[SmokeCommand]:
    if options.command:
        return [from_argv(options.command)]
    if target.kind == "directory" and target.path is not None:
        found = discover(target.path)
        if found is not None:
            return found[1]
    return []


def _smoke(
    options: VerifyOptions,
    root: Path,
    mounts: list[Mount],
    target: _Target,
    command: SmokeCommand,
) -> SmokeResult:
    _progress(options, f"smoke: {command.name}")
    cwd = options.mount_at.rstrip("/") if target.kind == "directory" else "/"
    out = sandbox_run(
        root,
        list(command.argv),
        mounts=mounts,
        network=options.network,
        limits=Limits(timeout=options.timeout, memory=options.memory, output=SMOKE_OUTPUT),
        cwd=cwd,
    )
    stdout = out.stdout.decode("utf-8", "replace")
    stderr = out.stderr.decode("utf-8", "replace")
    failures = command.check(out.exit_code, stdout + "\n" + stderr)
    if out.timed_out:
        failures.insert(0, f"killed at the time limit ({options.timeout:g} s)")
    elif out.signal is not None:
        failures.insert(0, f"killed by signal {out.signal}")
    if out.output_limited:
        failures.append(f"output beyond {SMOKE_OUTPUT} bytes: stopped")
    return SmokeResult(
        name=command.name,
        argv=command.argv,
        exit_code=out.exit_code,
        signal=out.signal,
        timed_out=out.timed_out,
        output_limited=out.output_limited,
        seconds=out.seconds,
        peak_memory=out.peak_memory,
        stdout=stdout[-SHOWN_OUTPUT:],
        stderr=stderr[-SHOWN_OUTPUT:],
        expected_exit=command.exit_code,
        failures=tuple(dict.fromkeys(failures)),
    )


def _progress(options: VerifyOptions, message: str) -> None:
    if options.progress is not None:
        options.progress(0, None, message)
