"""The decision: ``fits``, ``fits-with-changes`` or ``not-recommended``, by the data's rules.

The rules are ``knowledge/data/check-rules.json`` (:mod:`alpine_ready.knowledge.checkrules`):
every rule that applies becomes a :class:`~.report.Reason`; the worst decision among them
decides. CR1 (a blocker without a musl way out), CR2 (source builds over the threshold)
and CR3 (a musl behaviour difference the application depends on) make it
``not-recommended``; CR4 (something besides the base must change) ``fits-with-changes``;
else CR5, ``fits``.
"""

from __future__ import annotations

from ..knowledge.checkrules import CheckRules, check_rules
from ..report.item import Fix, FixKind
from ..report.level import Level
from .report import Behaviour, Decision, Finding, Reason


def way_out(fix: Fix, level: Level, rules: CheckRules) -> bool:
    """Does ``fix`` lead to a musl build (see check-rules.json ``way_out``)?"""
    if fix.kind.value not in rules.way_out_kinds:
        return False
    if rules.way_out_needs_text and not (fix.text or fix.packages):
        return False
    if fix.description.startswith(rules.additive_prefix):
        return False
    if fix.kind is FixKind.APK_ADD and level is Level.ERROR:
        return not set(fix.packages) <= rules.not_rescuing
    return not (fix.kind is FixKind.COMMAND and fix.text.startswith("alpine-ready "))


def counted(finding: Finding, rules: CheckRules) -> bool:
    """Does the finding ask for a change (its level at or above its parts' counted level)?"""
    levels = [rules.counted_levels.get(e.part, Level.INFO) for e in finding.evidence]
    return finding.item.level.at_or_above(min(levels, key=lambda lv: lv.rank))


def _ids(findings: list[Finding]) -> str:
    shown = ", ".join(f"{f.id} {f.item.subject.name}" for f in findings[:5])
    return shown + (f" and {len(findings) - 5} more" if len(findings) > 5 else "")


def decide(
    findings: tuple[Finding, ...],
    behaviour: tuple[Behaviour, ...],
    *,
    dockerfile_changes: int,
    max_source_builds: int,
    rules: CheckRules | None = None,
) -> tuple[Decision, tuple[Reason, ...]]:
    """The decision and every rule that applied (the deciding one first)."""
    r = rules if rules is not None else check_rules()
    reasons: list[Reason] = []

    cr1 = r.rule("CR1")
    stuck = [
        f
        for f in findings
        if f.item.level in cr1.levels
        and not any(way_out(x, f.item.level, r) for x in f.item.fixes)
        and not {e.code for e in f.evidence} <= set(cr1.except_codes)
    ]
    if stuck:
        reasons.append(
            Reason(
                cr1.id,
                Decision(cr1.decision),
                f"{len(stuck)} blocker(s) without a musl way out: {_ids(stuck)}",
                tuple(f.id for f in stuck),
            )
        )

    cr2 = r.rule("CR2")
    builds = [f for f in findings if any(e.code in cr2.codes for e in f.evidence)]
    if len(builds) > max_source_builds:
        reasons.append(
            Reason(
                cr2.id,
                Decision(cr2.decision),
                f"{len(builds)} dependencies compile from source on Alpine, more than "
                f"the {max_source_builds} allowed (--max-source-builds): {_ids(builds)}",
                tuple(f.id for f in builds),
            )
        )

    cr3 = r.rule("CR3")
    depends = [b for b in behaviour if b.depends]
    if depends:
        reasons.append(
            Reason(
                cr3.id,
                Decision(cr3.decision),
                "the application depends on musl behaviour that differs from glibc: "
                + ", ".join(f"{b.id} ({b.why})" for b in depends),
            )
        )

    cr4 = r.rule("CR4")
    asked = [f for f in findings if counted(f, r) and f.item.level in cr4.levels]
    if asked or dockerfile_changes:
        what = []
        if asked:
            what.append(f"{len(asked)} finding(s) with fixes: {_ids(asked)}")
        if dockerfile_changes:
            what.append(f"{dockerfile_changes} Dockerfile change(s) besides the base image")
        reasons.append(
            Reason(cr4.id, Decision(cr4.decision), "; ".join(what), tuple(f.id for f in asked))
        )

    if not reasons:
        cr5 = r.rule("CR5")
        reasons.append(
            Reason(cr5.id, Decision(cr5.decision), "nothing to change but the base image")
        )
    reasons.sort(key=lambda x: -x.decision.rank)
    return reasons[0].decision, tuple(reasons)


__all__ = ["counted", "decide", "way_out"]
