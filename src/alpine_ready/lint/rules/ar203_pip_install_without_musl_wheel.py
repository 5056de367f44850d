"""AR203 pip-install-without-musl-wheel: ``pip install`` of a package with no musl wheel.

On an Alpine stage, each package operand of ``pip install`` pinned with ``==`` or named
alone (``numpy>=2`` counts as named: pip picks the newest release) is looked up with the
dependency check (:attr:`LintContext.pip_checker`).  Reported, at the package's word:
``source-build`` (no musllinux wheel: pip compiles the sdist, which needs build-base and
headers and is slow), ``unavailable`` (neither wheel nor sdist: the install fails), and
``upgrade`` (this version builds from source, a newer one has a wheel).  Nothing is
reported without a checker, or for names it does not know; requirements files
(``-r requirements.txt``), paths, URLs and installs from a local wheel directory or
another index are not looked at (see ``alpine-ready deps`` for requirements files).

For a source build the message names the exact ``apk add`` line when the checker knows
it (:meth:`alpine_ready.lint.pipcheck.PipCheck.build_packages`: the packages the sdist's
own build files call for, ``psycopg2`` → ``build-base libpq-dev``, through ``deps``' sdist
reading and ``knowledge/data/build-deps.json``), else the generic advice.  No edit: where
the ``apk add`` goes (a ``.build-deps`` group, a builder stage) is the author's choice.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import Stage
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import only_binary_all, pip_installs, pip_statuses, stage_python

META = RuleMeta(
    code="AR203",
    name="pip-install-without-musl-wheel",
    severity=Severity.WARNING,
    category="musl",
    doc=RuleDoc(
        summary="`pip install` of a package that has no musl wheel on an Alpine stage",
        what="A package given to `pip install` on an Alpine stage for which the package "
        "index has no musllinux wheel for that version: it builds from source, cannot "
        "be installed at all, or needs an upgrade to a version that has one. Needs the "
        "dependency check (online, or its cache); silent without it.",
        why="pip never installs manylinux (glibc) wheels on musl. Without a musllinux "
        "wheel it compiles the sdist (build-base, headers, sometimes Rust or Fortran; "
        "minutes to an hour) or fails when there is no sdist either (torch, "
        "onnxruntime).",
        example="FROM python:3.12-alpine\nRUN pip install --no-cache-dir duckdb==2.0.1",
        instead="FROM python:3.12-alpine\n# the newest duckdb with a musllinux wheel\n"
        "RUN pip install --no-cache-dir duckdb==1.3.2\n# or keep a glibc base "
        "(python:3.12-slim) for this service",
    ),
)


def _build_packages(ctx: LintContext, query: str, stage: Stage) -> tuple[str, ...]:
    """The checker's ``apk add`` packages for building ``query`` (empty: not known).

    Asked of the checker for the stage's Python, as :func:`pip_statuses` does.
    """
    checker: object = ctx.pip_checker
    python = stage_python(ctx, stage)
    for_python = getattr(checker, "for_python", None)
    if python is not None and callable(for_python):
        checker = for_python(python)
    got = getattr(checker, "build_packages", None)
    if not callable(got):
        return ()
    try:
        packages = got(query)
    except Exception:  # a lint never fails on a lookup
        return ()
    return tuple(str(p) for p in packages or ())


def _message(query: str, status: str, only_binary: bool, packages: tuple[str, ...] = ()) -> str:
    if status == "unavailable":
        return (
            f"pip install {query} on Alpine: no musllinux wheel and no sdist: pip "
            f"cannot install it; keep this service on a glibc base image or replace it "
            f"(alpine-ready deps shows the details)"
        )
    line = "apk add --no-cache " + " ".join(packages) if packages else ""
    if status == "upgrade":
        build = f"; to build this one: {line} before it" if line else ""
        return (
            f"pip install {query} on Alpine: this version has no musllinux wheel (pip "
            f"builds it from source) but a newer release has one: upgrade it "
            f"(alpine-ready deps names the version){build}"
        )
    if only_binary:
        return (
            f"pip install {query} on Alpine: no musllinux wheel, and --only-binary "
            f":all: forbids the source build: the install fails"
        )
    if line:
        return (
            f"pip install {query} on Alpine: no musllinux wheel: pip compiles it from "
            f"source; its build files need {line} before it (slow; or keep a glibc base)"
        )
    return (
        f"pip install {query} on Alpine: no musllinux wheel: pip compiles it from "
        f"source (needs build-base and the -dev packages it links; slow)"
    )


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per package that builds, cannot install, or needs an upgrade."""
        if ctx.pip_checker is None:
            return
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            for _ins, cmd, reqs in pip_installs(ctx, stage):
                statuses = pip_statuses(ctx, reqs, stage)
                for req in reqs:
                    status = statuses.get(req.query)
                    if status not in ("source-build", "unavailable", "upgrade"):
                        continue
                    yield ctx.finding(
                        META,
                        req.word.start,
                        _message(
                            req.query,
                            status,
                            only_binary_all(cmd),
                            _build_packages(ctx, req.query, stage),
                        ),
                        end=req.word.end,
                    )


RULE = Rule()
