"""AR209 pip-install-into-system-python: ``pip install`` into Alpine's own Python (PEP 668).

On an Alpine stage of release 3.19 or later (from the ``FROM`` tag; an untagged or
``latest`` ``alpine`` is the newest release the tool knows) whose Python comes from
``apk add python3``/``py3-pip`` (not the official ``python:*-alpine`` images: their
Python is in ``/usr/local`` with no ``EXTERNALLY-MANAGED`` marker).  Since 3.19 Alpine's
python3 package ships ``/usr/lib/python3.X/EXTERNALLY-MANAGED`` (PEP 668), and pip then
refuses to install into that interpreter: ``error: externally-managed-environment``, and
the build fails.  ``--user`` is refused too (pip checks the marker for every install
into the running environment).

Not flagged (pip allows these, or the author chose): ``--break-system-packages``,
``PIP_BREAK_SYSTEM_PACKAGES`` in ENV/ARG or on the command, ``--target``/``--prefix``/
``--root``, a pip given by path that is not the system one (``/opt/venv/bin/pip``), and,
to stay conservative, any stage whose build creates a virtual environment (``-m venv``,
``virtualenv``, ``uv venv``), sets ``VIRTUAL_ENV``, writes ``break-system-packages`` to a
pip config or removes the ``EXTERNALLY-MANAGED`` file before the install.

Sources: PEP 668 (peps.python.org/pep-0668); Alpine 3.19.0 release notes
(alpinelinux.org/posts/Alpine-3.19.0-released.html, wiki.alpinelinux.org/wiki/
Release_Notes_for_Alpine_3.19.0: "Python: pip now refuses to install packages system-wide
(PEP 668)"); pip's ``install`` command (``check_externally_managed`` unless ``--target``,
``--prefix``, ``--root`` or ``--break-system-packages``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ... import knowledge
from ...dockerfile import Instruction, ParsedCommand, Stage
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import ApkOps, official_name, root_image, stage_chain

META = RuleMeta(
    code="AR209",
    name="pip-install-into-system-python",
    severity=Severity.ERROR,
    category="musl",
    doc=RuleDoc(
        summary="`pip install` into the Python of `apk add python3` (PEP 668) on Alpine 3.19+",
        what="On an Alpine 3.19+ stage whose Python comes from `apk add python3`/`py3-pip`: "
        "`pip install`, `pip3 install` or `python3 -m pip install` without a virtual "
        "environment, `--break-system-packages` (or `PIP_BREAK_SYSTEM_PACKAGES=1`), "
        "`--target`, `--prefix` or `--root`. `--user` is flagged too. The official "
        "`python:*-alpine` images are never flagged (their Python is in /usr/local and "
        "not marked externally managed).",
        why="Since Alpine 3.19 the python3 package ships `/usr/lib/python3.X/"
        "EXTERNALLY-MANAGED` (PEP 668): pip refuses to install into the system Python "
        "with `error: externally-managed-environment` and the build fails.",
        example="FROM alpine:3.20\nRUN apk add --no-cache python3 py3-pip\n"
        "RUN pip install --no-cache-dir requests",
        instead="FROM alpine:3.20\nRUN apk add --no-cache python3\n"
        "RUN python3 -m venv /opt/venv \\\n && /opt/venv/bin/pip install --no-cache-dir "
        "requests\nENV PATH=/opt/venv/bin:$PATH\n# or: apk add py3-requests; or pip "
        "install --break-system-packages, knowingly",
    ),
)

#: The first Alpine release whose python3 is marked externally managed.
FIRST = (3, 19)
_SYSTEM_PYTHON = ("python3", "py3-pip")
_OPT_OUT = re.compile(
    r"break-system-packages|BREAK_SYSTEM_PACKAGES|EXTERNALLY-MANAGED|VIRTUAL_ENV"
    r"|-m\s+venv\b|\bvirtualenv\b|\buv\s+venv\b|-m\s+virtualenv\b",
    re.IGNORECASE,
)
_EXEMPT_OPTIONS = ("break-system-packages", "target", "prefix", "root", "t")


def _release(ctx: LintContext, stage: Stage) -> tuple[int, int] | None:
    facts = ctx.facts(stage)
    version = facts.alpine_version
    if version is None:
        image = root_image(ctx, stage)
        if image is None or image.tag not in (None, "latest"):
            return None
        version = knowledge.default_release()
    m = re.match(r"(\d+)\.(\d+)", version)
    return (int(m[1]), int(m[2])) if m else None


def _opted_out(ctx: LintContext, stage: Stage, ins: Instruction, cmd: ParsedCommand) -> bool:
    """A venv, the override or the marker's removal written before this pip (conservative)."""
    for s in stage_chain(ctx, stage):
        for other in s.instructions:
            if other.index >= ins.index:
                break
            if _OPT_OUT.search(other.text):
                return True
    script = ctx.script(ins)
    before = [c for c in script.commands if c.position < cmd.command.position]
    text = " ".join(w.value for c in before for w in (*c.assignments, *c.argv))
    own = " ".join(w.value for w in cmd.command.assignments)
    return bool(_OPT_OUT.search(text) or _OPT_OUT.search(own))


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``pip install`` into the externally managed Python."""
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            if official_name(root_image(ctx, stage)) != "alpine":
                continue  # python:*-alpine and other images: their own Python
            release = _release(ctx, stage)
            if release is None or release < FIRST:
                continue
            ops = ApkOps.of(ctx, stage)
            for ins, cmd in ctx.commands(stage, "pip"):
                if cmd.subcommand != "install" or cmd.command.in_function:
                    continue
                if cmd.has(*_EXEMPT_OPTIONS) or cmd.has("dry-run"):
                    continue
                program = cmd.command.argv[0].value if cmd.command.argv else ""
                if "/" in program and not program.startswith(("/usr/bin/", "/bin/")):
                    continue  # /opt/venv/bin/pip, /venv/bin/python -m pip
                at = cmd.command.position
                if not any(ops.has(p, at) for p in _SYSTEM_PYTHON):
                    continue
                if _opted_out(ctx, stage, ins, cmd):
                    continue
                yield ctx.finding(
                    META,
                    at,
                    f"pip install into Alpine {release[0]}.{release[1]}'s system Python "
                    f"(apk's python3) fails: it is marked EXTERNALLY-MANAGED (PEP 668), "
                    f"pip stops with error: externally-managed-environment; install into "
                    f"a venv (python3 -m venv /opt/venv && /opt/venv/bin/pip install …), "
                    f"use apk's py3-* packages, or add --break-system-packages knowingly",
                )


RULE = Rule()
