"""Hostile inputs, one module per area, each a ``cases(work) -> list[Case]`` (see ``_case``)."""
