"""translate adds the GNU tool a RUN's options need where busybox's applet lacks them.

The Dockerfiles are ours; the option lists come from the real busybox
(``tools/gen_rootfs_facts.py``, whose ``--check`` test_knowledge runs), so ``sort -V``
(busybox has it) adds nothing.
"""

from __future__ import annotations

import pytest

from alpine_ready.knowledge.busyboxopts import busybox_options
from alpine_ready.translate import translate_text


def _translate(run: str) -> tuple[str, str]:
    res = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        f" && {run}\n"
    )
    return res.text, "\n".join(str(c) for c in res.changes)


@pytest.mark.parametrize(
    ("run", "package", "option"),
    [
        ("cp --preserve=all a /dst", "coreutils", "--preserve"),
        ("ls | sort --version-sort", "coreutils", "--version-sort"),
        ("readlink -e /usr/bin/x", "coreutils", "-e"),
        ("find / -name '*.so' -printf '%p\\n'", "findutils", "-printf"),
        ("ls | xargs -d '\\n' rm", "findutils", "-d"),
        ("grep -P '\\d+' f", "grep", "-P"),
        ("sed -z 's/a/b/' f", "sed", "-z"),
        ("tar --wildcards -xf x.tar '*.so'", "tar", "--wildcards"),
    ],
)
def test_gnu_option_adds_the_gnu_package(run: str, package: str, option: str) -> None:
    out, changes = _translate(run)
    assert f"apk add --no-cache curl {package}" in out
    assert f"{package} added to apk add" in changes
    assert option in changes


@pytest.mark.parametrize(
    "run",
    [
        "ls | sort -V",
        "cp -a --parents a/b /dst",
        "cut -d: -f1 /etc/passwd",
        "head -5 f",
        "sed -i.bak -e 's/a/b/' f",
        "find / -name '*.so' -delete",
        "grep -E 'x' -- -P",
        "tar -xzf x.tgz --strip-components=1",
    ],
)
def test_busybox_options_add_nothing(run: str) -> None:
    out, changes = _translate(run)
    assert "apk add --no-cache curl \\" in out or "apk add --no-cache curl &&" in out, out
    assert "added to apk add" not in changes


def test_already_installed_is_not_added_again() -> None:
    res = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y coreutils curl && cp --preserve=all a /d\n"
    )
    assert res.text.count("coreutils") == 1


def test_php_built_with_iconv_gets_gnu_libiconv() -> None:
    res = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y gcc make libc6-dev \\\n"
        " && cd /usr/src/php && ./configure --with-iconv=/usr --with-curl && make\n"
    )
    assert "gnu-libiconv-dev" in res.text
    assert "iconv.h" in "\n".join(str(c) for c in res.changes)


def test_data_names_every_package() -> None:
    facts = busybox_options()
    assert facts.busybox.startswith("BusyBox v")
    assert {a.gnu_package for a in facts.applets.values()} == {
        "tar",
        "coreutils",
        "findutils",
        "grep",
        "sed",
        "wget",  # apt-to-apk.json's busybox facts for Debian's wget
    }


def test_a_configure_a_makefile_runs_counts_as_a_configure_build() -> None:
    """redis's RUN edits the ``./configure`` call of its bundled jemalloc, then runs make:
    that configure script runs in this RUN, so GNU coreutils joins its group."""
    from alpine_ready.translate import translate_text

    run = (
        "FROM debian:bookworm-slim\n"
        "RUN set -eux; \\\n"
        "\tapt-get update; apt-get install -y --no-install-recommends gcc libc6-dev make; \\\n"
        "\tgrep -F 'cd jemalloc && ./configure ' /usr/src/kv/deps/Makefile; \\\n"
        "\tsed -ri 's!cd jemalloc && ./configure !&--x !' /usr/src/kv/deps/Makefile; \\\n"
        "\t{build}; \\\n"
        "\tapt-get purge -y --auto-remove gcc libc6-dev make\n"
    )
    built = translate_text(run.format(build="make -C /usr/src/kv install"))
    group = built.text.split("--virtual .build-deps", 1)[1].split(";", 1)[0].split()
    assert "coreutils" in group
    # text naming ./configure with nothing compiled is no configure build
    listed = translate_text(run.format(build="cp /usr/src/kv/kv /usr/local/bin/"))
    assert "coreutils" not in listed.text
