"""The verify report: what ran, what was seen, and where it disagrees with scan.

Frozen records every renderer reads; nothing here runs anything.  ``to_json`` is the
versioned contract (``report/schema/verify-v1.json``).

Each ELF file of TARGET is a :class:`FileCheck`: scan's prediction for the prepared
system beside what Alpine's own loader did with it in the sandbox.  A file whose
observation differs from the prediction is a *disagreement* (AR801): a bug in the
prediction or in the observation, listed first with everything needed to report it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..analysis.report import Verdict
from ..report.base import CommandName, Report, ReportCore
from ..report.codes import info
from ..report.item import Fix, FixKind, Item, Location, Subject, SubjectKind
from ..report.level import Level

SCHEMA_VERSION = 1

#: What the loader did with a file (:attr:`FileCheck.observed`).
OBSERVED = ("loads", "fails", "static", "not-run")


@dataclass(frozen=True)
class Step:
    """One step of the run (prepare, load, smoke, compare) and how it went."""

    name: str
    status: str  # done | skipped | failed
    seconds: float
    detail: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ImportCheck:
    """A Python extension imported, or a Node addon required, by the system's interpreter."""

    runtime: str  # python | node
    ok: bool
    message: str  # the interpreter's last line when it failed

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"runtime": self.runtime, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class FileCheck:
    """One ELF file: scan's prediction and the real loader's observation."""

    path: str  # as scan reports it (relative to TARGET, or to the image's root)
    sandbox_path: str  # where the loader saw it
    kind: str
    libc: str
    verdict: Verdict  # scan's, for the prepared system
    predicted_loads: bool
    predicted_missing: tuple[str, ...]
    predicted_unresolved: tuple[str, ...]
    observed: str  # loads | fails | static | not-run
    exit_code: int | None
    observed_missing: tuple[str, ...]
    observed_unresolved: tuple[str, ...]  # symbols of the file itself the loader did not find
    observed_relocations: tuple[str, ...]  # unsupported relocation types ("OBJ: TYPE")
    loader_output: tuple[str, ...]  # the loader's error lines, as printed (bounded)
    interpreter: str | None
    interpreter_present: bool | None  # seen in the sandbox (None: no PT_INTERP)
    differences: tuple[str, ...]  # empty when the observation agrees with the prediction
    reasons: tuple[str, ...] = ()  # scan's reasons
    fixes: tuple[Fix, ...] = ()  # scan's fixes
    import_check: ImportCheck | None = None
    # a glibc executable on a system with gcompat: loaded again the way gcompat's loader
    # stub starts it (libgcompat preloaded); ``observed`` is that outcome, these its lines
    stub_output: tuple[str, ...] | None = None

    @property
    def agrees(self) -> bool:
        """Does the observation equal the prediction?"""
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        """The ``files[]`` entry of the JSON contract."""
        return {
            "path": self.path,
            "sandbox_path": self.sandbox_path,
            "kind": self.kind,
            "libc": self.libc,
            "verdict": self.verdict.value,
            "predicted": {
                "loads": self.predicted_loads,
                "missing_libraries": list(self.predicted_missing),
                "unresolved_symbols": list(self.predicted_unresolved),
            },
            "observed": {
                "outcome": self.observed,
                "exit_code": self.exit_code,
                "missing_libraries": list(self.observed_missing),
                "unresolved_symbols": list(self.observed_unresolved),
                "unsupported_relocations": list(self.observed_relocations),
                "interpreter": self.interpreter,
                "interpreter_present": self.interpreter_present,
                "loader_output": list(self.loader_output),
                "through_gcompat_stub": self.stub_output is not None,
                "stub_output": list(self.stub_output) if self.stub_output is not None else None,
            },
            "agrees": self.agrees,
            "differences": list(self.differences),
            "import": self.import_check.to_json() if self.import_check else None,
        }


@dataclass(frozen=True)
class SmokeResult:
    """One smoke command: what ran, what it did, what was expected."""

    name: str
    argv: tuple[str, ...]
    exit_code: int | None
    signal: int | None
    timed_out: bool
    output_limited: bool
    seconds: float
    peak_memory: int | None
    stdout: str  # bounded, decoded with replacement
    stderr: str
    expected_exit: int
    failures: tuple[str, ...]  # why it failed (empty: passed)

    @property
    def passed(self) -> bool:
        """Did it do what was expected?"""
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        """The ``smoke[]`` entry of the JSON contract."""
        return {
            "name": self.name,
            "argv": list(self.argv),
            "exit_code": self.exit_code,
            "signal": self.signal,
            "timed_out": self.timed_out,
            "output_limited": self.output_limited,
            "seconds": round(self.seconds, 3),
            "peak_memory": self.peak_memory,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "expected_exit_code": self.expected_exit,
            "passed": self.passed,
            "failures": list(self.failures),
        }


@dataclass(frozen=True)
class Prepared:
    """The system the files ran on."""

    source: str  # the image reference or root filesystem it started from
    base_digest: str
    key: str
    reused: bool
    requested: tuple[str, ...]  # packages asked of apk
    installed: tuple[str, ...]  # what apk added
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "source": self.source,
            "base_digest": self.base_digest,
            "key": self.key,
            "reused": self.reused,
            "requested": list(self.requested),
            "installed": list(self.installed),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class VerifyReport(Report):
    """The whole answer of ``alpine-ready verify``."""

    command: ClassVar[CommandName] = "verify"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    target: str
    target_kind: str  # directory | file | image
    mount_at: str | None  # where an application tree sat (None for an image)
    system: Prepared
    steps: tuple[Step, ...]
    files: tuple[FileCheck, ...]
    smoke: tuple[SmokeResult, ...]
    fail_on: Verdict
    not_loaded: tuple[tuple[str, str], ...] = ()  # (path, why): skipped or unreadable by scan
    warnings: tuple[str, ...] = field(default=())

    @property
    def disagreements(self) -> tuple[FileCheck, ...]:
        """The files whose observation differs from the prediction."""
        return tuple(f for f in self.files if not f.agrees)

    @property
    def smoke_failures(self) -> tuple[SmokeResult, ...]:
        """The smoke commands that did not do what was expected."""
        return tuple(s for s in self.smoke if not s.passed)

    @property
    def load_failures(self) -> tuple[FileCheck, ...]:
        """Files that do not load (as predicted) at or above ``--fail-on``."""
        return tuple(
            f
            for f in self.files
            if f.agrees and f.observed == "fails" and f.verdict.rank >= self.fail_on.rank
        )

    @property
    def failed(self) -> bool:
        """A disagreement, a failed smoke command, or a load failure at or above --fail-on."""
        return bool(self.disagreements or self.smoke_failures or self.load_failures)

    @property
    def result(self) -> str:
        """``fail`` or ``pass``."""
        return "fail" if self.failed else "pass"

    def summary(self) -> dict[str, Any]:
        """The counts at the top of every format."""
        observed = {o: sum(1 for f in self.files if f.observed == o) for o in OBSERVED}
        imports = [f.import_check for f in self.files if f.import_check is not None]
        return {
            "files": len(self.files),
            "agree": sum(1 for f in self.files if f.agrees),
            "disagree": len(self.disagreements),
            "observed": observed,
            "not_loaded": len(self.not_loaded),
            "imports": {
                "ok": sum(1 for i in imports if i.ok),
                "failed": sum(1 for i in imports if not i.ok),
            },
            "smoke": {
                "passed": sum(1 for s in self.smoke if s.passed),
                "failed": len(self.smoke_failures),
            },
            "system_reused": self.system.reused,
        }

    def items(self) -> tuple[Item, ...]:
        """Disagreements first, then smoke failures, load failures, failed imports."""
        out = [_disagreement(f) for f in self.disagreements]
        out += [_smoke_item(s) for s in self.smoke_failures]
        out += [_load_item(f) for f in self.files if f.agrees and f.observed == "fails"]
        out += [_import_item(f) for f in self.files if f.import_check and not f.import_check.ok]
        return tuple(out)

    def core(self) -> ReportCore:
        """The verify run as every format sees it."""
        ok = sum(1 for f in self.files if f.agrees and f.observed in ("loads", "static"))
        return ReportCore(
            command="verify",
            schema_version=SCHEMA_VERSION,
            target=self.target,
            items=self.items(),
            threshold=self.fail_on.level,
            failed=self.failed,
            result=self.result,
            summary=self.summary(),
            ok=ok + sum(1 for s in self.smoke if s.passed),
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``report/schema/verify-v1.json``)."""
        core = self.core()
        return {
            **core.head(),
            "target_kind": self.target_kind,
            "mount_at": self.mount_at,
            "fail_on": self.fail_on.value,
            "system": self.system.to_json(),
            "steps": [s.to_json() for s in self.steps],
            "summary": core.summary,
            "disagreements": [f.path for f in self.disagreements],
            "files": [f.to_json() for f in self.files],
            "not_loaded": [{"path": p, "reason": r} for p, r in self.not_loaded],
            "smoke": [s.to_json() for s in self.smoke],
            "warnings": list(self.warnings),
            "items": core.items_json(),
        }


def _disagreement(f: FileCheck) -> Item:
    code = info("AR801")
    evidence = (
        *f.differences,
        f"predicted: verdict {f.verdict.value}, loads={f.predicted_loads}, "
        f"missing {list(f.predicted_missing)}, unresolved {list(f.predicted_unresolved)[:20]}",
        f"observed: {f.observed} (exit {f.exit_code}) in the sandbox at {f.sandbox_path}",
        *(f"loader: {line}" for line in f.loader_output[:20]),
        *(f"scan: {r}" for r in f.reasons),
    )
    return Item(
        Subject(SubjectKind.FILE, f.path),
        code.code,
        code.name,
        Level.ERROR,
        f"{f.path}: scan predicted {'loads' if f.predicted_loads else 'does not load'}, "
        f"the loader says {f.observed} -- {f.differences[0]}",
        evidence,
        (
            Fix(
                FixKind.COMMAND,
                "report it with this item's evidence and the file (alpine-ready verify "
                "--format json keeps the whole observation)",
            ),
        ),
        Location(f.path),
    )


def _smoke_item(s: SmokeResult) -> Item:
    code = info("AR803")
    tail = [line for line in (s.stderr or s.stdout).splitlines() if line.strip()][-5:]
    return Item(
        Subject(SubjectKind.FILE, s.name),
        code.code,
        code.name,
        Level.ERROR,
        f"smoke {s.name}: {s.failures[0]}",
        (*s.failures, f"argv: {list(s.argv)}", *(f"output: {line}" for line in tail)),
    )


def _load_item(f: FileCheck) -> Item:
    code = info("AR802")
    head = f.loader_output[0] if f.loader_output else f"exit {f.exit_code}"
    if f.interpreter_present is False:
        head = f"interpreter {f.interpreter} not found"
    return Item(
        Subject(SubjectKind.FILE, f.path),
        code.code,
        code.name,
        f.verdict.level if f.verdict is not Verdict.OK else Level.ERROR,
        f"{f.path}: does not load, as predicted ({f.verdict.value}) -- {head}",
        (*f.loader_output[:20], *(f"scan: {r}" for r in f.reasons)),
        f.fixes,
        Location(f.path),
    )


def _import_item(f: FileCheck) -> Item:
    code = info("AR804")
    assert f.import_check is not None
    verb = "import" if f.import_check.runtime == "python" else "require()"
    return Item(
        Subject(SubjectKind.FILE, f.path),
        code.code,
        code.name,
        Level.WARNING,
        f"{f.path}: {verb} by the system's {f.import_check.runtime} failed -- "
        f"{f.import_check.message}",
        (f.import_check.message,),
        location=Location(f.path),
    )
