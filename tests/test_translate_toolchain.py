"""A base that carried Debian's toolchain (buildpack-deps): its tools follow the RUNs using them.

``buildpack-deps:bookworm`` has gcc, make, gnupg and thirty ``-dev`` libraries; a RUN
building on it installs nothing.  On ``alpine`` that RUN gets the image's build-only
packages in a ``.build-deps`` group (narrowed to what a documented project's build uses),
keeps what it built linked with the ``scanelf`` idiom, and deletes the group.  The
Dockerfiles are ours, written in the official images' Debian style.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge.debcommands import debian_commands
from alpine_ready.knowledge.sourcebuilds import source_build_in
from alpine_ready.translate.check import check_text
from alpine_ready.translate.runs import is_consumer
from alpine_ready.translate.translate import translate_text

INTERP_BUILD = """\
FROM buildpack-deps:bookworm
RUN set -eux; \\
\tapt-get update; \\
\tapt-get install -y --no-install-recommends libbluetooth-dev uuid-dev; \\
\trm -rf /var/lib/apt/lists/*
ENV V 3.12.4
RUN set -eux; \\
\twget -O src.tar.xz "https://www.python.org/ftp/python/$V/Python-$V.tar.xz"; \\
\techo "0000  src.tar.xz" | sha256sum -c -; \\
\tGNUPGHOME="$(mktemp -d)"; export GNUPGHOME; \\
\tgpg --batch --verify src.tar.xz.asc src.tar.xz; \\
\tmkdir -p /usr/src/interp; \\
\ttar --extract --directory /usr/src/interp --strip-components=1 --file src.tar.xz; \\
\tcd /usr/src/interp; \\
\tgnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"; \\
\t./configure --build="$gnuArch" --enable-shared --with-system-expat; \\
\tmake -j "$(nproc)"; \\
\tmake install; \\
\tcd /; rm -rf /usr/src/interp; \\
\tpython3 --version
RUN set -eux; pip --version
"""

UNKNOWN_BUILD = """\
FROM buildpack-deps:bookworm
RUN set -eux; \\
\tcurl -fsSL -o tool.tar.gz https://example.org/tool-1.0.tar.gz; \\
\ttar -xzf tool.tar.gz; \\
\tcd tool-1.0; \\
\t./configure --prefix=/opt/tool; \\
\tmake; \\
\tmake install
"""


def _group(text: str) -> list[str]:
    """The names of the ``apk add --virtual .build-deps`` in ``text``."""
    head = "apk add --no-cache --virtual .build-deps"
    assert head in text, text
    names: list[str] = []
    for word in text.split(head, 1)[1].replace("\\\n", " ").split():
        if word.startswith((";", "&&")):
            break
        names.append(word.rstrip(";"))
        if word.endswith(";"):
            break
    return names


def test_the_levels_of_buildpack_deps_carry_their_packages() -> None:
    facts = debian_commands()
    curl = set(facts.image_packages("buildpack-deps", "bookworm-curl"))
    scm = set(facts.image_packages("buildpack-deps", "bookworm-scm"))
    full = set(facts.image_packages("buildpack-deps", "bookworm"))
    assert {"curl", "gnupg", "wget"} <= curl < scm < full
    assert "git" in scm - curl and {"gcc", "libssl-dev", "make"} <= full - scm
    assert facts.image_commands("buildpack-deps", "bookworm")["make"].apk == ("make",)
    assert "make" not in facts.image_commands("buildpack-deps", "bookworm-curl")
    assert facts.image_level("debian", "bookworm") is None


def test_a_build_on_buildpack_deps_gets_a_deleted_group_and_keeps_its_libraries() -> None:
    tr = translate_text(INTERP_BUILD, "Dockerfile")
    out = tr.text
    assert out.startswith("FROM alpine:")
    group = _group(out)
    # the earlier RUN's -dev packages moved into the build's group
    assert {"bluez-dev", "util-linux-dev"} <= set(group)
    # the documented project: its libraries of what the image carried, and the compiler
    assert {"gcc", "libc-dev", "openssl-dev", "zlib-dev", "sqlite-dev", "xz-dev"} <= set(group)
    assert not {"imagemagick-dev", "libpq-dev", "libxslt-dev", "glib-dev"} & set(group)
    assert "expat-dev" in group  # --with-system-expat names it
    # commands the RUN calls that the image had: gpg, make, dpkg-buildflags' dpkg-dev
    assert {"gnupg", "make", "linux-headers", "tar", "xz"} <= set(group)
    run = out.split("ENV V", 1)[1]
    assert run.index("apk add --no-cache --virtual .build-deps") < run.index("wget -O")
    assert "scanelf --needed" in run and "apk add --no-network --virtual .rundeps" in run
    assert run.rstrip().endswith("apk del --no-network .build-deps\nRUN set -eux; pip --version")
    assert "apt-get" not in out and "dpkg-architecture" not in out


def test_a_project_with_no_documentation_gets_everything_the_image_carried() -> None:
    out = translate_text(UNKNOWN_BUILD, "Dockerfile").text
    group = set(_group(out))
    assert {"imagemagick-dev", "libpq-dev", "openssl-dev", "gcc", "make", "curl"} <= group
    assert "--recursive /opt/tool" in out  # the run-time idiom scans the prefix built into


def test_the_source_build_data_names_cpython() -> None:
    project = source_build_in("wget https://www.python.org/ftp/python/3.12.4/Python-3.12.4.tgz")
    assert project is not None and "libssl-dev" in project.debian
    assert project.configured("./configure --with-system-expat") == ["libexpat1-dev"]
    assert project.configured("./configure --with-system-expatx") == []
    assert source_build_in("wget https://example.org/x.tgz") is None


@pytest.mark.parametrize(
    ("command", "consumer"),
    [
        ("pip --version", False),
        ("pip install x", True),
        ("python3 -m pip install x", True),
        ("npm config set fund false", False),
        ("npm ci", True),
        ("gem env", False),
        ("bundle", True),
        ("make", True),
    ],
)
def test_only_installing_subcommands_of_package_managers_build(
    command: str, consumer: bool
) -> None:
    from alpine_ready.dockerfile.shell import parse_run

    df = parse_text(f"FROM x\nRUN {command}\n")
    ins = df.instructions[1]
    script = parse_run(ins, df.scopes.shell(ins))
    assert is_consumer(script.commands[0]) is consumer


def test_the_translation_passes_the_check_in_the_real_alpine_rootfs(alpine_rootfs: Path) -> None:
    for text in (INTERP_BUILD, UNKNOWN_BUILD):
        tr = translate_text(text, "Dockerfile")
        res = check_text(tr.text, "Dockerfile", index=None, rootfs=alpine_rootfs)
        assert not res.failed, res.items
        assert res.sh_checked >= 1


def test_a_prefix_of_usr_keeps_the_group_and_says_why() -> None:
    """scanelf over /usr would count the system's libraries as the build's own."""
    src = UNKNOWN_BUILD.replace("--prefix=/opt/tool", "--prefix=/usr")
    tr = translate_text(src, "Dockerfile")
    assert "apk add --no-cache --virtual .build-deps" in tr.text
    assert "apk del" not in tr.text and "scanelf" not in tr.text
    assert any("is not deleted" in n.message for n in tr.notes)


def test_a_build_stage_the_final_stage_is_built_from_keeps_its_libraries() -> None:
    src = "FROM buildpack-deps:bookworm AS build\nRUN ./configure && make && make install\n"
    src += 'FROM build\nCMD ["tool"]\n'
    out = translate_text(src, "Dockerfile").text
    assert "scanelf --needed" in out and "apk del --no-network .build-deps" in out


def test_a_build_whose_own_install_is_run_time_only_still_gets_the_compiler() -> None:
    src = (
        "FROM buildpack-deps:bookworm\nRUN apt-get update "
        "&& apt-get install -y --no-install-recommends tzdata "
        "&& ./configure && make && make install\n"
    )
    out = translate_text(src, "Dockerfile").text
    assert "gcc" in _group(out) and "scanelf --needed" in out
    assert "apk add --no-cache tzdata" in out


def test_checksum_urls_with_variables_expand_and_a_lone_rm_of_the_signature_goes() -> None:
    rustup = (
        "FROM debian:12\nARG V=1.28.2\nRUN set -eux; "
        'url="https://static.rust-lang.org/rustup/archive/${V}/x86_64-unknown-linux-gnu/'
        "rustup-init\"; sha='" + "a" * 64 + "'; "
        'wget -O rustup-init "$url"; echo "$sha *rustup-init" | sha256sum -c -\n'
    )
    out = translate_text(rustup, "Dockerfile").text
    assert (
        'sha="$(wget -qO- "https://static.rust-lang.org/rustup/archive/${V}/'
        "x86_64-unknown-linux-musl/rustup-init.sha256\" | cut -d ' ' -f 1)\"" in out
    )
    node = (
        "FROM debian:12\nENV NODE_VERSION 22.1.0\nRUN ARCH=x64 "
        '&& curl -fsSLO "https://nodejs.org/dist/v$NODE_VERSION/'
        'node-v$NODE_VERSION-linux-$ARCH.tar.xz" '
        '&& curl -fsSLO "https://nodejs.org/dist/v$NODE_VERSION/SHASUMS256.txt.asc" '
        "&& gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc "
        "&& rm SHASUMS256.txt.asc\n"
    )
    out = translate_text(node, "Dockerfile").text
    assert "rm" not in out.split('SHASUMS256.txt"', 1)[1]
    assert "gpg --batch --decrypt" not in out


def test_the_final_image_keeps_the_ca_certificates_buildpack_deps_carried() -> None:
    """update-ca-certificates was in the Debian image (debian-idioms.json image_runtime):
    installed before the final stage's first RUN; not in a stage that does not ship, and
    not twice when the Debian file installs it itself."""
    tr = translate_text(INTERP_BUILD, "Dockerfile")
    head = tr.text.split("ENV V", 1)[0]
    assert "RUN apk add --no-cache ca-certificates\n" in head
    assert head.index("ca-certificates") < head.index("apk add --no-cache libuuid")
    assert any(
        c.what == "RUN apk add --no-cache ca-certificates inserted"
        and "update-ca-certificates" in c.why
        for c in tr.changes
    )
    staged = translate_text(
        "FROM buildpack-deps:bookworm AS build\nRUN make\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /out /out\n",
        "Dockerfile",
    ).text
    assert "ca-certificates" not in staged
    named = translate_text(
        "FROM buildpack-deps:bookworm-curl\n"
        "RUN apt-get update && apt-get install -y ca-certificates && update-ca-certificates\n",
        "Dockerfile",
    ).text
    assert named.count("ca-certificates") == 2  # the install and the command, once each


def test_the_gold_linker_has_an_alpine_name() -> None:
    """golang's Debian image installs binutils-gold on arm64: Alpine's binutils-gold."""
    src = (
        "FROM buildpack-deps:bookworm-scm\n"
        "RUN set -eux; \\\n"
        "\tapt-get update; \\\n"
        "\tapt-get install -y --no-install-recommends gcc libc6-dev make; \\\n"
        '\tdpkgArch="$(dpkg --print-architecture)"; \\\n'
        "\tif [ \"$dpkgArch\" = 'arm64' ]; then \\\n"
        "\t\tapt-get install -y --no-install-recommends binutils-gold; \\\n"
        "\tfi; \\\n"
        "\trm -rf /var/lib/apt/lists/*\n"
    )
    tr = translate_text(src, "Dockerfile")
    assert "apk add --no-cache binutils-gold" in tr.text
    assert "apk --print-arch | sed" in tr.text  # Debian's names back: the test reads arm64
    assert not tr.unmapped
    assert not check_text(tr.text, "Dockerfile").failed


def test_the_carried_ca_certificates_are_installed_before_a_user_switch() -> None:
    """apk needs root: never after USER; not at all when a stage built FROM sets USER."""
    before = translate_text(
        "FROM buildpack-deps:bookworm-curl\nUSER nobody\nRUN curl -fsSO https://example.org/x\n",
        "Dockerfile",
    ).text
    assert before.index("apk add --no-cache ca-certificates") < before.index("USER nobody")
    inherited = translate_text(
        "FROM buildpack-deps:bookworm-curl AS base\nUSER nobody\nFROM base\nRUN echo hi\n",
        "Dockerfile",
    )
    assert "ca-certificates" not in inherited.text
    assert any("sets USER" in n.message for n in inherited.notes)
