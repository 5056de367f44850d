"""The final filesystem of layers applied in order (whiteouts, opaque dirs, overwrites).

Removals look below a path only when something was ever added below it; this is
checked against the plain definition (every path under the removed one goes) on
random stacks of layers, hostile ones included (a file with entries below it).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpine_ready.inputs.image import filesystem as fsmod
from alpine_ready.inputs.image.layers import Entry, LayerAnalysis

NAMES = ["a", "b", "a/b", "a/c", "a/b/c", "b/a", "c/c/c", "d", "d/e"]
KINDS = ["file", "file", "dir", "symlink", "hardlink", "whiteout", "opaque"]


def _plain_remove(fs: fsmod.ImageFS, path: str, layer: int, how: str, *, include_self: bool) -> int:
    """The definition: every path under ``path`` (and itself) goes."""
    prefix = path + "/" if path else ""
    removed = 0
    for p in [p for p in fs.entries if p.startswith(prefix) or (include_self and p == path)]:
        old = fs.entries.pop(p)
        if old.kind != "dir":
            removed += 1
            if old.kind == "file" and old.size:
                fs.wasted.append(
                    fsmod.Wasted(p, old.size, f"{how} in layer {layer + 1}", old.layer)
                )
    return removed


layer_st = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(KINDS), st.integers(0, 5)), max_size=8
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(layer_st, min_size=1, max_size=4))
def test_build_removes_what_the_definition_removes(stack: list[list[tuple[str, str, int]]]) -> None:
    layers = []
    for i, spec in enumerate(stack):
        la = LayerAnalysis(f"sha256:{i}", 0)
        la.entries = [
            Entry(p, k, size, 0o644, "a" if k == "hardlink" else None) for p, k, size in spec
        ]
        layers.append(la)
    got = fsmod.build(layers)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fsmod, "_remove", _plain_remove)
        want = fsmod.build(layers)
    assert got.entries == want.entries
    assert got.wasted == want.wasted and got.stats == want.stats
