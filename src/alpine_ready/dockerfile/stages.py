"""The stages of a Dockerfile as a tree (``FROM earlier-stage``), for constant-time questions.

A stage's parent is always an earlier stage, so the stages form a forest whose every
question -- the root of a chain, whether one stage builds on another, the nearest
ancestors that run something -- is answered here from arrays filled in one pass,
never by walking a chain per question (a 20,000-stage chain is a legal 440 KB file).

:data:`MAX_LINEAGE` bounds the one walk that remains: the history of a stage (its
RUNs and those of the stages it builds on) follows at most that many stages *that
hold a RUN*; a deeper chain is cut there, and :attr:`StageTree.cut` says where.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Stage

#: How many stages with RUN instructions a stage's history follows up its FROM chain.
MAX_LINEAGE = 64


@dataclass(frozen=True)
class StageTree:
    """Parent links of the stages, with what is derived from them once."""

    parent: tuple[int | None, ...]
    root: tuple[int, ...]  # the stage each chain starts from
    enter: tuple[int, ...]  # pre-order number (depth-first over the forest)
    leave: tuple[int, ...]  # the largest pre-order number in the stage's subtree
    runs_up: tuple[int | None, ...]  # itself if it has a RUN, else its nearest such ancestor

    @classmethod
    def of(cls, stages: tuple[Stage, ...]) -> StageTree:
        """The tree of ``stages`` (a parent that is not earlier is ignored)."""
        n = len(stages)
        parent: list[int | None] = []
        root: list[int] = []
        runs_up: list[int | None] = []
        children: list[list[int]] = [[] for _ in range(n)]
        for s in stages:
            p = s.parent if s.parent is not None and s.parent < s.index else None
            parent.append(p)
            root.append(root[p] if p is not None else s.index)
            if p is not None:
                children[p].append(s.index)
            has_run = any(i.keyword == "RUN" for i in s.instructions)
            runs_up.append(s.index if has_run else (runs_up[p] if p is not None else None))
        enter = [0] * n
        leave = [0] * n
        clock = 0
        for top in range(n):
            if parent[top] is not None:
                continue
            stack: list[tuple[int, bool]] = [(top, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    leave[node] = clock - 1
                    continue
                enter[node] = clock
                clock += 1
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children[node]))
        return cls(tuple(parent), tuple(root), tuple(enter), tuple(leave), tuple(runs_up))

    def builds_on(self, descendant: int, ancestor: int) -> bool:
        """True when stage ``descendant`` is ``ancestor`` or is built on it (any depth)."""
        return self.enter[ancestor] <= self.enter[descendant] <= self.leave[ancestor]

    def lineage(self, stage: int) -> tuple[list[int], bool]:
        """(the stages with a RUN in ``stage``'s history, oldest first; whether it was cut).

        At most :data:`MAX_LINEAGE` stages; ``stage`` itself is included when it has a RUN.
        """
        out: list[int] = []
        node = self.runs_up[stage]
        while node is not None and len(out) < MAX_LINEAGE:
            out.append(node)
            p = self.parent[node]
            node = self.runs_up[p] if p is not None else None
        out.reverse()
        return out, node is not None
