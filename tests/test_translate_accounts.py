"""translate never emits a file that looks finished and fails for another reason.

Users and groups against the ids of the real Alpine rootfs's ``/etc/group`` and
``/etc/passwd`` (the emitted commands are run by the rootfs's own busybox); Debian names
kept or stopped by a served package index (``tests/apk_mirror.py``); paths that move;
an end-of-life release.  The Dockerfiles are our own, in the style of Debian images.
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from alpine_ready.knowledge.accounts import alpine_groups, alpine_users
from alpine_ready.knowledge.apkindex import parse_index
from alpine_ready.translate import TranslateOptions, run
from alpine_ready.translate.translate import translate_text
from apk_mirror import (  # noqa: F401 (fixtures)
    apkindex_targz,
    index_text_of_installed,
    installed_db,
    record,
    serve,
    test_records,
)
from musl_real import chroot_prefix

APP = """\
FROM debian:bookworm-slim
RUN set -eux; \\
\tgroupadd -r -g 999 app; \\
\tuseradd -r -g app -u 999 app
USER app
"""

PHP_LIKE = """\
FROM debian:bookworm-slim
RUN set -eux; \\
\tapt-get update; \\
\tapt-get install -y --no-install-recommends ca-certificates curl; \\
\trm -rf /var/lib/apt/lists/*
RUN set -eux; \\
\tmkdir -p /var/www/html; \\
\tchown www-data:www-data /var/www/html
WORKDIR /var/www/html
USER www-data
"""

TINI = """\
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini \\
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --shell /usr/sbin/nologin svc
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/usr/bin/tini-static-like", "x"]
"""

UNMAPPED = """\
FROM debian:bookworm-slim
RUN set -eux; \\
\tapt-get update; \\
\tapt-get install -y --no-install-recommends \\
\t\tlibsnmp-dev \\
\t\txmlstarlet \\
\t; \\
\trm -rf /var/lib/apt/lists/*
"""


def _tr(text: str, **kw: object) -> tuple[str, list[str], list[str]]:
    tr = translate_text(text, alpine=None, **kw)  # type: ignore[arg-type]
    return tr.text, [f"{c.what} -- {c.why}" for c in tr.changes], [n.message for n in tr.notes]


# -- ids: the real Alpine /etc/group and /etc/passwd --------------------------------------


def _accounts_of(path: Path) -> dict[str, int]:
    return {
        f[0]: int(f[2])
        for f in (line.split(":") for line in path.read_text("utf-8").splitlines() if line)
    }


def test_the_ids_are_those_of_the_real_alpine_rootfs(alpine_rootfs: Path) -> None:
    groups = _accounts_of(alpine_rootfs / "etc/group")
    users = _accounts_of(alpine_rootfs / "etc/passwd")
    assert groups["ping"] == 999 == alpine_groups()["ping"]
    assert groups["www-data"] == 82 == alpine_groups()["www-data"]
    assert "www-data" not in users and "www-data" not in alpine_users()
    # every base account the data has is in the real files with the same id
    assert all(groups[n] == g for n, g in alpine_groups().items())
    assert all(users[n] == u for n, (u, _) in alpine_users().items())


def test_gid_999_takes_the_next_free_id_and_says_so() -> None:
    text, changes, _ = _tr(APP)
    assert text == (
        "FROM alpine:3.23\n"
        "RUN set -eux; \\\n"
        "\taddgroup -S -g 1000 app; \\\n"
        "\tadduser -S -G app -u 999 app\n"
        "USER app\n"
    )
    (grp,) = [c for c in changes if c.startswith("`groupadd")]
    assert "gid 999 is Alpine's ping group (/etc/group)" in grp and "gid 1000 taken" in grp
    (usr,) = [c for c in changes if c.startswith("`useradd")]
    # what the change list says is what was emitted: -S, not -D
    assert "adduser -S: a system account (no password" in usr and "-D:" not in usr


def test_the_ids_chosen_do_not_collide_and_uid_alone_gets_its_group() -> None:
    text, _, _ = _tr(
        "FROM debian:12\n"
        "RUN groupadd --gid 999 a && addgroup --system --gid 999 b && useradd -u 999 c\n"
    )
    assert text.splitlines()[1] == (
        "RUN addgroup -g 1000 a && addgroup -S -g 1001 b "
        "&& addgroup -g 1002 c && adduser -D -u 999 -G c c"
    )


def test_a_group_alpine_has_is_not_made_again() -> None:
    text, changes, notes = _tr("FROM debian:12\nRUN groupadd -g 33 www-data && echo ok\n")
    assert text.splitlines()[1] == "RUN echo ok"
    assert any("Alpine's base has group www-data already (gid 82)" in c for c in changes)
    assert any("gid 82, not 33" in n for n in notes)


def _mini_root(alpine_rootfs: Path, dest: Path) -> Path:
    """The rootfs's busybox, loader and account files, less the VM image's own accounts."""
    for d in ("bin", "lib", "etc", "home", "tmp", "dev"):
        (dest / d).mkdir(parents=True)
    shutil.copy(alpine_rootfs / "bin/busybox", dest / "bin/busybox")
    shutil.copy(alpine_rootfs / "lib/ld-musl-x86_64.so.1", dest / "lib/ld-musl-x86_64.so.1")
    (dest / "bin/sh").symlink_to("busybox")
    keep = {"group": alpine_groups(), "passwd": alpine_users(), "shadow": alpine_users()}
    for name, known in keep.items():
        lines = (alpine_rootfs / "etc" / name).read_text("utf-8").splitlines()
        (dest / "etc" / name).write_text(
            "".join(f"{line}\n" for line in lines if line.split(":", 1)[0] in known)
        )
    return dest


def _busybox(root: Path, script: str) -> subprocess.CompletedProcess[str]:
    prefix = chroot_prefix()
    assert prefix is not None
    applets = "addgroup adduser grep"
    setup = f"for a in {applets}; do /bin/busybox ln -s /bin/busybox /bin/$a; done; "
    return subprocess.run(
        [*prefix, str(root), "/bin/busybox", "sh", "-ec", setup + script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(chroot_prefix() is None, reason="needs chroot (root or unshare)")
def test_the_emitted_commands_run_on_the_real_busybox(alpine_rootfs: Path, tmp_path: Path) -> None:
    text, _, _ = _tr(APP)
    script = " ".join(text.splitlines()[1:4]).replace("\\", "").replace("RUN ", "")
    done = _busybox(_mini_root(alpine_rootfs, tmp_path / "a"), script + "; grep ^app: /etc/passwd")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("app:x:999:1000:")
    # what was emitted before: gid 999 is ping's, busybox refuses it
    old = _busybox(_mini_root(alpine_rootfs, tmp_path / "b"), "addgroup -S -g 999 app")
    assert old.returncode != 0 and "gid '999' in use" in old.stderr
    # www-data as the official PHP images make it
    www = _busybox(
        _mini_root(alpine_rootfs, tmp_path / "c"),
        "adduser -u 82 -D -S -G www-data www-data; grep ^www-data: /etc/passwd",
    )
    assert www.returncode == 0 and www.stdout.startswith("www-data:x:82:82:"), www.stderr


# -- www-data ----------------------------------------------------------------------------


def test_www_data_is_made_where_first_used() -> None:
    text, changes, _ = _tr(PHP_LIKE)
    lines = text.splitlines()
    at = lines.index("RUN adduser -u 82 -D -S -G www-data www-data")
    assert lines[at - 1].startswith("# www-data: a user in Debian's base (uid 33)")
    assert lines[at + 1] == "RUN set -eux; \\" and "chown www-data" in lines[at + 3]
    assert any("as the official PHP and httpd Alpine images do" in c for c in changes)


def test_www_data_made_by_the_file_is_not_made_twice() -> None:
    text, _, _ = _tr("FROM debian:12\nRUN useradd -u 82 www-data\nUSER www-data\n")
    assert "adduser -u 82 -D -S" not in text


# -- names: kept when Alpine has them, else a block that stops the build -----------------


def test_a_served_index_decides_kept_or_stopped(
    installed_db: str, test_records: str, tmp_path: Path
) -> None:
    community = test_records + "\n" + record("xmlstarlet", "1.17-r0")
    m = serve(
        {
            "main": apkindex_targz(index_text_of_installed(installed_db)),
            "community": apkindex_targz(community),
        }
    )
    path = tmp_path / "Dockerfile"
    path.write_text(UNMAPPED)
    try:
        rep = run(
            TranslateOptions(path=str(path), mirror=m.url, offline=False, cache_root=tmp_path / "c")
        )
    finally:
        m.close()
    lines = rep.text.splitlines()
    assert lines[1] == (
        "# alpine-ready translate: no Alpine translation known for what the next RUN uses: "
        "do it by hand"
    )
    assert lines[2] == (
        "RUN echo 'alpine-ready translate: libsnmp-dev (Debian): not in the package index "
        "of Alpine 3.23: find the Alpine name (apk search -v NAME) and edit the apk add "
        "below -- then delete this RUN' >&2 && exit 1"
    )
    assert [u.name for u in rep.unmapped] == ["libsnmp-dev"]  # xmlstarlet: kept
    assert any(c.what == "xmlstarlet kept" and "package index has it" in c.why for c in rep.changes)
    codes = [i.code for i in rep.core().items]
    assert codes.count("AR620") == 1 and rep.failed


def test_a_name_the_index_has_needs_no_block(installed_db: str, test_records: str) -> None:
    index = parse_index(
        index_text_of_installed(installed_db)
        + "\n"
        + test_records
        + "\n"
        + record("xmlstarlet")
        + record("libsnmp-dev"),
        release="3.23",
    )
    text, _, notes = _tr(UNMAPPED, index=index)
    assert "alpine-ready translate:" not in text
    assert "\t\tlibsnmp-dev \\\n\t\txmlstarlet\n" in text
    assert not any("stops" in n for n in notes)


def test_offline_without_an_index_says_it_could_not_check() -> None:
    text, _, notes = _tr(UNMAPPED)
    assert (
        "libsnmp-dev, xmlstarlet (Debian): no Alpine name known, and no package index was read"
        in (text)
    )
    assert any(n.startswith("the build stops at a marked block before this RUN") for n in notes)


def test_a_package_alpine_removed_says_what_to_do_instead(
    installed_db: str, test_records: str
) -> None:
    """python2 left Alpine in 3.16: 'find the Alpine name' would send the user searching."""
    debian = "FROM debian:11\nRUN apt-get install -y g++ python2.7-dev xmlstarlet && npm i\n"
    index = parse_index(index_text_of_installed(installed_db) + "\n" + test_records, release="3.23")
    text, _, _ = _tr(debian, index=index)
    (stop,) = [ln for ln in text.splitlines() if ln.startswith("RUN echo 'alpine-ready")]
    assert stop == (
        "RUN echo 'alpine-ready translate: python2.7-dev (Debian): Alpine removed python2-dev in "
        "3.16, so no package of Alpine 3.23 gives it: port what runs it to python3; for "
        "node-gyp, install python3 and set npm_config_python=python3 (node-gyp 5.0.5 and "
        "later run on Python 3; node-gyp 3.x, the one sqlite3 5.0.x brings, does not: "
        "upgrade the module first); or keep it on Alpine 3.15, past its end of support "
        "(translate --alpine 3.15); xmlstarlet (Debian): not in the package index of Alpine "
        "3.23: find the Alpine name (apk search -v NAME) and edit the apk add below -- then "
        "delete this RUN' >&2 && exit 1"
    )
    # Alpine 3.15 had python2: the package of that release is installed
    old = translate_text(debian, alpine="3.15")
    assert "Alpine removed" not in old.text
    assert "apk add --no-cache --virtual .build-deps g++ python2-dev linux-headers" in old.text
    assert "xmlstarlet (Debian): no Alpine name known" in old.text


def test_debian_only_commands_and_unmapped_options_stop_too() -> None:
    text, _, _ = _tr(
        "FROM debian:12\nRUN apt-key add /tmp/k.asc\nRUN useradd --expiredate 2030-01-01 app\n"
    )
    lines = text.splitlines()
    assert lines[2].startswith("RUN echo 'alpine-ready translate: apt-key is Debian-only")
    assert lines[3] == "RUN apt-key add /tmp/k.asc"
    assert "rewrite it with busybox adduser/addgroup below" in lines[5]
    assert lines[6] == "RUN useradd --expiredate 2030-01-01 app"


# -- paths and releases ------------------------------------------------------------------


def test_tini_and_nologin_follow_alpine_paths() -> None:
    text, changes, _ = _tr(TINI)
    assert 'ENTRYPOINT ["/sbin/tini", "--"]' in text
    assert 'CMD ["/usr/bin/tini-static-like", "x"]' in text  # a whole word only
    assert "adduser -S -s /sbin/nologin -G svc svc" in text
    assert any(c.startswith("/usr/bin/tini → /sbin/tini") and "aports" in c for c in changes)


def test_tini_not_from_alpine_packages_stays() -> None:
    text, _, _ = _tr(
        'FROM debian:12\nCOPY tini /usr/bin/tini\nENTRYPOINT ["/usr/bin/tini", "--"]\n'
    )
    assert 'ENTRYPOINT ["/usr/bin/tini", "--"]' in text


def test_an_end_of_life_release_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\nRUN true\n")
    old = run(TranslateOptions(path=str(path), alpine="3.18", check_names=False))
    (item,) = [i for i in old.core().items if i.code == "AR621"]
    assert item.level.value == "warning" and "3.18 is past its end of support" in item.message
    new = run(TranslateOptions(path=str(path), alpine="3.23", check_names=False))
    assert "AR621" not in [i.code for i in new.core().items]
