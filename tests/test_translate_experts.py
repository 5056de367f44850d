"""Issue 14: Debian files the way the official images' experts write them, translated.

The files in ``tests/data/dockerfiles/experts-style/debian`` are our own, written in the
style of the official images' Debian variants (an ENV list of build tools kept for
extensions, apt pinning, the savedAptMark idiom with Debian multiarch paths, a system
interpreter purged after the build, APR's Debian names, a build-essential stage whose
tools a later stage runs).  Each test pins one thing the experts' Alpine variants do and
the translation learned from them; every output must pass ``translate --check`` against
the real Alpine root filesystem.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alpine_ready.translate import TranslateOptions, run, translate_text
from alpine_ready.translate.check import check_text
from musl_real import busybox_sh

DEBIAN = Path(__file__).parent / "data" / "dockerfiles" / "experts-style" / "debian"
FILES = sorted(p.name for p in DEBIAN.glob("*.Dockerfile"))


def _text(name: str) -> str:
    return translate_text((DEBIAN / name).read_text("utf-8"), name).text


def _apk_add_lines(text: str) -> list[str]:
    """Each ``apk add`` with its continued operands on one line."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [m.group(0) for m in re.finditer(r"apk add [^;&\n]*", joined)]


@pytest.mark.parametrize("name", FILES)
def test_every_output_passes_check(name: str, alpine_rootfs: Path) -> None:
    rep = run(
        TranslateOptions(path=str(DEBIAN / name), offline=True, check=True, against=alpine_rootfs)
    )
    assert rep.check is not None
    assert not rep.check.failed, [
        (i.code, i.line, i.message) for i in rep.check.items if i.level.value == "error"
    ]
    assert not rep.unmapped
    for word in ("apt-get", "apt-mark", "dpkg-query", "useradd", "groupadd"):
        assert not re.search(rf"(?<![\w./-]){word}(?![\w./-])", rep.text.split("\n", 3)[-1]), word


def test_env_list_of_packages_is_mapped_in_place() -> None:
    out = _text("php-like.Dockerfile")
    env = out.split("ENV EXT_BUILD_DEPS", 1)[1].split("\n\n", 1)[0]
    words = env.replace("\\", " ").split()
    # pkg-config is pkgconf on Alpine; dpkg-dev brings the dpkg it runs; gcc's headers
    # are libc-dev, named once although Debian's list has libc-dev too
    assert words == ["autoconf", "dpkg-dev", "dpkg", "g++", "gcc", "libc-dev", "make", "pkgconf"]
    assert "$EXT_BUILD_DEPS" in out


def test_a_toolchain_kept_on_purpose_is_told_to_lint() -> None:
    out = _text("php-like.Dockerfile")
    kept = out.split("# alpine-ready ignore=AR205 --", 1)[1].split("\n", 1)
    assert kept[0].startswith(" autoconf, dpkg-dev, g++, gcc, libc-dev, make, pkgconf stay")
    assert kept[1].startswith("RUN set -eux;")
    # the RUN that builds still gets a group deleted at its end
    assert out.rstrip().count("apk del --no-network .build-deps") == 1


def test_apt_configuration_run_is_removed() -> None:
    out = _text("php-like.Dockerfile")
    assert "/etc/apt" not in out and "Pin-Priority" not in out


def test_multiarch_is_empty_and_configure_builds_get_coreutils_and_headers() -> None:
    out = _text("php-like.Dockerfile")
    assert 'debMultiarch="$(true)"' in out
    assert 'gnuArch="$(gcc -dumpmachine)"' in out
    build = next(line for line in _apk_add_lines(out) if ".build-deps" in line)
    # the compiler is the first RUN's (the ENV list): the build still needs the kernel
    # headers, and coreutils as every configure build of the experts has
    assert "linux-headers" in build.split() and "coreutils" in build.split()


def test_system_interpreter_and_dpkg_list() -> None:
    out = _text("ruby-like.Dockerfile")
    (build,) = _apk_add_lines(out)[:1]
    names = build.split()
    assert "ruby" in names and "gdbm-dev" in names  # libgdbm-compat-dev is in gdbm-dev
    assert names.index("dpkg") > names.index("dpkg-dev")
    assert "libgdbm-compat-dev" not in names and "musl-dev" not in names
    assert "if apk list --installed | grep -i ruby; then exit 1; fi" in out


def test_wget_is_busybox_unless_a_gnu_option_is_used() -> None:
    ruby = _text("ruby-like.Dockerfile")
    assert "wget" not in _apk_add_lines(ruby)[0].split()  # wget -O: busybox has it
    assert 'wget -O langx.tar.xz "https://example.org/' in ruby
    erlang = _text("erlang-like.Dockerfile")
    # --progress is GNU wget's (the real busybox says "unrecognized option"), but it only
    # changes what wget prints: dropped, as docker-library's rabbitmq Alpine files do, and
    # busybox's wget does the download
    assert "wget" not in _apk_add_lines(erlang)[0].split()
    assert "\twget --output-document otp.tar.gz " in erlang and "--progress dot" not in erlang


#: (a Debian RUN downloading with wget on a base that had GNU wget, what the Alpine file
#: must hold, what it must not)
_WGET_RUNS = [
    (  # golang's Debian images: the option only sets the progress display
        'wget -O go.tgz "$url" --progress=dot:giga',
        'wget -O go.tgz "$url"; true',
        "apk add --no-cache wget",
    ),
    (
        "wget --show-progress -qO- https://example.org/x | tar -x",
        "wget -qO- https://",
        "apk add --no-cache wget",
    ),
    (  # an option that does something: GNU wget is installed for it
        "wget --retry-connrefused -O x.tgz https://example.org/x.tgz",
        "RUN apk add --no-cache wget\n",
        "NONE",
    ),
]


@pytest.mark.parametrize(("run_line", "has", "lacks"), _WGET_RUNS)
def test_wget_options_busybox_lacks(
    run_line: str, has: str, lacks: str, alpine_rootfs: Path
) -> None:
    """Each option busybox's wget would reject is dropped (output only) or gets GNU wget.

    The real busybox of the Alpine rootfs judges the options left where busybox runs.
    """
    out = translate_text(f"FROM buildpack-deps:bookworm-scm\nRUN {run_line}; true\n").text
    assert has in out and lacks not in out
    if "apk add --no-cache wget" in out:
        return  # GNU wget runs it
    (line,) = [ln for ln in out.splitlines() if "wget" in ln]
    # the RUN as written, in busybox's sh, against a port nothing listens on
    command = re.sub(r'"\$url"|https://\S+', "http://127.0.0.1:9/", line.split("RUN ", 1)[1])
    done = busybox_sh(alpine_rootfs, command)
    assert "Connection refused" in done.stderr, done.stderr  # it got as far as connecting
    assert "unrecognized option" not in done.stderr


def test_build_essential_brings_dpkg_dev_only_where_it_runs() -> None:
    erlang = _apk_add_lines(_text("erlang-like.Dockerfile"))[0].split()
    assert {"build-base", "dpkg-dev", "dpkg"} <= set(erlang)
    plain = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y build-essential && make\n"
    ).text
    assert "build-base" in plain and "dpkg" not in plain


def test_apr_names_and_ldap_config() -> None:
    out = _text("httpd-like.Dockerfile")
    runtime, build = _apk_add_lines(out)[:2]
    # openssl: Debian's ca-certificates depends on it, Alpine's does not bring it
    assert runtime.split()[3:] == ["ca-certificates", "apr-util-ldap", "apr-util", "apr", "openssl"]
    for name in ("apr-dev", "apr-util-dev", "brotli-dev", "jansson-dev", "nghttp2-dev"):
        assert name in build.split()
    assert "libldap-common" not in out


def test_useradd_home_from_a_variable_and_abbreviated_options() -> None:
    httpd = _text("httpd-like.Dockerfile")
    assert "adduser -S -G srv -H -h \"$SRV_HOME\" -g 'srv user' -s /bin/false -u 101 srv" in httpd
    erlang = _text("erlang-like.Dockerfile")
    # gid 999 is Alpine's ping group: the next free one
    assert 'addgroup -S -g 1000 broker; \\\n\tadduser -S -u 999 -h "$DATA_DIR" -G broker' in erlang


def test_outputs_lint_clean_at_warning(alpine_rootfs: Path) -> None:
    for name in FILES:
        res = check_text(_text(name), name, index=None, rootfs=alpine_rootfs)
        assert not [i for i in res.items if i.code == "AR632"], name


def test_what_the_debian_package_depends_on_comes_along() -> None:
    # apt-cache depends (bookworm): liblua5.4-dev → libreadline-dev, ca-certificates →
    # openssl; Debian's perl carries prove, Alpine's perl-utils does
    out = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends \\\n"
        "    ca-certificates liblua5.4-dev perl \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
    ).text
    names = _apk_add_lines(out)[0].split()
    assert {"lua5.4-dev", "readline-dev", "openssl", "perl", "perl-utils"} <= set(names)


def test_dirmngr_next_to_gnupg_is_gnupg_s_own() -> None:
    out = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y gnupg dirmngr && gpg --version\n"
    ).text
    assert _apk_add_lines(out)[0].split()[3:] == ["gnupg"]
    alone = translate_text(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y dirmngr\n"
    ).text
    assert "gnupg-dirmngr" in alone


def test_zlib_dev_next_to_curl_dev_is_curl_dev_s_own() -> None:
    """Alpine's curl-dev brings zlib-dev (php's Alpine images build --with-zlib so)."""
    both = translate_text(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y libcurl4-openssl-dev zlib1g-dev\n"
    ).text
    assert "curl-dev" in both and "zlib-dev" not in both
    alone = translate_text(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y zlib1g-dev\n"
    ).text
    assert "zlib-dev" in alone


@pytest.mark.parametrize(
    ("args", "used"),
    [
        ("-O x.tgz https://e.org/x.tgz", []),
        ("-qO- https://e.org/x", []),
        ("-qN https://e.org/x", ["-N"]),
        ("--progress=dot:giga -O x https://e.org/x", ["--progress"]),
        ("--progress dot:giga https://e.org/x", ["--progress"]),
        ("-c --tries=3 https://e.org/x", []),
    ],
)
def test_gnu_wget_options_the_real_busybox_lacks(args: str, used: list[str]) -> None:
    from alpine_ready.dockerfile import parse_run, parse_text
    from alpine_ready.knowledge.apt import lookup
    from alpine_ready.translate.runs import gnu_only_used

    rule = lookup("wget")
    assert rule is not None and rule.busybox_applet == "wget"
    df = parse_text(f"FROM alpine\nRUN wget {args}\n", "x")
    ins = df.instructions[-1]
    (cmd,) = parse_run(ins, df.scopes.shell(ins)).commands
    assert gnu_only_used(cmd, rule.gnu_only) == used


def test_gnu_tar_joins_the_group_extracting_a_downloaded_source_archive() -> None:
    out = _text("tarball-like.Dockerfile")
    build = next(line for line in _apk_add_lines(out) if ".build-deps" in line)
    # busybox's tar leaves extracted directories' mtimes at the extraction time: the
    # experts build from the downloaded tarball with GNU tar, deleted with the group
    assert build.split()[-1] == "tar"
    assert out.rstrip().count("apk del --no-network .build-deps") == 1


def test_gnu_tar_comes_next_to_xz() -> None:
    out = _text("tarball-like.Dockerfile")
    first = _apk_add_lines(out)[0].split()
    # Debian's xz-utils is there for GNU tar's .tar.xz: Alpine's images pair xz with tar
    assert first[3:] == ["ca-certificates", "xz", "openssl", "tar"]


def test_busybox_tar_suffices_where_nothing_downloaded_is_extracted() -> None:
    src = (
        "FROM debian:bookworm-slim\n"
        "COPY vendor.tar.gz /tmp/\n"
        "RUN apt-get update && apt-get install -y gcc make \\\n"
        " && tar -xzf /tmp/vendor.tar.gz -C /usr/src \\\n"
        " && make -C /usr/src/vendor \\\n"
        " && apt-get purge -y --auto-remove gcc make\n"
    )
    out = translate_text(src, "Dockerfile").text
    assert " tar" not in out.split("apk add", 1)[1].split("&&", 1)[0]


STOPS = DEBIAN.parent / "debian-stops"


def test_rustup_switches_to_its_musl_build_and_reads_its_checksum(
    alpine_rootfs: Path,
) -> None:
    src = (STOPS / "rustup-like.Dockerfile").read_text("utf-8")
    tr = translate_text(src, "rustup-like.Dockerfile")
    out = tr.text
    base = "https://static.rust-lang.org/rustup/archive/1.28.2"
    # the URL, the --default-host target and the case arms are the musl build's
    assert "-unknown-linux-gnu" not in out
    assert f"rustupUrl='{base}/x86_64-unknown-linux-musl/rustup-init'" in out
    assert "'x86_64') rustArch='x86_64-unknown-linux-musl';" in out
    assert "'aarch64') rustArch='aarch64-unknown-linux-musl';" in out
    # the pinned checksum was the glibc build's: the musl build's is read from the
    # .sha256 rustup publishes beside it, and the note asks for it to be pinned
    for arch in ("x86_64", "aarch64"):
        musl = f"{base}/{arch}-unknown-linux-musl/rustup-init"
        assert f'rustupSha256="$(wget -qO- "{musl}.sha256" | cut -d \' \' -f 1)"' in out
    assert not re.search(r"rustupSha256='[0-9a-f]{64}'", out)
    assert "RUN echo 'alpine-ready translate" not in out
    assert any("pin rustupSha256 by hand" in n.message for n in tr.notes)
    rep = run(
        TranslateOptions(
            path=str(STOPS / "rustup-like.Dockerfile"),
            offline=True,
            check=True,
            against=alpine_rootfs,
        )
    )
    assert rep.check is not None
    assert not rep.check.failed, rep.check.items


def test_commands_debian_had_without_asking_are_installed() -> None:
    out = _text("implicit-commands-like.Dockerfile")
    lines = _apk_add_lines(out)
    # perl is Debian's base system's (perl-base): a RUN installing nothing gets one before it
    assert lines[0] == "apk add --no-cache perl"
    assert out.index("RUN apk add --no-cache perl") < out.index("perl -e")
    # patch came with dpkg-dev's Depends; busybox has no patch applet: it joins the group
    build = next(line for line in lines if ".build-deps" in line).split()
    assert "patch" in build
    # ps is busybox's applet, make is installed: nothing more; no procps, no shadow for
    # the user commands the rewrite makes busybox's
    assert "procps" not in out and "binutils" not in out and " shadow" not in out


def test_a_function_the_run_defines_is_no_command_to_install() -> None:
    src = (
        "FROM debian:bookworm-slim\n"
        'RUN set -eux; split() { echo "$1"; }; split a; '
        "useradd --system app; tsort /dev/null\n"
    )
    out = translate_text(src, "Dockerfile").text
    # tsort is coreutils' (Debian's base), not busybox's; split is the RUN's own function
    # (busybox has split anyway), useradd becomes busybox's adduser
    assert "RUN apk add --no-cache coreutils\n" in out
    assert "shadow" not in out


CONTEXT = DEBIAN.parent / "debian-context"


def test_a_bash_script_copied_from_the_build_context_brings_bash(alpine_rootfs: Path) -> None:
    rep = run(
        TranslateOptions(
            path=str(CONTEXT / "Dockerfile"), offline=True, check=True, against=alpine_rootfs
        )
    )
    # the entrypoint's shebang is bash (read from the context); healthcheck.sh is sh
    assert "apk add --no-cache ca-certificates bash openssl" in rep.text
    assert rep.check is not None and not rep.check.failed
    # read, so no "shebang not visible" note for either script
    assert not [n for n in rep.notes if "shebang" in n.message]
    # without a context (text only) the scripts cannot be read: a note, no bash
    src = (CONTEXT / "Dockerfile").read_text("utf-8")
    tr = translate_text(src, "Dockerfile")
    assert " bash" not in tr.text
    assert any("shebang is not visible" in n.message for n in tr.notes)


@pytest.mark.parametrize(
    ("run_text", "extracts"),
    [
        ('wget -O a.tar.xz "$URL" && tar xJf a.tar.xz', True),  # old style
        ('curl -fsSLo "$P.tar.gz" "$URL"; tar --extract --file "$P.tar.gz" -C /x', True),
        ('wget -O go.tgz "$URL" && tar -C /usr/local -xzf go.tgz', True),
        ('wget -O a.tar.gz "$URL" && tar -tzf a.tar.gz', False),  # a listing
        ("tar -xzf /tmp/vendor.tar.gz -C /usr/src", False),  # nothing downloaded
        ('wget -O a.zip "$URL" && unzip a.zip', False),
    ],
)
def test_what_counts_as_extracting_a_downloaded_archive(run_text: str, extracts: bool) -> None:
    from alpine_ready.dockerfile import parse_run, parse_text
    from alpine_ready.translate.idioms import extracts_download

    df = parse_text(f"FROM debian:12\nRUN {run_text}\n")
    ins = df.instructions[-1]
    assert extracts_download(parse_run(ins, df.scopes.shell(ins)).commands) is extracts


def test_scripts_outside_the_build_context_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.sh"
    outside.write_text("#!/bin/bash\necho hi\n")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "linked.sh").symlink_to(outside)
    src = "FROM debian:12\nCOPY ../outside.sh linked.sh /usr/local/bin/\n"
    tr = translate_text(src, "Dockerfile", context=ctx)
    assert "bash" not in tr.text


def test_a_run_with_two_installs_keeps_each_name_where_debian_put_it() -> None:
    src = (
        "FROM ubuntu:24.04\n"
        "RUN set -eux; \\\n"
        "\tapt-get update; \\\n"
        "\tapt-get install --yes --no-install-recommends ca-certificates tzdata; \\\n"
        '\tsavedAptMark="$(apt-mark showmanual)"; \\\n'
        "\tapt-get install --yes --no-install-recommends gnupg wget xz-utils; \\\n"
        '\twget -O app.tar.xz "$URL"; wget -O app.tar.xz.asc "$URL.asc"; \\\n'
        "\tgpg --batch --verify app.tar.xz.asc app.tar.xz; \\\n"
        "\ttar --extract --file app.tar.xz --directory /opt/app; \\\n"
        "\tapt-mark auto '.*' > /dev/null; \\\n"
        "\tapt-mark manual $savedAptMark; \\\n"
        "\tapt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n"
    )
    lines = _apk_add_lines(translate_text(src, "Dockerfile").text)
    first, build = lines[0].split(), next(x for x in lines if ".build-deps" in x).split()
    # gpg is called in the RUN, and the RUN's second install gives it: gnupg stays in the
    # group, and GNU tar joins the group, not the install kept in the image
    assert "gnupg" in build and "gnupg" not in first
    assert "tar" in build and "tar" not in first
