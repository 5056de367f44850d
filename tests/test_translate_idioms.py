"""translate writes RUNs the way Alpine's images do: Debian's idioms become Alpine's.

The Dockerfiles are ours, written in the official images' Debian style.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from alpine_ready.translate import translate_text

DATA = Path(__file__).parent / "data"
_DEBIAN = re.compile(r"(?<![\w.-])(apt-get|apt-mark|dpkg-query|dpkg-architecture|dpkg)(?![\w.-])")

REDIS_LIKE = """\
FROM debian:bookworm-slim
RUN set -eux; \\
\tsavedAptMark="$(apt-mark showmanual)"; \\
\tapt-get update; \\
\tapt-get install -y --no-install-recommends \\
\t\tca-certificates \\
\t\tgcc \\
\t\tlibc6-dev \\
\t\tlibssl-dev \\
\t\tmake \\
\t; \\
\trm -rf /var/lib/apt/lists/*; \\
\tmkdir -p /usr/src/kv; \\
\ttar -xzf kv.tar.gz -C /usr/src/kv --strip-components=1; \\
\tgnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)"; \\
\tcd /usr/src/kv && ./configure --build="$gnuArch" && make -j "$(nproc)" && make install; \\
\tapt-mark auto '.*' > /dev/null; \\
\t[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark > /dev/null; \\
\tfind /usr/local -type f -executable -exec ldd '{}' ';' \\
\t\t| awk '/=>/ { so = $(NF-1); if (index(so, "/usr/local/") == 1) { next }; print so }' \\
\t\t| sort -u \\
\t\t| xargs -r dpkg-query --search \\
\t\t| cut -d: -f1 \\
\t\t| sort -u \\
\t\t| xargs -r apt-mark manual \\
\t; \\
\tapt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \\
\tkv-server --version
"""

NGINX_LIKE = """\
FROM debian:bookworm-slim
RUN set -x; \\
\tapt-get update; \\
\tapt-get install --no-install-recommends --no-install-suggests -y curl gnupg1; \\
\tcurl -fsSL https://example.org/key > /tmp/key; \\
\tapt-get remove --purge -y curl gnupg1; \\
\tdpkgArch="$(dpkg --print-architecture)"; \\
\tcase "$dpkgArch" in \\
\t\tamd64|arm64) apt-get install -y nginx tzdata ;; \\
\t\t*) apt-get install -y tzdata gcc make ;; \\
\tesac; \\
\tapt-get install --no-install-recommends -y curl ca-certificates; \\
\trm -rf /var/lib/apt/lists/*
"""

GOSU_LIKE = """\
FROM debian:bookworm-slim
RUN set -eux; \\
\tapt-get update; \\
\tapt-get install -y --no-install-recommends ca-certificates wget; \\
\tdpkgArch="$(dpkg --print-architecture)"; \\
\twget -O /usr/local/bin/gosu "https://example.org/gosu-$dpkgArch"; \\
\ttar --extract --wildcards -f x.tar '*.so'; \\
\tapt-get dist-clean
"""


def _debian_left(text: str) -> list[str]:
    return [
        m.group(1)
        for line in text.splitlines()
        if not line.lstrip().startswith("#")
        for m in _DEBIAN.finditer(line)
    ]


def test_apt_mark_idiom_becomes_build_deps_and_rundeps() -> None:
    out = translate_text(REDIS_LIKE).text
    assert _debian_left(out) == []
    assert "savedAptMark" not in out
    assert "apk add --no-cache --virtual .build-deps" in out
    assert "scanelf --needed --nobanner --format '%n#p' --recursive /usr/local" in out
    assert "apk add --no-network --virtual .rundeps $runDeps" in out
    assert out.count("apk del --no-network .build-deps") == 1
    build = out.split("--virtual .build-deps", 1)[1].split(";", 1)[0].split()
    for name in ("gcc", "libc-dev", "openssl-dev", "make", "linux-headers"):
        assert name in build
    # installed only for the build: Alpine's base has ca-certificates-bundle
    assert "ca-certificates" not in build and "openssl" not in build
    assert 'gnuArch="$(gcc -dumpmachine)"' in out
    # the order: build, then run-time libraries, then the group leaves, then the smoke test
    assert out.index("$runDeps") < out.index("apk del") < out.index("kv-server --version")


def test_case_arms_renamed_and_packages_not_dropped() -> None:
    out = translate_text(NGINX_LIKE).text
    assert _debian_left(out) == []
    assert 'dpkgArch="$(apk --print-arch)"' in out
    assert "x86_64|aarch64)" in out
    # curl: installed, purged, installed again -- the last install stays
    last = out.rsplit("apk add", 1)[1]
    assert "curl" in last.split(";", 1)[0]
    # a package installed in one case branch is installed in the other too
    assert "apk add --no-cache nginx tzdata" in out
    assert "apk add --no-cache tzdata gcc libc-dev make linux-headers" in out


def test_arch_used_in_downloads_keeps_debian_names() -> None:
    out = translate_text(GOSU_LIKE).text
    assert _debian_left(out) == []
    assert "apk --print-arch | sed" in out
    assert "-e 's/^x86_64$/amd64/;t'" in out
    assert "-e 's/^armv7$/armhf/;t'" in out
    # --wildcards is GNU tar's: busybox tar (probed) lacks it
    # openssl: Debian's ca-certificates depends on it
    assert re.search(r"apk add --no-cache ca-certificates openssl tar\b", out)


@pytest.mark.parametrize(
    "path",
    sorted((DATA / "translate").glob("*.Dockerfile"))
    + sorted((DATA / "dockerfiles").glob("debian-*.Dockerfile")),
    ids=lambda p: p.name,
)
def test_every_fixture_accounted(path: Path) -> None:
    """Every package the Debian file installs is installed, dropped, or reported unmapped."""
    text = path.read_text()
    tr = translate_text(text, str(path))
    assert [c for c in _debian_left(tr.text) if c != "dpkg"] == []
    out_words = set(re.findall(r"[\w.+-]+", tr.text))
    unmapped = {u.name for u in tr.unmapped}
    dropped = " ".join(c.what for c in tr.changes)
    from alpine_ready.knowledge.apt import lookup

    for m in re.finditer(r"apt-get install([^;&|]*)", text):
        for word in m.group(1).replace("\\\n", " ").split():
            if word.startswith("-") or "$" in word:
                continue
            name = word.split("=", 1)[0]
            rule = lookup(name)
            if rule is None:  # unknown: reported, dropped with the reason (gnupg1 was
                # there only for apt's keyring of a repository translated away), or mapped
                # as a publisher's package (postgresql-common of PGDG → Alpine's own)
                assert (
                    name in unmapped
                    or word in unmapped
                    or f"{name} dropped" in dropped
                    or f"{name} → " in dropped
                ), name
            elif not rule.apk:
                assert f"{name} dropped" in dropped or f"{name}→∅" in dropped, name
            else:
                assert any(n in out_words for n in rule.apk), (name, rule.apk)


# -- build-only packages of an earlier RUN; `|| true` of removed commands -----------------

_EARLIER_BUILD = """FROM node:22-bookworm-slim
WORKDIR /app
RUN apt-get update \\
 && apt-get install -y --no-install-recommends python3 make g++ libsqlite3-dev \\
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
CMD ["node", "server.js"]
"""


def test_build_packages_move_to_the_one_later_run_that_builds() -> None:
    out = translate_text(_EARLIER_BUILD, "Dockerfile").text
    first = out.split("RUN ", 2)[1]
    assert "g++" not in first and "make" not in first and "sqlite-dev" not in first
    assert "apk add --no-cache --virtual .build-deps" in out.split("COPY package.json")[1]
    npm = out.split("COPY package.json package-lock.json ./\n")[1].split("COPY . .")[0]
    assert npm.index("apk add --no-cache --virtual .build-deps") < npm.index("npm ci")
    assert npm.rstrip().endswith("&& apk del --no-network .build-deps")


def test_no_move_when_two_later_runs_build() -> None:
    text = _EARLIER_BUILD.replace("COPY . .\n", "COPY . .\nRUN make -C native\n")
    out = translate_text(text, "Dockerfile").text
    assert ".build-deps" not in out


def test_or_true_of_a_removed_command_goes_with_it() -> None:
    text = (
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl"
        " && rm -rf /var/lib/apt/lists/* && apt-get clean || true\n"
        "RUN set -eux; apt-get update || true; apt-get install -y curl; curl -V\n"
    )
    out = translate_text(text, "Dockerfile").text
    assert "RUN apk add --no-cache curl\n" in out
    assert "RUN set -eux; apk add --no-cache curl; curl -V\n" in out
    assert "|| true" not in out and "&& true" not in out


def test_node_musl_tarball_brings_its_cxx_runtime() -> None:
    """The unofficial musl build of node links libstdc++ and libgcc_s: installed beside it."""
    src = (
        "FROM ubuntu:24.04\n"
        "ARG NODE_VERSION=20.11.1\n"
        "RUN apt-get update && apt-get install -y curl xz-utils \\\n"
        ' && curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}'
        '-linux-x64.tar.xz" \\\n'
        ' && tar -xJf "node-v${NODE_VERSION}-linux-x64.tar.xz" -C /usr/local'
        " --strip-components=1\n"
    )
    out = translate_text(src, "Dockerfile").text
    assert "apk add --no-cache curl xz tar libstdc++ libgcc" in out
    assert "-linux-x64-musl.tar.xz" in out


PHP_EXT_LIKE = """\
FROM php:8.3-fpm-bookworm
RUN set -eux; \\
\tsavedAptMark="$(apt-mark showmanual)"; \\
\tapt-get update; \\
\tapt-get install -y --no-install-recommends libpng-dev libzip-dev; \\
\tdocker-php-ext-install -j "$(nproc)" gd zip; \\
\textDir="$(php -r 'echo ini_get("extension_dir");')"; \\
\t! { ldd "$extDir"/*.so | grep 'not found'; }; \\
\tapt-mark auto '.*' > /dev/null; \\
\tapt-mark manual $savedAptMark; \\
\tldd "$(php -r 'echo ini_get("extension_dir");')"/*.so \\
\t\t| awk '/=>/ { so = $(NF-1); print so }' \\
\t\t| sort -u \\
\t\t| xargs -r dpkg-query -S \\
\t\t| cut -d: -f1 \\
\t\t| sort -u \\
\t\t| xargs -rt apt-mark manual; \\
\tapt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \\
\trm -rf /var/lib/apt/lists/*
"""


def test_the_run_time_idiom_reading_ldd_of_a_substitution_is_alpines(
    alpine_rootfs: Path,
) -> None:
    """``ldd "$(php -r …)"/*.so | … apt-mark manual`` and glibc's missing-library grep."""
    from alpine_ready.translate.check import check_text

    out = translate_text(PHP_EXT_LIKE, "Dockerfile").text
    assert not _DEBIAN.search(out), out
    assert "apk add --no-cache --virtual .build-deps" in out
    assert "scanelf --needed" in out and out.rstrip().endswith("apk del --no-network .build-deps")
    # musl's ldd: a missing library is its exit status, one file at a time
    assert "grep 'not found'" not in out
    assert 'for so in "$extDir"/*.so; do ldd "$so" > /dev/null || exit 1; done' in out
    res = check_text(out, "Dockerfile", index=None, rootfs=alpine_rootfs)
    assert not res.failed, res.items


def test_musl_ldd_reports_a_missing_library_by_its_exit_status(
    alpine_rootfs: Path, tmp_path: Path
) -> None:
    """What the rewrite relies on, asked of the real Alpine loader: with a library gone,
    ``ldd`` exits non-zero and prints nothing a stdout grep for 'not found' would see."""
    import shutil
    import subprocess

    if os.geteuid() != 0 or shutil.which("chroot") is None:
        pytest.skip("needs root for chroot into the Alpine rootfs")
    script = (
        "mkdir -p /tmp/l && cp /usr/lib/libssl.so.3 /tmp/l/ && "
        "mkdir -p /tmp/e && "
        "cd /tmp/l && ldd ./libssl.so.3 >/dev/null 2>&1; echo ok=$?; "
        "mv /usr/lib/libcrypto.so.3 /tmp/e/ && "
        "{ ldd ./libssl.so.3 2>/dev/null | grep -c 'not found'; echo grep=$?; "
        "ldd ./libssl.so.3 >/dev/null 2>&1; echo missing=$?; }"
    )
    root = tmp_path / "rootfs"  # a hard-linked copy: the move below stays in it
    subprocess.run(["cp", "-al", str(alpine_rootfs), str(root)], check=True)
    r = subprocess.run(
        ["chroot", str(root), "/bin/sh", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "ok=0" in r.stdout, r.stdout + r.stderr
    assert "grep=1" in r.stdout and "missing=127" in r.stdout, r.stdout


def test_groups_in_case_arms_share_one_name_and_a_later_one_is_numbered_only_in_a_plain_run() -> (
    None
):
    """`apk add --virtual NAME` of an installed name replaces its packages: a second group
    in a plain RUN gets its own name; in a RUN with `case` arms (one of which runs) the
    name is shared, so the final apk del never names a group that was not installed."""
    plain = (
        "FROM debian:12\nRUN apt-get update && apt-get install -y gcc make "
        "&& ./configure && make && apt-get purge -y gcc make "
        "&& apt-get install -y libssl-dev gcc && make ssl && apt-get purge -y libssl-dev gcc\n"
    )
    out = translate_text(plain).text
    assert (
        "--virtual .build-deps-2" not in out
        or "apk del --no-network .build-deps .build-deps-2" in out
    )
    arms = (
        'FROM debian:12\nRUN set -eux; apt-get update; case "$(uname -m)" in '
        "x86_64) apt-get install -y libssl-dev gcc ;; *) apt-get install -y libffi-dev gcc ;; "
        "esac; ./configure; make; make install; apt-get purge -y gcc libssl-dev libffi-dev\n"
    )
    out = translate_text(arms).text
    assert ".build-deps-2" not in out
    assert sh_n_ok(out)


def sh_n_ok(text: str) -> bool:
    """Every RUN of ``text`` parses with sh -n (the host's dash)."""
    import subprocess

    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("RUN "):
            r = subprocess.run(["sh", "-n", "-c", line[4:]], capture_output=True, timeout=10)
            if r.returncode != 0:
                return False
    return True


def test_ldd_in_a_string_is_left_and_each_file_stops_the_build() -> None:
    src = (
        "FROM debian:12\nRUN ! { ldd /usr/local/bin/a /usr/local/bin/b | grep 'not found'; } "
        "&& echo \"! { ldd /y | grep 'not found'; }\"\n"
    )
    out = translate_text(src).text
    assert (
        'for so in /usr/local/bin/a /usr/local/bin/b; do ldd "$so" > /dev/null || exit 1; done'
        in out
    )
    assert "echo \"! { ldd /y | grep 'not found'; }\"" in out
    assert sh_n_ok(out)


GHOST_LIKE = """\
FROM node:20-bookworm-slim
RUN set -eux; \\
\tsavedAptMark="$(apt-mark showmanual)"; \\
\taptPurge=; \\
\tif ! npm install --prefix /opt/app app; then \\
\t\taptPurge=1; \\
\t\tapt-get update; \\
\t\tapt-get install -y --no-install-recommends g++ make python3; \\
\t\tnpm install --prefix /opt/app app; \\
\tfi; \\
\tfor package in sharp sqlite3; do \\
\t\tif ! npm install --prefix /opt/app "$package"; then \\
\t\t\taptPurge=1; \\
\t\t\tapt-get update; \\
\t\t\tapt-get install -y --no-install-recommends g++ make python3; \\
\t\t\tnpm install --prefix /opt/app "$package" --build-from-source; \\
\t\tfi; \\
\tdone; \\
\tif [ -n "$aptPurge" ]; then \\
\t\tapt-mark showmanual | xargs apt-mark auto > /dev/null; \\
\t\t[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \\
\t\tapt-get purge -y --auto-remove; \\
\t\trm -rf /var/lib/apt/lists/*; \\
\tfi
"""


def test_apt_mark_through_xargs_and_installs_in_two_if_branches() -> None:
    """``apt-mark showmanual | xargs apt-mark auto`` is the idiom too (ghost's form); an
    install in one ``if`` body does not stand for the same install in another."""
    out = translate_text(GHOST_LIKE).text
    assert _debian_left(out) == []
    adds = re.findall(r"apk add --no-cache --virtual (\S+) ([^;]+);", out)
    # both branches install, under the one group name the purge block deletes
    # (py3-setuptools: node-gyp on Alpine's Python 3.12, a node base)
    names = {"g++", "make", "python3", "linux-headers", "py3-setuptools"}
    assert [(g, set(p.split())) for g, p in adds] == [(".build-deps", names)] * 2
    purge = out.split('if [ -n "$aptPurge" ]; then', 1)[1]
    assert "apk add --no-network --virtual .rundeps $runDeps" in purge
    assert "apk del --no-network .build-deps;" in purge
    assert "xargs" not in purge.split("apk del", 1)[0].split("runDeps=", 1)[0]


def test_a_source_build_gets_what_debians_libc6_dev_brought() -> None:
    """CPython's configure finds libnsl and libtirpc, which Debian 12's libc6-dev depends
    on (source-builds.json ``libc6_dev``): named on Alpine; another project's build gets
    only the kernel headers."""
    run = (
        "RUN set -eux; \\\n"
        '\tsavedAptMark="$(apt-mark showmanual)"; \\\n'
        "\tapt-get update; apt-get install -y --no-install-recommends gcc libc6-dev make; \\\n"
        '\twget -O src.tar.xz "{url}"; \\\n'
        "\ttar -xJf src.tar.xz; ./configure && make && make install; \\\n"
        "\tapt-mark auto '.*' > /dev/null; \\\n"
        '\t[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \\\n'
        "\tapt-get purge -y --auto-remove\n"
    )
    python = translate_text(
        "FROM debian:bookworm-slim\n"
        + run.format(url="https://www.python.org/ftp/python/3.12.8/Python-3.12.8.tar.xz")
    )
    other = translate_text(
        "FROM debian:bookworm-slim\n" + run.format(url="https://example.org/kv-1.0.tar.xz")
    )
    group = python.text.split("--virtual .build-deps", 1)[1].split(";", 1)[0].split()
    assert {"libnsl-dev", "libtirpc-dev", "linux-headers"} <= set(group)
    assert any(
        c.what.startswith("libnsl-dev added") and "libc6-dev brought libnsl-dev" in c.why
        for c in python.changes
    )
    assert "libnsl-dev" not in other.text and "libtirpc-dev" not in other.text
    assert "linux-headers" in other.text


def test_no_group_deleted_where_every_install_went() -> None:
    """wget is busybox's, ca-certificates the base's bundle: the RUN installs nothing, so
    the run-time idiom has no group to delete (apk del of one never made fails: AR110)."""
    from alpine_ready.translate.check import check_text

    src = (
        "FROM debian:bookworm-slim\n"
        "RUN set -eux; \\\n"
        '\tsavedAptMark="$(apt-mark showmanual)"; \\\n'
        "\tapt-get update; \\\n"
        "\tapt-get install -y --no-install-recommends ca-certificates wget; \\\n"
        "\trm -rf /var/lib/apt/lists/*; \\\n"
        "\twget -O /usr/local/bin/tool https://example.org/tool; \\\n"
        "\tapt-mark auto '.*' > /dev/null; \\\n"
        '\t[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \\\n'
        "\tapt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \\\n"
        "\tchmod +x /usr/local/bin/tool\n"
    )
    tr = translate_text(src)
    assert _debian_left(tr.text) == []
    assert "apk del" not in tr.text and ".rundeps" not in tr.text
    assert "chmod +x /usr/local/bin/tool" in tr.text
    got = check_text(tr.text, "Dockerfile")
    assert not got.failed
    assert not [i for i in got.items if "AR110" in i.message]


def test_node_gyp_gets_setuptools_where_alpines_python_has_no_distutils() -> None:
    """python3 for node-gyp on a node base: py3-setuptools from Alpine 3.20 (Python 3.12)."""
    src = (
        "FROM node:20-bookworm-slim\n"
        "RUN set -eux; \\\n"
        "\tapt-get update; \\\n"
        "\tapt-get install -y --no-install-recommends g++ make python3; \\\n"
        "\tnpm install --build-from-source sqlite3; \\\n"
        "\tapt-get purge -y --auto-remove g++ make python3\n"
    )
    new = translate_text(src, alpine="3.23")
    old = translate_text(src, alpine="3.19")
    assert "py3-setuptools" in new.text.split("npm install", 1)[0]
    assert any(
        c.what.startswith("py3-setuptools added") and "distutils" in c.why for c in new.changes
    )
    assert "py3-setuptools" not in old.text
    # python3 for something else (no node base, no npm/yarn/pnpm/node-gyp) gets none
    plain = translate_text(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y python3\n"
    )
    assert "py3-setuptools" not in plain.text


def test_imagemagick_coders_stay_with_the_run_time_libraries() -> None:
    """scanelf finds imagemagick-libs; the coders (dlopen) are the imagemagick package."""
    src = (
        "FROM php:8.3-fpm-bookworm\n"
        "RUN set -ex; \\\n"
        '\tsavedAptMark="$(apt-mark showmanual)"; \\\n'
        "\tapt-get update; \\\n"
        "\tapt-get install -y --no-install-recommends libmagickwand-dev libzip-dev; \\\n"
        "\tpecl install imagick-3.8.1; \\\n"
        "\tdocker-php-ext-enable imagick; \\\n"
        "\tapt-mark auto '.*' > /dev/null; \\\n"
        "\tapt-mark manual $savedAptMark; \\\n"
        '\tldd "$(php -r \'echo ini_get("extension_dir");\')"/*.so \\\n'
        '\t\t| awk \'/=>/ { so = $(NF-1); if (index(so, "/usr/local/") == 1) { next }; '
        'gsub("^/(usr/)?", "", so); printf "*%s\\n", so }\' \\\n'
        "\t\t| sort -u \\\n"
        "\t\t| xargs -r dpkg-query --search \\\n"
        "\t\t| cut -d: -f1 \\\n"
        "\t\t| sort -u \\\n"
        "\t\t| xargs -rt apt-mark manual; \\\n"
        "\tapt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n"
    )
    tr = translate_text(src)
    assert "apk add --no-network --virtual .rundeps $runDeps imagemagick;" in tr.text
    assert any(
        c.what == "imagemagick kept in the .rundeps group (built with imagemagick-dev)"
        for c in tr.changes
    )
    other = translate_text(src.replace("libmagickwand-dev ", ""))
    assert "$runDeps imagemagick" not in other.text and "$runDeps;" in other.text


def test_gnu_wget_stays_for_a_host_busybox_wget_fails_on() -> None:
    """busybox wget stops on download.redis.io's headers: GNU wget stays in that RUN only."""
    src = (
        "FROM debian:bookworm-slim\n"
        "ENV URL http://download.redis.io/releases/redis-7.4.3.tar.gz\n"
        "RUN set -eux; apt-get update; apt-get install -y --no-install-recommends wget; \\\n"
        "\twget -O /usr/local/bin/gosu https://github.com/tianon/gosu/releases/download/1.17/gosu\n"
        "RUN set -eux; apt-get update; \\\n"
        "\tapt-get install -y --no-install-recommends gcc make wget; \\\n"
        '\twget -O redis.tar.gz "$URL"; \\\n'
        "\tmkdir src; tar -xzf redis.tar.gz -C src; make -C src install\n"
    )
    tr = translate_text(src)
    first, second = tr.text.split("RUN ")[1:3]
    assert "wget" not in first.split("wget -O", 1)[0]  # busybox's wget for github.com
    assert "wget" in second.split("wget -O", 1)[0]  # GNU wget for download.redis.io
    assert any("download.redis.io" in c.why and "bad header line" in c.why for c in tr.changes)


def test_locale_generation_and_its_check_go_without_a_true_left() -> None:
    """postgres's locale RUN: the generation, and ``locale -a | grep`` checking it (no
    ``locale`` on Alpine: the pipeline would fail), go as a whole -- after an ``if`` too."""
    src = (
        "FROM debian:bookworm-slim\n"
        "RUN set -eux; \\\n"
        "\tif [ -f /etc/dpkg/dpkg.cfg.d/docker ]; then \\\n"
        "\t\tsed -ri '/\\/usr\\/share\\/locale/d' /etc/dpkg/dpkg.cfg.d/docker; \\\n"
        "\tfi; \\\n"
        "\tapt-get update; apt-get install -y --no-install-recommends locales; \\\n"
        "\trm -rf /var/lib/apt/lists/*; \\\n"
        "\techo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen; \\\n"
        "\tlocale-gen; \\\n"
        "\tlocale -a | grep 'en_US.utf8'\n"
        "ENV LANG en_US.utf8\n"
    )
    tr = translate_text(src)
    run = tr.text.split("RUN ", 1)[1].split("ENV", 1)[0]
    assert run.rstrip().endswith("\tfi")
    assert "locale" not in run.replace("/usr\\/share\\/locale", "") and "true" not in run
    assert not [n for n in tr.notes if "became `true`" in n.message]
    assert any("locale -a" in c.why for c in tr.changes)
    # a `locale -a` with no generation in the RUN is left alone
    kept = translate_text("FROM debian:bookworm-slim\nRUN locale -a | grep C.utf8\n")
    assert "locale -a | grep C.utf8" in kept.text


@pytest.mark.parametrize(
    "run",
    [
        # a pipeline into a { } group: its end is the group's, not the last command's
        "echo x && apt-get update 2>&1 | { apt-get clean; }",
        "locale-gen en_US.UTF-8 && echo x && locale -a | { grep -q en_US; }",
        # the xargs form of the idiom inside an if body whose installs all went
        'set -eux; savedAptMark="$(apt-mark showmanual)"; if [ -n "$X" ]; then '
        "apt-get update; apt-get install -y --no-install-recommends wget; "
        "wget -O /tmp/x https://example.org/x; "
        "apt-mark showmanual | xargs apt-mark auto > /dev/null; "
        '[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; '
        "apt-get purge -y --auto-remove; fi; rm -rf /var/lib/apt/lists/*",
    ],
)
def test_deletions_leave_valid_shell(run: str) -> None:
    """Found by review: a deletion ran into a `}` or past a `fi`."""
    out = translate_text(f"FROM node:20-bookworm-slim\nRUN {run}\n").text
    assert sh_n_ok(out), out
    assert _debian_left(out) == []


def test_a_group_made_only_in_a_branch_is_deleted_only_if_it_was_made() -> None:
    """apk del of a group never made fails: after a branch-only install it is guarded."""
    src = (
        "FROM debian:bookworm-slim\n"
        'RUN set -eux; savedAptMark="$(apt-mark showmanual)"; \\\n'
        '\tif [ "$(uname -m)" = aarch64 ]; then \\\n'
        "\t\tapt-get update; apt-get install -y gcc make libc6-dev; make -C /src install; \\\n"
        "\tfi; \\\n"
        "\tapt-mark auto '.*' > /dev/null; \\\n"
        '\t[ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \\\n'
        "\tapt-get purge -y --auto-remove\n"
    )
    out = translate_text(src).text
    assert (
        "if apk info -e .build-deps > /dev/null; then apk del --no-network .build-deps; fi" in out
    )
    assert sh_n_ok(out)
    # made outside any branch: deleted as it is
    plain = translate_text(
        src.replace('if [ "$(uname -m)" = aarch64 ]; then', "{").replace("\tfi; \\\n", "\t}; \\\n")
    ).text
    assert "apk info -e" not in plain and "apk del --no-network .build-deps" in plain


def test_imagemagick_is_kept_only_when_its_headers_were_surely_installed() -> None:
    src = (
        "FROM php:8.2-fpm-bookworm\n"
        'RUN set -ex; savedAptMark="$(apt-mark showmanual)"; apt-get update; \\\n'
        "\tapt-get install -y --no-install-recommends libzip-dev; \\\n"
        '\tif [ -n "$WITH_IMAGICK" ]; then \\\n'
        "\t\tapt-get install -y --no-install-recommends libmagickwand-dev; \\\n"
        "\t\tpecl install imagick; \\\n"
        "\tfi; \\\n"
        "\tapt-mark auto '.*' > /dev/null; apt-mark manual $savedAptMark; \\\n"
        "\tapt-get purge -y --auto-remove\n"
    )
    out = translate_text(src).text
    assert "$runDeps imagemagick" not in out and "$runDeps;" in out


def test_gnu_wget_stays_where_it_is_installed_for_a_later_run() -> None:
    src = (
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y wget ca-certificates\n"
        "RUN wget http://download.redis.io/releases/redis-7.4.3.tar.gz\n"
    )
    out = translate_text(src).text
    assert "apk add --no-cache wget" in out


def test_an_idiom_cut_by_a_compound_command_is_left_to_a_hand_edit() -> None:
    """Replaced as one span, an idiom whose apt-mark is in an `if` and whose purge is
    after `fi` would take the `fi` with it: the stop block names the edit instead."""
    src = (
        "FROM debian:bookworm-slim\n"
        'RUN set -eux; s="$(apt-mark showmanual)"; apt-get update; apt-get install -y gcc make; '
        "make; if [ -n \"$s\" ]; then apt-mark auto '.*' && apt-mark manual $s; fi; "
        "apt-get purge -y --auto-remove\n"
    )
    tr = translate_text(src)
    assert sh_n_ok(tr.text), tr.text
    assert "apt-mark is Debian-only" in tr.text  # the stop block before the RUN


JIT_BUILD = """\
FROM debian:bookworm-slim
RUN set -eux; \\
	apt-get update; \\
	apt-get install -y --no-install-recommends \\
		clang-19 gcc libc6-dev libssl-dev llvm-19 make wget xz-utils zlib1g-dev \\
	; \\
	wget -O python.tar.xz "https://www.python.org/ftp/python/3.14.2/Python-3.14.2.tar.xz"; \\
	mkdir -p /usr/src/python; \\
	tar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz; \\
	cd /usr/src/python; \\
	./configure \\
		--enable-optimizations \\
		--enable-experimental-jit=yes-off \\
		--with-ensurepip \\
	; \\
	make -j "$(nproc)"; \\
	make install
"""


def test_cpython_is_built_without_the_jit_as_the_official_alpine_images_do() -> None:
    """The experimental JIT option and the LLVM toolchain only it needs go, with a note."""
    tr = translate_text(JIT_BUILD)
    out = tr.text
    assert "experimental-jit" not in out and "clang" not in out and "llvm" not in out
    assert "\t\t--enable-optimizations \\\n\t\t--with-ensurepip \\\n" in out  # its line went
    assert re.search(r"apk add --no-cache --virtual \.build-deps[^;]*\bgcc\b", out)
    whats = [c.what for c in tr.changes]
    assert "clang-19 dropped" in whats and "llvm-19 dropped" in whats
    assert "--enable-experimental-jit=yes-off removed" in whats
    assert any("to keep the JIT" in n.message for n in tr.notes)
    # without the option, the packages are the build's as any other
    plain = translate_text(JIT_BUILD.replace("\t\t--enable-experimental-jit=yes-off \\\n", ""))
    assert "clang-19" in {u.name for u in plain.unmapped}
