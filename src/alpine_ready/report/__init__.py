"""The one report model every command shares, and the committed JSON schemas.

- :mod:`.level` -- the ranked scale (``ok`` < ``style`` < ``info`` < ``warning`` <
  ``error``) every verdict, status and severity maps onto;
- :mod:`.item` -- the item shape every format renders (subject, code, level, message,
  reasons, structured fixes, location);
- :mod:`.base` -- the :class:`~.base.Report` base and its :class:`~.base.ReportCore`;
- :mod:`.codes` -- what each item code means.
"""

from __future__ import annotations

from typing import Any


def schema(name: str) -> dict[str, Any]:
    """The committed JSON Schema ``report/schema/NAME`` (``scan-v3.json``…)."""
    import json
    from importlib import resources

    text = resources.files(__package__).joinpath("schema", name).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]
