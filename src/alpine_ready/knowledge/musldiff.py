"""musl behaviour differences that are not about loading: ``data/musl-differences.json``.

A program that loads on musl may still behave differently from glibc: the default
thread stack size, the DNS resolver, collation, iconv, the allocator under many
threads, ``dlclose``… Each :class:`MuslDifference` says what differs, cites its
sources (musl's own "Functional differences from glibc" page first), names the
evidence that makes it relevant and the mitigation that exists on Alpine.

:func:`applicable` never invents: a difference applies only when one of its evidence
rules matches what was found -- symbols a binary imports (:class:`SymbolRule`), a
runtime (``node``), a package (``("python", "ujson")``) -- and each
:class:`Applicable` says which rule matched and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import load_json


@dataclass(frozen=True)
class SymbolRule:
    """Matches a binary that imports every ``all``, one ``any`` (if given), no ``none``."""

    why: str
    all: frozenset[str] = frozenset()
    any: frozenset[str] = frozenset()
    none: frozenset[str] = frozenset()

    def matches(self, symbols: frozenset[str]) -> bool:
        """Whether a set of imported symbol names satisfies the rule."""
        if not self.all and not self.any:
            return False
        return (
            self.all <= symbols
            and (not self.any or bool(self.any & symbols))
            and not (self.none & symbols)
        )

    def named(self, symbols: frozenset[str]) -> tuple[str, ...]:
        """The rule's symbols that ``symbols`` has (the evidence, sorted)."""
        return tuple(sorted((self.all | self.any) & symbols))


@dataclass(frozen=True)
class SourcedRule:
    """A runtime or package that makes a difference relevant, with its own source."""

    name: str
    why: str
    source: str
    ecosystem: str | None = None  # packages only: python | node


@dataclass(frozen=True)
class Mitigation:
    """What to do on Alpine: in words, the Alpine packages, the environment to set."""

    text: str
    packages: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MuslDifference:
    """One behaviour difference between musl and glibc."""

    id: str
    title: str
    level: str  # info | warning
    differs: str
    sources: tuple[str, ...]
    symbol_rules: tuple[SymbolRule, ...]
    runtimes: tuple[SourcedRule, ...]
    packages: tuple[SourcedRule, ...]
    mitigation: Mitigation


@dataclass(frozen=True)
class Evidence:
    """What was found about an application.

    ``symbols``: imported symbol names per binary (path -> names), or one set for all;
    ``runtimes``: ``python``, ``node``, ``java``, ``go``…; ``packages``:
    ``(ecosystem, name)`` pairs with names as the ecosystem spells them.
    """

    symbols: tuple[tuple[str, frozenset[str]], ...] = ()
    runtimes: frozenset[str] = frozenset()
    packages: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        symbols: Mapping[str, Iterable[str]] | None = None,
        runtimes: Iterable[str] = (),
        packages: Iterable[tuple[str, str]] = (),
    ) -> Evidence:
        """Build from plain collections (binary path -> its imported symbol names)."""
        return cls(
            symbols=tuple(sorted((p, frozenset(s)) for p, s in (symbols or {}).items())),
            runtimes=frozenset(r.lower() for r in runtimes),
            packages=frozenset((e.lower(), _norm(n)) for e, n in packages),
        )


@dataclass(frozen=True)
class Applicable:
    """A difference that applies, and the evidence that says so (one line each)."""

    difference: MuslDifference
    reasons: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The ``behaviour[]`` entry of check's JSON."""
        d = self.difference
        return {
            "id": d.id,
            "title": d.title,
            "level": d.level,
            "why": "; ".join(self.reasons),
            "differs": d.differs,
            "mitigation": d.mitigation.text,
            "packages": list(d.mitigation.packages),
            "source": d.sources[0],
            "sources": list(d.sources),
        }


def _norm(name: str) -> str:
    """A package name compared as its registry compares it (PEP 503 for PyPI's)."""
    return name.lower().replace("_", "-").replace(".", "-")


def _symbol_rule(d: dict[str, Any]) -> SymbolRule:
    return SymbolRule(
        why=d["why"],
        all=frozenset(d.get("all", ())),
        any=frozenset(d.get("any", ())),
        none=frozenset(d.get("none", ())),
    )


def _difference(d: dict[str, Any]) -> MuslDifference:
    ev = d["evidence"]
    m = d["mitigation"]
    return MuslDifference(
        id=d["id"],
        title=d["title"],
        level=d["level"],
        differs=d["differs"],
        sources=tuple(d["sources"]),
        symbol_rules=tuple(_symbol_rule(r) for r in ev["symbols"]),
        runtimes=tuple(SourcedRule(r["name"], r["why"], r["source"]) for r in ev["runtimes"]),
        packages=tuple(
            SourcedRule(_norm(p["name"]), p["why"], p["source"], p["ecosystem"])
            for p in ev["packages"]
        ),
        mitigation=Mitigation(
            text=m["text"],
            packages=tuple(m["packages"]),
            env=tuple(sorted(m["env"].items())),
        ),
    )


@cache
def _document() -> dict[str, Any]:
    """``knowledge/data/musl-differences.json`` (its one loader)."""
    doc: dict[str, Any] = load_json("musl-differences.json")
    return doc


@cache
def load() -> tuple[MuslDifference, ...]:
    """Every difference of the data file, in its order."""
    return tuple(_difference(d) for d in _document()["differences"])


@cache
def alpine_packages() -> dict[str, dict[str, str]]:
    """The Alpine packages the mitigations name: repository, APKBUILD source, what they give."""
    data: dict[str, dict[str, str]] = _document()["alpine_packages"]
    return data


def _reasons(diff: MuslDifference, evidence: Evidence) -> list[str]:
    out: list[str] = []
    for rule in diff.symbol_rules:
        hits = [
            (path, rule.named(names)) for path, names in evidence.symbols if rule.matches(names)
        ]
        if hits:
            shown = ", ".join(path for path, _ in hits[:3])
            more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
            symbols = sorted({s for _, named in hits for s in named})
            out.append(f"{shown}{more} {rule.why} ({', '.join(symbols)})")
    for rt in diff.runtimes:
        if rt.name in evidence.runtimes:
            out.append(f"runtime {rt.name}: {rt.why}")
    for pkg in diff.packages:
        if (pkg.ecosystem or "", pkg.name) in evidence.packages:
            out.append(f"{pkg.ecosystem} package {pkg.name}: {pkg.why}")
    return out


def applicable(evidence: Evidence) -> list[Applicable]:
    """The differences the evidence makes relevant, in the data file's order."""
    out = []
    for diff in load():
        reasons = _reasons(diff, evidence)
        if reasons:
            out.append(Applicable(diff, tuple(reasons)))
    return out


__all__ = [
    "Applicable",
    "Evidence",
    "Mitigation",
    "MuslDifference",
    "SourcedRule",
    "SymbolRule",
    "alpine_packages",
    "applicable",
    "load",
]
