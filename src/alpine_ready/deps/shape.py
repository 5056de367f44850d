"""Typed access to a parsed dependency document: a wrong shape is a one-line error.

A lockfile is attacker-controlled: ``package = 3`` where an array of tables belongs,
a number where a version string belongs.  Every parser of :mod:`.sources` reads its
document through a :class:`Doc`, which checks the type
of each value it hands out and raises

    uv.lock: unexpected structure at package[3].version (expected a string)

(:class:`~alpine_ready.errors.InputError`) instead of letting an ``AttributeError``
or ``TypeError`` escape from deep inside the parser.  Keys quoted in the path are
escaped and shortened (:func:`~alpine_ready.guard.excerpt`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeVar

from ..errors import InputError
from ..guard import excerpt

T = TypeVar("T")

_KIND: dict[str, dict[type, str]] = {
    "JSON": {dict: "an object", list: "an array"},
    "TOML": {dict: "a table", list: "an array"},
    "YAML": {dict: "a mapping", list: "a sequence"},
}
_COMMON: dict[type, str] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    float: "a number",
}


def key_path(where: str, key: str | int) -> str:
    """``where.key`` / ``where[i]``: the path of a value, for messages (keys escaped)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    shown = excerpt(key)
    if not shown.replace("-", "").replace("_", "").isalnum():
        shown = f"'{shown}'"
    return f"{where}.{shown}" if where else shown


@dataclass(frozen=True)
class Doc:
    """One parsed document (``display`` names it in messages) and its syntax's words."""

    display: str
    syntax: Literal["JSON", "TOML", "YAML"]

    def expected(self, kind: type) -> str:
        """'a string', 'a table', … for a Python type."""
        return _KIND[self.syntax].get(kind) or _COMMON.get(kind) or kind.__name__

    def fail(self, where: str, expected: str) -> NoReturn:
        """Raise the one-line error for a value at ``where`` that is not ``expected``."""
        at = where or "the top level"
        raise InputError(f"{self.display}: unexpected structure at {at} (expected {expected})")

    def check(self, value: Any, where: str, kind: type[T]) -> T:
        """``value`` if it is a ``kind`` (a bool is no integer), else :meth:`fail`."""
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        self.fail(where, self.expected(kind))

    def req(self, obj: Mapping[str, Any], key: str, where: str, kind: type[T]) -> T:
        """``obj[key]``, which must be there and be a ``kind``."""
        path = key_path(where, key)
        if key not in obj:
            self.fail(path, self.expected(kind))
        return self.check(obj[key], path, kind)

    def get(self, obj: Mapping[str, Any], key: str, where: str, kind: type[T], default: T) -> T:
        """``obj[key]`` as a ``kind``; ``default`` when it is missing or null."""
        value = obj.get(key)
        if value is None:
            return default
        return self.check(value, key_path(where, key), kind)

    def opt(self, obj: Mapping[str, Any], key: str, where: str, kind: type[T]) -> T | None:
        """``obj[key]`` as a ``kind``, or None when it is missing or null."""
        value = obj.get(key)
        if value is None:
            return None
        return self.check(value, key_path(where, key), kind)

    def tables(self, value: Any, where: str) -> list[dict[str, Any]]:
        """An array whose every item is a table (object, mapping)."""
        items = self.check(value, where, list)
        for i, item in enumerate(items):
            self.check(item, key_path(where, i), dict)
        return items

    def strings(self, value: Any, where: str) -> list[str]:
        """An array of strings."""
        items = self.check(value, where, list)
        for i, item in enumerate(items):
            self.check(item, key_path(where, i), str)
        return items
