"""AR209: ``pip install`` into the Python of ``apk add python3`` on Alpine 3.19+ (PEP 668).

Dockerfiles written the ways people do it: the ones pip refuses (system pip, ``pip3
--user``, ``python3 -m pip``) fire; a venv, the override (flag, ENV, inline), the
official ``python:*-alpine`` images, ``--target``/``--prefix`` and releases before 3.19
do not.
"""

from __future__ import annotations

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule

APK = "RUN apk add --no-cache python3 py3-pip\n"


def _lint(text: str) -> list[tuple[int, int]]:
    found = rule("AR209")
    assert found is not None
    ctx = LintContext(parse_text(text), options={})
    return [(f.line, f.column) for f in found.check(ctx)]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("FROM alpine:3.20\n" + APK + "RUN pip install requests\n", [(3, 5)], id="pip"),
        pytest.param(
            "FROM alpine:3.19\nRUN apk add --no-cache python3 py3-pip && pip3 install --user "
            "requests\n",
            [(2, 43)],
            id="pip3-user",
        ),
        pytest.param(
            "FROM alpine\nRUN apk add python3 && python3 -m ensurepip "
            "&& python3 -m pip install requests\n",
            [(2, 48)],
            id="untagged-module",
        ),
        pytest.param(
            "FROM alpine:3.21 AS base\n"
            + APK
            + "FROM base\nRUN pip install --no-cache-dir flask\n",
            [(4, 5)],
            id="child-stage",
        ),
        pytest.param(
            "FROM alpine:3.20\nRUN apk add python3 py3-pip\nRUN /usr/bin/pip3 install -r req.txt\n",
            [(3, 5)],
            id="system-path",
        ),
    ],
)
def test_fires(text: str, where: list[tuple[int, int]]) -> None:
    assert _lint(text) == where


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM alpine:3.18\n" + APK + "RUN pip install requests\n", id="3.18"),
        pytest.param(
            "FROM python:3.12-alpine\nRUN apk add --no-cache python3\nRUN pip install requests\n",
            id="python-image",
        ),
        pytest.param(
            "FROM alpine:3.20\n" + APK + "RUN pip install --break-system-packages requests\n",
            id="flag",
        ),
        pytest.param(
            "FROM alpine:3.20\nENV PIP_BREAK_SYSTEM_PACKAGES=1\n" + APK + "RUN pip install x\n",
            id="env",
        ),
        pytest.param(
            "FROM alpine:3.20\nARG PIP_BREAK_SYSTEM_PACKAGES=1\n" + APK + "RUN pip install x\n",
            id="arg",
        ),
        pytest.param(
            "FROM alpine:3.20\n" + APK + "RUN PIP_BREAK_SYSTEM_PACKAGES=1 pip install x\n",
            id="inline",
        ),
        pytest.param(
            "FROM alpine:3.20\nRUN apk add --no-cache python3 && python3 -m venv /opt/venv "
            "&& /opt/venv/bin/pip install requests\n",
            id="venv-path",
        ),
        pytest.param(
            "FROM alpine:3.20\nRUN apk add --no-cache python3\nRUN python3 -m venv /venv\n"
            "ENV PATH=/venv/bin:$PATH\nRUN pip install requests\n",
            id="venv-on-path",
        ),
        pytest.param(
            "FROM alpine:3.20\nRUN apk add python3 py3-virtualenv && virtualenv /v\n"
            "ENV VIRTUAL_ENV=/v PATH=/v/bin:$PATH\nRUN pip install requests\n",
            id="virtualenv",
        ),
        pytest.param(
            "FROM alpine:3.20\n" + APK + "RUN pip install --target /deps x\n", id="target"
        ),
        pytest.param(
            "FROM alpine:3.20\n" + APK + "RUN pip install --prefix=/install x\n", id="prefix"
        ),
        pytest.param(
            "FROM alpine:3.20\n" + APK + "RUN rm /usr/lib/python3*/EXTERNALLY-MANAGED\n"
            "RUN pip install x\n",
            id="marker-removed",
        ),
        pytest.param(
            "FROM alpine:3.20\n" + APK + "RUN pip config set global.break-system-packages true"
            " && pip install x\n",
            id="pip-config",
        ),
        pytest.param("FROM alpine:3.20\nRUN pip install requests\n", id="no-apk-python"),
        pytest.param(
            "FROM debian:12\nRUN apt-get install -y python3-pip && pip install x\n", id="debian"
        ),
    ],
)
def test_does_not_fire(text: str) -> None:
    assert _lint(text) == []
