"""The terminal renderer of ``alpine-ready verify``: disagreements first.

Then the steps, the smoke commands, the files that do not load (as predicted), failed
imports, and the counts (every file with ``--all``).
"""

from __future__ import annotations

from ...report.level import Level
from ...verify.report import FileCheck, VerifyReport
from ..text import Styled, lines_text


def _mib(n: int | None) -> str:
    return "?" if n is None else f"{n / (1 << 20):.1f} MiB"


def _disagreement(f: FileCheck) -> list[str]:
    out: list[str] = [Styled(f"  {f.path}  ({f.kind}, {f.libc}, at {f.sandbox_path})", Level.ERROR)]
    out += [f"    - {d}" for d in f.differences]
    out.append(
        f"    predicted: {f.verdict.value}, loads={f.predicted_loads}, missing "
        f"{list(f.predicted_missing)}, unresolved {list(f.predicted_unresolved)[:10]}"
    )
    out.append(
        f"    observed:  {f.observed}, exit {f.exit_code}, missing {list(f.observed_missing)}, "
        f"unresolved {list(f.observed_unresolved)[:10]}"
    )
    out += [f"    loader: {line}" for line in f.loader_output[:10]]
    out += [f"    scan: {r}" for r in f.reasons[:5]]
    return out


def render(report: VerifyReport, *, verbose: bool = False, color: bool = False) -> str:
    """The report as terminal text."""
    s = report.summary()
    sys = report.system
    lines: list[str] = [
        f"alpine-ready verify: {report.target} ({report.target_kind})",
        f"system: {sys.source} ({sys.base_digest[:19]}…)"
        + (f" + {', '.join(sys.requested)}" if sys.requested else "")
        + (" [reused]" if sys.reused else ""),
    ]
    if report.mount_at:
        lines.append(f"mounted at: {report.mount_at} (read-only)")
    lines.append("")
    bad = report.disagreements
    if bad:
        lines.append(
            Styled(
                f"Disagreements -- scan's prediction and Alpine's loader differ "
                f"({len(bad)}): a bug, please report it",
                Level.ERROR,
            )
        )
        for f in bad:
            lines += _disagreement(f)
        lines.append("")
    lines.append("Steps")
    for step in report.steps:
        lines.append(f"  {step.name:<8} {step.status:<8} {step.seconds:7.2f} s  {step.detail}")
    lines.append("")
    if report.smoke:
        lines.append("Smoke commands")
        for sm in report.smoke:
            mark = "pass" if sm.passed else "FAIL"
            line = (
                f"  {mark}  {sm.name}: exit {sm.exit_code}, {sm.seconds:.2f} s, "
                f"peak {_mib(sm.peak_memory)}"
            )
            lines.append(line if sm.passed else Styled(line, Level.ERROR))
            lines += [f"        - {why}" for why in sm.failures]
        lines.append("")
    fails = [f for f in report.files if f.agrees and f.observed == "fails"]
    if fails:
        lines.append(f"Do not load, as predicted ({len(fails)})")
        for f in fails:
            head = f.loader_output[0] if f.loader_output else f"exit {f.exit_code}"
            lines.append(Styled(f"  {f.path}: {f.verdict.value} -- {head}", f.verdict.level))
            lines += [f"      fix: {x.text or x.description}" for x in f.fixes[:2]]
        lines.append("")
    failed_imports = [f for f in report.files if f.import_check and not f.import_check.ok]
    if failed_imports:
        lines.append(f"Imports that failed ({len(failed_imports)})")
        for f in failed_imports:
            assert f.import_check is not None
            lines.append(Styled(f"  {f.path}: {f.import_check.message}", Level.WARNING))
        lines.append("")
    if verbose:
        lines.append("Files")
        for f in report.files:
            mark = "agree" if f.agrees else "DIFFER"
            lines.append(f"  {mark:<6} {f.observed:<7} {f.verdict.value:<14} {f.path}")
        lines.append("")
    for w in report.warnings:
        lines.append(Styled(f"warning: {w}", Level.WARNING))
    obs = s["observed"]
    lines.append(
        f"{s['files']} ELF files: {s['agree']} agree with scan, {s['disagree']} disagree; "
        f"loaded {obs['loads']}, failed {obs['fails']}, static {obs['static']}"
        + (f", not run {obs['not-run']}" if obs["not-run"] else "")
        + (f"; {s['not_loaded']} not for this loader" if s["not_loaded"] else "")
    )
    if report.smoke:
        lines.append(f"smoke: {s['smoke']['passed']} passed, {s['smoke']['failed']} failed")
    lines.append(f"result: {report.result}")
    return lines_text(lines, color=color)
