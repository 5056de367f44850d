"""Walk a bashlex syntax tree into the emitter, keeping operator context.

bashlex has no type information; its nodes are handled as ``Any`` behind the few
accessors below and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import bashlex  # type: ignore[import-untyped]
import bashlex.errors  # type: ignore[import-untyped]
import bashlex.subst  # type: ignore[import-untyped]

from ._emit import Ctx, Emitter
from ._fallback import scan_word

_ORIGINAL_PARAMEXPAND = bashlex.subst._paramexpand


def _paramexpand(parserobj: Any, string: str, sindex: int) -> Any:
    """Bashlex's ``_paramexpand``, without its endless loop.

    bashlex 0.18 looks for the ``}`` of a ``${`` with ``str.find`` and, finding none,
    restarts the word from its first character, appending a node each time: a word
    such as ``'${'x`` or ``$'${'`` (a quoted ``${``, which its tokenizer lets through)
    grows without bound (gigabytes in seconds).  Such a word is a parse error here,
    so the caller falls back to the tokenizer of :mod:`._fallback`.
    """
    if string.startswith("${", sindex) and string.find("}", sindex + 2) < 0:
        raise bashlex.errors.ParsingError("bad substitution: no closing '}'", string, sindex)
    return _ORIGINAL_PARAMEXPAND(parserobj, string, sindex)


bashlex.subst._paramexpand = _paramexpand

_QUOTED_DELIM = re.compile(r"<<(-?)([ \t]*)(?:(['\"])([^'\"\s]+)\3|\\([^\s]+))")


def parse_trees(text: str) -> tuple[list[Any] | None, str]:
    """Parse ``text`` with bashlex: its trees, or (None, a one-line reason) when it fails.

    bashlex rejects quoted heredoc delimiters (``<<'EOF'``); on that error the delimiters
    are rewritten unquoted, padded to the same length so offsets do not move, and the
    parse is tried again.
    """
    try:
        return list(bashlex.parse(text)), ""
    except Exception as exc:  # bashlex raises many types (ParsingError, NotImplementedError…)
        # only text is kept: the exception's traceback holds this frame and its callers,
        # a cycle that would keep the whole run alive while the collector is paused
        message, kind = str(exc), type(exc).__name__
    if "here-document" in message:
        fixed = _QUOTED_DELIM.sub(_unquote_delimiter, text)
        if fixed != text:
            try:
                return list(bashlex.parse(fixed)), ""
            except Exception:
                pass  # the first error is the one worth reporting
    reason = (message.splitlines() or [""])[0].strip()
    return None, f"{kind}: {reason}" if reason else kind


def _unquote_delimiter(m: re.Match[str]) -> str:
    name = m.group(4) or m.group(5) or ""
    replacement = f"<<{m.group(1)}{m.group(2)}{name}"
    return replacement + " " * (len(m.group(0)) - len(replacement))


def walk(trees: list[Any], em: Emitter, ctx: Ctx) -> None:
    """Emit every simple command of bashlex's top-level trees (separated by newlines)."""
    for k, tree in enumerate(trees):
        before = ctx.op_before if k == 0 else "\n"
        after = "\n" if k < len(trees) - 1 else ctx.op_after
        _node(tree, em, replace(ctx, op_before=before, op_after=after))


def _kind(n: Any) -> str:
    return str(getattr(n, "kind", ""))


def _pos(n: Any) -> tuple[int, int]:
    start, end = n.pos
    return int(start), int(end)


def _node(n: Any, em: Emitter, ctx: Ctx) -> None:
    kind = _kind(n)
    if kind == "list":
        _list(n, em, ctx)
    elif kind == "pipeline":
        _pipeline(n, em, ctx)
    elif kind == "command":
        _command(n, em, ctx)
    elif kind == "compound":
        _compound(n, em, ctx)
    elif kind in ("if", "while", "until"):
        _control(n, em, ctx)
    elif kind == "for":
        body = False
        for part in n.parts:
            if _kind(part) in ("word", "assignment"):
                _substitutions(part, em, ctx)
            elif _kind(part) == "reservedword":
                body = body or str(part.word) == "do"
            else:
                _node(part, em, replace(ctx, in_branch=ctx.in_branch or body))
    elif kind == "function":
        em.note("function definition: its commands run only when it is called")
        for part in n.parts:
            if _kind(part) not in ("word", "reservedword"):
                _node(part, em, replace(ctx, in_function=True))
    elif kind in ("word", "assignment"):
        _substitutions(n, em, ctx)
    elif kind in ("operator", "pipe", "reservedword", "parameter", "tilde", "heredoc"):
        return
    else:
        for child in list(getattr(n, "parts", None) or getattr(n, "list", None) or []):
            _node(child, em, ctx)


def _list(n: Any, em: Emitter, ctx: Ctx) -> None:
    parts = list(n.parts)
    for j, part in enumerate(parts):
        if _kind(part) == "operator":
            continue
        before = ctx.op_before
        if j > 0 and _kind(parts[j - 1]) == "operator":
            before = str(parts[j - 1].op)
        after = ctx.op_after
        if j + 1 < len(parts) and _kind(parts[j + 1]) == "operator":
            after = str(parts[j + 1].op)
        _node(
            part,
            em,
            replace(
                ctx, op_before=before, op_after=after, background=ctx.background or after == "&"
            ),
        )


def _pipeline(n: Any, em: Emitter, ctx: Ctx) -> None:
    elements: list[Any] = []
    pipes: list[str] = []
    for part in n.parts:
        kind = _kind(part)
        if kind == "pipe":
            pipes.append(str(part.pipe))
        elif kind != "reservedword":
            elements.append(part)
    last = len(elements) - 1
    for i, element in enumerate(elements):
        before = ctx.op_before if i == 0 else pipes[i - 1] if i - 1 < len(pipes) else "|"
        after = ctx.op_after if i == last else pipes[i] if i < len(pipes) else "|"
        _node(
            element,
            em,
            replace(
                ctx,
                op_before=before,
                op_after=after,
                pipe_input=ctx.pipe_input or i > 0,
                pipe_output=ctx.pipe_output or i < last,
            ),
        )


def _command(n: Any, em: Emitter, ctx: Ctx) -> None:
    words = []
    redirects = []
    bodies: list[tuple[int, int]] = []
    for part in n.parts:
        kind = _kind(part)
        if kind in ("word", "assignment"):
            words.append(em.word(*_pos(part)))
            _substitutions(part, em, ctx)
        elif kind == "redirect":
            output = getattr(part, "output", None)
            target = None
            if output is not None and _kind(output) == "word":
                start, end = _pos(output)
                if str(part.type) in ("<<", "<<-"):  # the delimiter may have been unquoted
                    end = scan_word(em.script, start, [])
                target = em.word(start, end)
                _substitutions(output, em, ctx)
            fd = getattr(part, "input", None)
            redirects.append(
                em.redirect(
                    str(part.type), fd if isinstance(fd, int) else None, target, _pos(part)[0]
                )
            )
            heredoc = getattr(part, "heredoc", None)
            if heredoc is not None:
                start, end = _pos(heredoc)
                cut = em.script.rfind("\n", start, end)
                bodies.append((start, cut + 1 if cut >= 0 else start))
    em.emit(words, redirects, ctx, bodies)


def _substitutions(n: Any, em: Emitter, ctx: Ctx) -> None:
    for part in list(getattr(n, "parts", None) or []):
        kind = _kind(part)
        if kind in ("commandsubstitution", "processsubstitution"):
            inner = replace(
                ctx,
                in_substitution=True,
                op_before=None,
                op_after=None,
                pipe_input=False,
                pipe_output=False,
            )
            _node(part.command, em, inner)
        else:
            _substitutions(part, em, ctx)


def _compound(n: Any, em: Emitter, ctx: Ctx) -> None:
    items = list(n.list)
    inner = ctx
    if items and _kind(items[0]) == "reservedword" and str(items[0].word) == "(":
        second = items[1] if len(items) > 1 else None
        if (
            second is not None
            and _kind(second) == "compound"
            and second.list
            and _kind(second.list[0]) == "reservedword"
            and str(second.list[0].word) == "("
            and _pos(second)[0] == _pos(items[0])[1]
        ):
            em.note("arithmetic command (( … )) not examined")
            return
        inner = replace(ctx, in_subshell=True)
    for child in items:
        if _kind(child) != "reservedword":
            _node(child, em, inner)


def _control(n: Any, em: Emitter, ctx: Ctx) -> None:
    condition = False
    for part in n.parts:
        if _kind(part) == "reservedword":
            word = str(part.word)
            if word in ("if", "elif", "while", "until"):
                condition = True
            elif word in ("then", "do", "else"):
                condition = False
            continue
        _node(
            part,
            em,
            replace(
                ctx,
                in_condition=ctx.in_condition or condition,
                in_branch=ctx.in_branch or not condition,
            ),
        )
