"""The decision rules of ``check`` (``data/check-rules.json``), read through this loader only.

Policy as data: which decision each rule reaches, what it reacts to in words and in item
codes and levels, the default source-build threshold, what counts as a musl way out of a
blocker, and from which level each part's findings ask for a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..report.level import Level
from . import load_json


@dataclass(frozen=True)
class CheckRule:
    """One rule: its id, the decision it reaches, and what it reacts to."""

    id: str
    name: str
    decision: str
    when: str
    levels: tuple[Level, ...]
    codes: tuple[str, ...]
    except_codes: tuple[str, ...] = ()  # findings with only these codes never trigger it


@dataclass(frozen=True)
class CheckRules:
    """Every rule in order, and the policy figures they use."""

    rules: tuple[CheckRule, ...]
    max_source_builds: int
    way_out_kinds: frozenset[str]
    way_out_needs_text: bool
    not_rescuing: frozenset[str]
    additive_prefix: str  # a fix that only comes on top of another ("also needs")
    counted_levels: dict[str, Level]

    def rule(self, rule_id: str) -> CheckRule:
        """The rule ``rule_id`` (``CR1``)."""
        return next(r for r in self.rules if r.id == rule_id)


@cache
def check_rules() -> CheckRules:
    """The rules of ``check-rules.json``."""
    d = load_json("check-rules.json")
    rules = tuple(
        CheckRule(
            r["id"],
            r["name"],
            r["decision"],
            r["when"],
            tuple(Level.parse(x) for x in r["levels"]),
            tuple(r["codes"]),
            tuple(r.get("except_codes", ())),
        )
        for r in d["rules"]
    )
    counted = {k: Level.parse(v) for k, v in d["counted_levels"].items() if k != "source"}
    return CheckRules(
        rules=rules,
        max_source_builds=int(d["defaults"]["max_source_builds"]),
        way_out_kinds=frozenset(d["way_out"]["fix_kinds"]),
        way_out_needs_text=bool(d["way_out"]["needs_text_or_packages"]),
        not_rescuing=frozenset(d["way_out"]["not_rescuing_packages"]),
        additive_prefix=str(d["way_out"]["additive_prefix"]),
        counted_levels=counted,
    )


__all__ = ["CheckRule", "CheckRules", "check_rules"]
