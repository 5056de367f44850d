"""A forgiving tokenizer for shell text bashlex cannot parse.

bashlex does not implement ``[[ … ]]``, ``case … esac``, ``$(( … ))``, ``for (( … ))``,
arrays (``a=(1 2)``), ``time``, ``select`` or ``coproc``, and gives up on unbalanced
quotes.  Official-image Dockerfiles use several of these (``case "$arch" in …``).  This
tokenizer still finds the simple commands and their word positions: it splits on the
control operators (``&&``, ``||``, ``;``, ``|``, ``&``, newlines) with quotes,
expansions and heredocs honoured, skips reserved words (``if``, ``then``, ``do``, …),
case patterns and arithmetic, groups ``[[ … ]]`` as one command, and parses ``$( … )``
bodies again.  It never raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._emit import Ctx, Emitter, W
from .script import Redirect, is_assignment
from .words import _skip_balanced, is_expansion_start, skip_expansion, unquote

_OPS = ("&&", "||", ";;&", ";;", ";&", "|&", ";", "|", "&", "(", ")")
_REDIRS = ("<<<", "<<-", "<<", "<>", "<&", ">&", ">>", ">|", "&>>", "&>", "<", ">")
_BREAK = frozenset(" \t\n;&|()<>")


@dataclass
class Tok:
    """A token: a word, an operator, a redirection (with its target) or ``(( … ))``."""

    kind: str  # "word" | "op" | "redir" | "arith"
    text: str
    start: int
    end: int
    fd: int | None = None
    target: Tok | None = None
    body: tuple[int, int] | None = None  # heredoc body span, for << and <<-


def tokenize(s: str, notes: list[str]) -> list[Tok]:
    """Split shell text into tokens; heredoc bodies are attached to their ``<<``."""
    toks: list[Tok] = []
    pending: list[tuple[Tok, str, bool]] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\\" and s.startswith("\n", i + 1):
            i += 2
            continue
        if c == "\n":
            toks.append(Tok("op", "\n", i, i + 1))
            i += 1
            if pending:
                i = _bodies(s, i, pending, notes)
                pending = []
            continue
        if c == "#":
            j = s.find("\n", i)
            i = n if j < 0 else j
            continue
        if s.startswith("((", i) and _at_command_start(toks):
            j = _skip_balanced(s, i, "(", ")")
            toks.append(Tok("arith", s[i:j], i, j))
            i = j
            continue
        process_subst = c in "<>" and s.startswith("(", i + 1)
        redir = None if process_subst else next((r for r in _REDIRS if s.startswith(r, i)), None)
        if redir is not None:
            i = _redirect(s, i, redir, toks, pending)
            continue
        op = None if process_subst else next((o for o in _OPS if s.startswith(o, i)), None)
        if op is not None:
            toks.append(Tok("op", op, i, i + len(op)))
            i += len(op)
            continue
        j = scan_word(s, i, notes)
        toks.append(Tok("word", s[i:j], i, j))
        i = j
    if pending:
        _bodies(s, n, pending, notes)
    return toks


def _at_command_start(toks: list[Tok]) -> bool:
    return (
        not toks
        or toks[-1].kind == "op"
        or toks[-1].text in ("then", "do", "else", "{", "!", "for")
    )


def _redirect(
    s: str, i: int, redir: str, toks: list[Tok], pending: list[tuple[Tok, str, bool]]
) -> int:
    fd = None
    if toks and toks[-1].kind == "word" and toks[-1].end == i and toks[-1].text.isdigit():
        fd = int(toks.pop().text)
    tok = Tok("redir", redir, i, i + len(redir), fd=fd)
    toks.append(tok)
    i += len(redir)
    while i < len(s) and s[i] in " \t":
        i += 1
    if i < len(s) and s[i] not in _BREAK:
        j = scan_word(s, i, [])
        tok.target = Tok("word", s[i:j], i, j)
        if redir in ("<<", "<<-"):
            pending.append((tok, unquote(s[i:j]).value, redir == "<<-"))
        i = j
    return i


def scan_word(s: str, i: int, notes: list[str]) -> int:
    """The end of the shell word starting at ``s[i]`` (quotes and expansions honoured)."""
    n = len(s)
    j = i
    while j < n:
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == "'":
            k = s.find("'", j + 1)
            if k < 0:
                _note(notes, "unterminated single quote in the shell text")
                return n
            j = k + 1
            continue
        if c == '"':
            k = j + 1
            while k < n and s[k] != '"':
                if s[k] == "\\":
                    k += 2
                elif s[k] in "$`" and is_expansion_start(s, k):
                    k = skip_expansion(s, k)
                else:
                    k += 1
            if k >= n:
                _note(notes, "unterminated double quote in the shell text")
                return n
            j = k + 1
            continue
        if c == "$" and s.startswith("'", j + 1):
            k = j + 2
            while k < n and s[k] != "'":
                k += 2 if s[k] == "\\" else 1
            j = min(k + 1, n)
            continue
        if c in "$`" and is_expansion_start(s, j):
            j = skip_expansion(s, j)
            continue
        if c in "<>" and j == i and s.startswith("(", j + 1):
            j = _skip_balanced(s, j + 1, "(", ")")
            continue
        if c == "(" and j > i and s[j - 1] == "=" and is_assignment(s[i:j]):
            j = _skip_balanced(s, j, "(", ")")
            continue
        if c in _BREAK:
            break
        j += 1
    return max(min(j, n), i + 1)


def _bodies(s: str, i: int, pending: list[tuple[Tok, str, bool]], notes: list[str]) -> int:
    n = len(s)
    for tok, delim, strip_tabs in pending:
        body_start = i
        while i < n:
            eol = s.find("\n", i)
            line_end = n if eol < 0 else eol
            line = s[i:line_end].rstrip("\r")
            if (line.lstrip("\t") if strip_tabs else line) == delim:
                tok.body = (body_start, i)
                i = n if eol < 0 else eol + 1
                break
            i = n if eol < 0 else eol + 1
        else:
            tok.body = (body_start, n)
            _note(notes, "unterminated heredoc in the shell text")
    return i


def _note(notes: list[str], text: str) -> None:
    if text not in notes:
        notes.append(text)


def substitution_spans(raw: str) -> list[tuple[int, int]]:
    """Spans of ``$( … )``, backtick and ``<( … )`` bodies inside one word's text."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(raw)
    in_double = False
    while i < n:
        c = raw[i]
        if c == "\\":
            i += 2
        elif c == "'" and not in_double:
            k = raw.find("'", i + 1)
            i = n if k < 0 else k + 1
        elif c == '"':
            in_double = not in_double
            i += 1
        elif c == "$" and raw.startswith("$((", i):
            i = skip_expansion(raw, i)
        elif c == "$" and raw.startswith("$(", i):
            j = skip_expansion(raw, i)
            spans.append((i + 2, max(i + 2, j - 1)))
            i = j
        elif c == "`":
            j = skip_expansion(raw, i)
            spans.append((i + 1, max(i + 1, j - 1)))
            i = j
        elif c in "<>" and i == 0 and raw.startswith("(", 1):
            j = _skip_balanced(raw, 1, "(", ")")
            spans.append((2, max(2, j - 1)))
            i = j
        elif c == "$" and is_expansion_start(raw, i):
            i = skip_expansion(raw, i)
        else:
            i += 1
    return spans


class Walker:
    """Group tokens into simple commands, tracking just enough shell structure."""

    def __init__(self, toks: list[Tok], em: Emitter, ctx: Ctx) -> None:
        self.toks, self.em, self.base = toks, em, ctx
        self.words: list[Tok] = []
        self.redirs: list[Tok] = []
        self.op_before = ctx.op_before
        self.pipe_in = ctx.pipe_input
        self.condition = False
        #: per open if/while/until/for: True once in its body (then, do, else)
        self.bodies: list[bool] = []
        self.subshell = 0
        self.braces: list[str] = []
        self.case: list[str] = []  # per open case: "header", "pattern" or "body"
        self.skip_to_separator = False  # ``for x in …`` header
        self.pending_function = False
        self.skip_words = 0
        self.dbracket = False
        self.after_close = False  # ``done < file``: a redirection of the whole loop

    def run(self) -> None:
        """Emit every command."""
        i = 0
        while i < len(self.toks):
            t = self.toks[i]
            if self.dbracket:
                self.words.append(t)
                self.dbracket = not (t.kind == "word" and t.text == "]]")
            elif t.kind == "op":
                self.op(t)
            elif t.kind == "redir":
                if not self.skip_to_separator and not self.after_close:
                    self.redirs.append(t)
            elif t.kind == "arith":
                if self.words:
                    self.words.append(t)
                else:
                    self.em.note("arithmetic command (( … )) not examined")
            elif self._function_def(i):
                i += 3
                continue
            else:
                self.word(t)
            i += 1
        self.flush(self.base.op_after)

    def _function_def(self, i: int) -> bool:
        t = self.toks
        if self.words or self.redirs or i + 2 >= len(t) or t[i].kind != "word":
            return False
        if (
            t[i + 1].kind == "op"
            and t[i + 1].text == "("
            and t[i + 2].kind == "op"
            and t[i + 2].text == ")"
        ):
            self.pending_function = True
            self.em.note("function definition: its commands run only when it is called")
            return True
        return False

    def word(self, t: Tok) -> None:
        """A word: a reserved word at command start, or part of the command."""
        text = t.text
        if self.skip_words:
            self.skip_words -= 1
            return
        if self.skip_to_separator:
            self._substitutions(t, self._ctx(None))
            return
        if self.case and self.case[-1] == "header":
            if text == "in":
                self.case[-1] = "pattern"
            return
        if self.words or self.redirs:
            self.words.append(t)
            return
        if self.case and self.case[-1] == "pattern":
            if text == "esac":
                self.case.pop()
            return
        if text in ("if", "elif", "while", "until"):
            self.condition = True
            if text == "elif" and self.bodies:
                self.bodies[-1] = False
            elif text != "elif":
                self.bodies.append(False)
        elif text in ("then", "do", "else"):
            self.condition = False
            if self.bodies:
                self.bodies[-1] = True
        elif text in ("fi", "done"):
            self.after_close = True
            if self.bodies:
                self.bodies.pop()
        elif text == "!":
            pass
        elif text == "esac":
            self.after_close = True
            if self.case:
                self.case.pop()
        elif text == "{":
            self.braces.append("function" if self.pending_function else "group")
            self.pending_function = False
        elif text == "}":
            self.after_close = True
            if self.braces:
                self.braces.pop()
        elif text == "function":
            self.skip_words = 1
            self.pending_function = True
            self.em.note("function definition: its commands run only when it is called")
        elif text in ("for", "select"):
            self.skip_to_separator = True
            self.bodies.append(False)
        elif text == "case":
            self.case.append("header")
        elif text == "[[":
            self.dbracket = True
            self.words.append(t)
        else:
            self.words.append(t)

    def op(self, t: Tok) -> None:
        """A control operator or parenthesis."""
        o = t.text
        self.after_close = False
        if self.skip_to_separator:
            if o in (";", "\n"):
                self.skip_to_separator = False
            return
        in_pattern = bool(self.case) and self.case[-1] == "pattern"
        if in_pattern:
            if o == ")":
                self.case[-1] = "body"
            return
        if o == "(":
            if not self.words and not self.redirs:
                self.subshell += 1
            return
        if o == ")":
            self.flush(None)
            self.subshell = max(0, self.subshell - 1)
            return
        if o in (";;", ";&", ";;&"):
            self.flush(o)
            if self.case:
                self.case[-1] = "pattern"
            self.op_before, self.pipe_in = None, False
            return
        if o == "\n" and not self.words and not self.redirs:
            return
        self.flush(o)
        self.pipe_in = o in ("|", "|&")
        self.op_before = o

    def _ctx(self, op_after: str | None) -> Ctx:
        b = self.base
        return Ctx(
            op_before=self.op_before,
            op_after=op_after,
            pipe_input=self.pipe_in,
            pipe_output=op_after in ("|", "|&") or (op_after is None and b.pipe_output),
            in_subshell=b.in_subshell or self.subshell > 0,
            in_substitution=b.in_substitution,
            in_function=b.in_function or "function" in self.braces,
            in_condition=b.in_condition or self.condition,
            background=b.background or op_after == "&",
            in_branch=b.in_branch or any(self.bodies) or any(c == "body" for c in self.case),
        )

    def flush(self, op_after: str | None) -> None:
        """Emit the command collected so far."""
        if not self.words and not self.redirs:
            return
        ctx = self._ctx(op_after)
        words: list[W] = [self.em.word(t.start, t.end) for t in self.words]
        for t in self.words:
            self._substitutions(t, ctx)
        redirects: list[Redirect] = []
        bodies: list[tuple[int, int]] = []
        for r in self.redirs:
            target = None if r.target is None else self.em.word(r.target.start, r.target.end)
            redirects.append(self.em.redirect(r.text, r.fd, target, r.start))
            if r.body is not None:
                bodies.append(r.body)
        self.em.emit(words, redirects, ctx, bodies)
        self.words, self.redirs = [], []

    def _substitutions(self, t: Tok, ctx: Ctx) -> None:
        if t.kind != "word":
            return
        for start, end in substitution_spans(t.text):
            self.em.substitution(t.start + start, t.start + end, ctx)


def walk(text: str, em: Emitter, ctx: Ctx) -> None:
    """Tokenize ``text`` and emit its commands (never raises on odd input)."""
    Walker(tokenize(text, em.notes), em, ctx).run()
