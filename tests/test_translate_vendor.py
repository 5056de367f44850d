"""A publisher's apt repository → the publisher's Alpine repository (vendor-repos.json).

The input is a Debian Dockerfile of our own in the shape such images have (a GnuPG
import into apt's keyring, the repository for the publisher's architectures, a rebuild
of its source packages elsewhere, pinned names).  The output is checked with the real
Alpine 3.23 busybox (``sh -n``), our lint, and a real-format package index (the rootfs's
installed database, which has none of the publisher's packages).
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge.apkindex import PackageIndex
from alpine_ready.knowledge.vendorrepos import vendor_for, vendor_repos
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule
from alpine_ready.translate.check import check_text
from alpine_ready.translate.translate import translate_text
from alpine_ready.translate.vendor import alpine_pins
from apk_mirror import installed_db, installed_index  # noqa: F401 (fixtures)
from musl_real import needs_rootfs_sh

SOURCE = Path(__file__).parent / "data" / "translate" / "debian-vendor-repo.Dockerfile"


@pytest.fixture(scope="module")
def translated() -> str:
    return translate_text(SOURCE.read_text("utf-8"), str(SOURCE)).text


def test_the_data_names_each_repository_once_with_a_clean_message() -> None:
    repos = vendor_repos()
    assert len({r.debian_url for r in repos}) == len(repos) >= 2
    for r in repos:
        if r.own:  # Alpine's own repositories carry it: names and paths to follow
            assert not r.alpine_url and r.alpine_packages and r.path_moves
            continue
        assert r.alpine_url.startswith("https://") and "{release}" in r.alpine_url
        assert r.key_url.startswith("https://") and r.key_url.endswith(r.key_file)
        assert r.arches and r.publishes("nginx") and not r.publishes("curl")
        # the text goes into a double-quoted echo: nothing the shell would expand
        assert not re.search(r'[$`"\\]', r.from_source + r.name)
    mainline = vendor_for("http://nginx.org/packages/mainline/debian/")  # either scheme
    stable = vendor_for("https://nginx.org/packages/debian")
    assert mainline is not None and "mainline/alpine" in mainline.alpine_url
    assert stable is not None and "/packages/alpine/" in stable.alpine_url
    assert vendor_for("http://deb.debian.org/debian/") is None


def test_pins_keep_the_upstream_version_as_a_prefix() -> None:
    (repo,) = [r for r in vendor_repos() if "mainline" in r.name]
    text, changed = alpine_pins(
        'p="nginx=${V}-${R} nginx-module-njs=${V}+${N}-${R} curl=8.0-1 nginx-module-geoip=1.2"',
        repo,
    )
    assert text == 'p="nginx~${V} nginx-module-njs~${V}.${N} curl=8.0-1 nginx-module-geoip~1.2"'
    assert len(changed) == 3  # curl is not the publisher's


def test_the_publishers_alpine_repository_replaces_its_apt_repository(translated: str) -> None:
    out = translated
    tr = translate_text(SOURCE.read_text("utf-8"), str(SOURCE))
    assert not tr.unmapped
    run = out.split("\nRUN ", 1)[1]
    # nothing of apt's repository, keyring or source rebuild is left
    for gone in (r"\bapt-", "deb-src", r"\bgpg", r"\bdpkg\b", "GNUPGHOME", "gnupg", "KEYRING"):
        assert re.search(gone, run) is None, gone
    assert "wget -qO /etc/apk/keys/nginx_signing.rsa.pub https://nginx.org/keys/" in out
    assert (
        'echo "https://nginx.org/packages/mainline/alpine/v$(cut -d. -f1,2 /etc/alpine-release)'
        '/main" >> /etc/apk/repositories'
    ) in out
    # the arms test Alpine's architecture names; the other architectures stop, saying why
    assert "x86_64|aarch64)" in out
    arm = out.split("*)", 1)[1].split(";;", 1)[0]
    assert "has Alpine packages for x86_64 and aarch64 only" in arm and "exit 1" in arm
    assert "nginx~${NGINX_VERSION} \\\n" in out  # one per line, as written
    assert "nginx-module-njs~${NGINX_VERSION}.${NJS_VERSION}" in out
    assert "apk add --no-cache $nginxPackages gettext curl" in out
    assert "$nginxPackages kept" in [c.what for c in tr.changes]  # not "unmapped"
    # the Debian image keeps no apt list for the repository: the Alpine one no line for it
    assert "/etc/apt/sources.list.d/nginx.list" not in out
    assert "sed -i '\\|^https://nginx.org/packages/mainline/alpine/|d' /etc/apk/repositories" in out


@needs_rootfs_sh
def test_the_output_passes_the_check(
    translated: str, installed_index: PackageIndex, alpine_rootfs: Path
) -> None:
    offline = check_text(translated, index=None, rootfs=alpine_rootfs)
    assert offline.sh_checked == 1 and not offline.failed, offline.items
    served = check_text(translated, index=installed_index, rootfs=alpine_rootfs)
    assert not served.failed, served.items


def test_names_after_another_repository_are_not_the_releases_to_judge(
    installed_index: PackageIndex,
) -> None:
    """AR108 (lint) and AR631 (check) stay quiet; the check says it could not tell (AR638)."""
    name = "nginx-module-xslt"
    assert installed_index.provider(name) is None
    plain = f"FROM alpine:3.23\n# hadolint ignore=DL3018\nRUN apk add --no-cache {name}\n"
    repo = (
        "FROM alpine:3.23\n# hadolint ignore=DL3018\n"
        'RUN echo "https://nginx.org/packages/alpine/v3.23/main" >> /etc/apk/repositories\n'
        f"# hadolint ignore=DL3018\nRUN apk add --no-cache {name}\n"
    )
    ar108 = rule("AR108")
    assert ar108 is not None

    def lint(text: str) -> list[str]:
        ctx = LintContext(parse_text(text), package_indexes=lambda release: installed_index)
        return [f.message for f in ar108.check(ctx)]

    assert len(lint(plain)) == 1 and lint(repo) == []
    assert [
        i.code for i in check_text(plain, index=installed_index).items if i.code == "AR631"
    ] == ["AR631"]
    items = check_text(repo, index=installed_index).items
    assert "AR631" not in [i.code for i in items]
    assert [i.code for i in items if name in i.message] == ["AR638"]


@pytest.mark.skipif(os.geteuid() != 0, reason="chroot into the real rootfs needs root")
def test_the_repository_lines_work_in_the_real_alpine(
    translated: str, sandbox_rootfs: Path
) -> None:
    """The emitted echo (release from /etc/alpine-release) and the sed removing it, run by
    the real busybox on a copy of the real /etc/apk/repositories."""
    add = re.search(r'echo "https://nginx\.org/[^"]+" >> /etc/apk/repositories', translated)
    drop = re.search(r"sed -i '[^']+' /etc/apk/repositories", translated)
    assert add is not None and drop is not None
    f = "/tmp/repositories.test"
    script = "; ".join(
        [
            "set -e",
            f"cp /etc/apk/repositories {f}",
            add[0].replace("/etc/apk/repositories", f),
            f"cat {f}",
            "echo ---",
            drop[0].replace("/etc/apk/repositories", f),
            f"cat {f}",
            f"rm {f}",
        ]
    )
    proc = subprocess.run(
        ["chroot", str(sandbox_rootfs), "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    before, after = proc.stdout.split("---\n")
    original = (sandbox_rootfs / "etc/apk/repositories").read_text()
    assert before == original + "https://nginx.org/packages/mainline/alpine/v3.23/main\n"
    assert after == original


_SIMPLE_LOOP = (
    "    for server in hkp://keyserver.ubuntu.com:80 pgp.mit.edu; do \\\n"
    '        apt-key adv --keyserver "$server" --recv-keys 573BFD6B3D8FBC64'
    " && break; \\\n    done; \\\n"
)
#: nginx's Debian images before bookworm: a flag says whether a keyserver answered
_FLAG_LOOP = (
    "    NGINX_GPGKEY=573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62; \\\n"
    "    found=''; \\\n"
    "    for server in \\\n"
    "        hkp://keyserver.ubuntu.com:80 \\\n"
    "        pgp.mit.edu \\\n"
    "    ; do \\\n"
    '        echo "Fetching GPG key $NGINX_GPGKEY from $server"; \\\n'
    '        apt-key adv --keyserver "$server" --keyserver-options timeout=10 --recv-keys'
    ' "$NGINX_GPGKEY" && found=yes && break; \\\n'
    "    done; \\\n"
    '    test -z "$found" && echo >&2 "error: failed to fetch GPG key $NGINX_GPGKEY" && exit 1;'
    " \\\n"
)


def _with_key_loop(loop: str) -> str:
    text = SOURCE.read_text("utf-8")
    start = text.index("    KEYRING=")
    end = text.index("    apt-get remove --purge --auto-remove -y gnupg1")
    return (text[:start] + loop + text[end:]).replace("[signed-by=$KEYRING] ", "")


@pytest.mark.parametrize("loop", [_SIMPLE_LOOP, _FLAG_LOOP], ids=["simple", "flag"])
def test_an_apt_key_import_goes_with_the_repository(loop: str) -> None:
    """Older files fetch the key with `apt-key adv --recv-keys` in a retry loop."""
    out = translate_text(_with_key_loop(loop)).text
    assert "apt-key" not in out and "gnupg" not in out and "alpine-ready translate:" not in out
    assert "/etc/apk/keys/nginx_signing.rsa.pub" in out
    if loop is _FLAG_LOOP:  # the loop, its flag, its test and the key variable go too
        assert "found" not in out and "NGINX_GPGKEY" not in out and "keyserver" not in out
    assert check_text(out).failed is False


def test_a_retry_loop_doing_more_than_the_import_stays() -> None:
    """Its flag's test stays meaningful only with the loop: both stay, the import goes."""
    loop = _FLAG_LOOP.replace(
        '        echo "Fetching', '        date >> /var/log/keys.log; \\\n        echo "Fetching'
    )
    out = translate_text(_with_key_loop(loop)).text
    assert "apt-key" not in out
    assert "found=yes && break" in out and 'test -z "$found"' in out


POSTGRES = Path(__file__).parent / "data" / "translate" / "debian-postgres-vendor.Dockerfile"


def test_alpine_own_packages_stand_for_the_pgdg_repository() -> None:
    tr = translate_text(POSTGRES.read_text("utf-8"), str(POSTGRES))
    out = tr.text
    body = out.split("\nFROM ", 1)[1]  # the header comment speaks of dpkg
    for gone in (r"\bapt-", "deb-src", r"(?<![\w.])dpkg\b", "createcluster", "aptRepo"):
        assert re.search(gone, body) is None, gone
    # the repository's case arms are no-ops: Alpine's repositories have it everywhere
    assert out.count(":; \\\n\t\t\t;;") == 2
    assert "apk add --no-cache postgresql-common;" in out
    assert "postgresql$PG_MAJOR postgresql$PG_MAJOR-contrib postgresql$PG_MAJOR-jit" in out
    assert "ENV PATH $PATH:/usr/libexec/postgresql$PG_MAJOR\n" in out  # ENV paths follow
    assert "apk add --no-cache gnupg less bash" in out  # find runs bash
    assert '-exec bash -c \'for pyc; do apk info --who-owns "$pyc"' in out
    # the diversion is a move; the relative link into the moved folder is made absolute
    assert (
        'mkdir -p /usr/share/postgresql; mv "/usr/share/postgresql$PG_MAJOR/postgresql.conf.sample"'
        ' "/usr/share/postgresql/postgresql.conf.sample.dpkg"'
    ) in out
    assert (
        'ln -sv /usr/share/postgresql/postgresql.conf.sample "/usr/share/postgresql$PG_MAJOR/"'
        in out
    )
    assert not [u for u in tr.unmapped if "postgres" in u.name]
    # which majors a release carries is the package index's to say (the data's note)
    assert any("translate --check with the release's package index" in n.message for n in tr.notes)
    assert check_text(out).failed is False


@needs_rootfs_sh
def test_the_pgdg_translation_passes_the_real_sh(alpine_rootfs: Path) -> None:
    out = translate_text(POSTGRES.read_text("utf-8"), str(POSTGRES)).text
    res = check_text(out, rootfs=alpine_rootfs)
    assert res.sh_checked == 3 and not res.failed, res.items


@pytest.mark.skipif(os.geteuid() != 0, reason="chroot into the real rootfs needs root")
def test_apk_who_owns_answers_as_dpkg_search_does(sandbox_rootfs: Path) -> None:
    """What `dpkg -S` became: exit 0 for a packaged file, 1 for one no package owns."""
    script = (
        "apk info --who-owns /bin/busybox; echo rc=$?; : > /tmp/x.pyc; "
        "apk info --who-owns /tmp/x.pyc; echo rc=$?; rm /tmp/x.pyc"
    )
    proc = subprocess.run(
        ["chroot", str(sandbox_rootfs), "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "/bin/busybox is owned by busybox-" in proc.stdout
    assert proc.stdout.count("rc=") == 2 and "rc=0" in proc.stdout and "rc=1" in proc.stdout
