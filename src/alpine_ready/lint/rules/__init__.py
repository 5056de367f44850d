"""The rule registry: every module in this package named ``arNNN_*.py`` defines ``RULE``.

A rule is an object with ``meta`` (:class:`~..model.RuleMeta`) and
``check(ctx) -> Iterable[Finding]``.  :data:`RULES` lists them in code order;
:func:`rule` finds one by code or name.  The rule docs page (``docs/rules.md``) is
generated from this registry by ``tools/gen_rule_docs.py``; a test fails when it drifts.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Protocol

from ..context import LintContext
from ..model import Finding, RuleMeta


class Rule(Protocol):
    """What every rule module's ``RULE`` provides."""

    meta: RuleMeta

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        """The findings of this rule in ``ctx.dockerfile``."""
        ...


def _load() -> tuple[Rule, ...]:
    found: list[Rule] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("ar"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if rule is None:
            raise RuntimeError(f"lint rule module {info.name} defines no RULE")
        if not info.name.startswith(rule.meta.code.lower()):
            raise RuntimeError(f"lint rule module {info.name} holds {rule.meta.code}")
        found.append(rule)
    codes = [r.meta.code for r in found]
    names = [r.meta.name for r in found]
    if len(set(codes)) != len(codes) or len(set(names)) != len(names):
        raise RuntimeError("duplicate lint rule code or name")
    return tuple(sorted(found, key=lambda r: r.meta.code))


RULES: tuple[Rule, ...] = _load()


def rule(code_or_name: str) -> Rule | None:
    """The rule with this code (``AR101``, any case) or name, or None."""
    key = code_or_name.strip()
    for r in RULES:
        if r.meta.code.lower() == key.lower() or r.meta.name == key:
            return r
    return None
