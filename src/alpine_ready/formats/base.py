"""What every format gets besides the report: how the user asked for it to look."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderOptions:
    """``--all``, colour and width, as the CLI decided them."""

    verbose: bool = False  # --all: list every item, the fine ones too
    color: bool = False  # ANSI colour (a terminal, --color, NO_COLOR)
    width: int = 100  # the text width tables wrap at
