"""The report base every command's ``run()`` returns.

A command's report keeps its own typed records (a scan's binaries, a deps run's
packages, lint's findings) and its own JSON fields; what every report has in common
is its :class:`ReportCore`: the schema version, the tool version, the command, the
target, the items (:mod:`.item`), the summary, the ``--fail-on`` threshold and the
result. Formats that need no knowledge of the command (markdown, SARIF, the JSON
envelope) read only the core.
"""

from __future__ import annotations

import abc
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from .. import __version__
from .item import Item
from .level import Level

TOOL = "alpine-ready"

#: Every command that returns a report (formats dispatch on it, exhaustively).
CommandName = Literal[
    "scan", "inspect", "compare", "deps", "lint", "rule", "translate", "check", "verify", "fleet"
]


@dataclass(frozen=True)
class ReportCore:
    """What every report has: who made it, about what, the items, and the verdict."""

    command: CommandName
    schema_version: int
    target: str
    items: tuple[Item, ...]  # every finding at style level or above (ok ones are counted)
    threshold: Level  # --fail-on in force
    failed: bool  # an item at or above the threshold (or the command's own rule)
    result: str  # pass | fail | incomplete | … (the command's word for its outcome)
    summary: dict[str, Any] = field(default_factory=dict)
    ok: int = 0  # subjects that are fine: counted, not listed as items
    tool_version: str = __version__

    def levels(self) -> dict[str, int]:
        """How many items there are at each level (every level named, mildest first)."""
        counts = Counter(i.level for i in self.items)
        counts[Level.OK] += self.ok
        return {level.value: counts.get(level, 0) for level in Level}

    def head(self) -> dict[str, Any]:
        """The first keys of every command's JSON, in this order."""
        return {
            "schema_version": self.schema_version,
            "tool": TOOL,
            "tool_version": self.tool_version,
            "command": self.command,
            "target": self.target,
            "result": self.result,
            "failed": self.failed,
            "fail_on_level": self.threshold.value,
            "levels": self.levels(),
        }

    def items_json(self) -> list[dict[str, Any]]:
        """The ``items`` list of every command's JSON."""
        return [i.to_json() for i in self.items]


class Report(abc.ABC):
    """The base of every command's report (frozen dataclasses all)."""

    #: the command that makes it (``scan``), and its JSON schema's version
    command: ClassVar[CommandName]
    schema_version: ClassVar[int]

    @abc.abstractmethod
    def core(self) -> ReportCore:
        """What this report has in common with every other."""

    @abc.abstractmethod
    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract.

        :meth:`ReportCore.head`, then the command's own fields, then the ``items``.
        """

    def failed_at(self, threshold: Level) -> bool:
        """Whether an item is at or above ``threshold``."""
        return any(i.level.at_or_above(threshold) for i in self.core().items)
