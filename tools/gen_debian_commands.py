#!/usr/bin/env python3
"""Generate ``knowledge/data/debian-commands.json``: commands Debian had without asking.

A Debian file calls commands its image has without installing them: the base system's
(``perl`` of ``perl-base``, …) or a dependency's of a package it installs (``dpkg-dev``
depends on ``patch``, ``make``, ``xz-utils``…).  Alpine's base lacks many of them; translate
adds the Alpine package where a RUN calls one that neither Alpine's base nor the stage's
packages give.  Everything comes from real artefacts, Debian 12 (bookworm) pinned:

* the Debian base: the commands (``/bin``, ``/sbin``, ``/usr/bin``, ``/usr/sbin``) of the
  packages of the Debian 12 minbase rootfs (``tools/fixtures.py debian-rootfs``: dpkg's
  ``/var/lib/dpkg/info/*.list`` say which package owns each);
* the dependencies: ``apt-cache depends`` (this Debian 12 machine's bookworm lists) of every
  Debian package ``apt-to-apk.json`` maps, their commands from Debian's own
  ``Contents-amd64.gz`` and ``Contents-all.gz`` (deb.debian.org, bookworm main; URL,
  Last-Modified and sha256 recorded);
* Alpine: the base commands of ``alpine-base-commands.json`` (the real Alpine 3.23 rootfs)
  are left out; the Alpine package of a Debian one is ``apt-to-apk.json``'s, plus
  ``SUPPLEMENT`` (Debian packages the mapping has no entry for, reviewed by hand).

Run: ``python3 tools/gen_debian_commands.py`` (network: deb.debian.org; the rootfs fixture).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "alpine_ready" / "knowledge" / "data"
OUT = DATA / "debian-commands.json"
RELEASE = "bookworm"
MIRROR = "https://deb.debian.org/debian"
CONTENTS = ("Contents-amd64.gz", "Contents-all.gz")
APT_DEPENDS = ("apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts")
APT_DEPENDS += ("--no-breaks", "--no-replaces", "--no-enhances")
BIN_DIRS = ("bin/", "sbin/", "usr/bin/", "usr/sbin/")
#: Debian packages of the base with no apt-to-apk entry: their Alpine package, and why
SUPPLEMENT = {
    "perl-base": (
        ["perl"],
        "Debian's perl-base (Priority: required) ships /usr/bin/perl; Alpine's perl "
        "package (aports main/perl) is where /usr/bin/perl is",
    ),
}

#: Images whose tags carry Debian packages a Dockerfile FROM them uses without installing:
#: docker-library/buildpack-deps, its Debian 12 tags (each level adds to the one before:
#: ``bookworm-curl`` ⊂ ``bookworm-scm`` ⊂ ``bookworm``), the package lists of its
#: Dockerfiles (debian/bookworm/curl/Dockerfile at 4f0449f75e6f, debian/bookworm/scm/
#: Dockerfile at 3b4b1fb825fd, debian/bookworm/Dockerfile at 84e7e4602613; the full tag's
#: ``default-libmysqlclient-dev`` is its apt-cache test's answer on bookworm)
TOOL_IMAGES: dict[str, dict[str, list[str]]] = {
    "buildpack-deps": {
        "curl": ["ca-certificates", "curl", "gnupg", "netbase", "sq", "wget"],
        "scm": ["git", "git-lfs", "mercurial", "openssh-client", "subversion", "procps"],
        "full": [
            *("autoconf", "automake", "bzip2", "dpkg-dev", "file", "g++", "gcc"),
            *("imagemagick", "libbz2-dev", "libc6-dev", "libcurl4-openssl-dev", "libdb-dev"),
            *("libevent-dev", "libffi-dev", "libgdbm-dev", "libglib2.0-dev", "libgmp-dev"),
            *("libjpeg-dev", "libkrb5-dev", "liblzma-dev", "libmagickcore-dev"),
            *("libmagickwand-dev", "libmaxminddb-dev", "libncurses5-dev", "libncursesw5-dev"),
            *("libpng-dev", "libpq-dev", "libreadline-dev", "libsqlite3-dev", "libssl-dev"),
            *("libtool", "libwebp-dev", "libxml2-dev", "libxslt-dev", "libyaml-dev", "make"),
            *("patch", "unzip", "xz-utils", "zlib1g-dev", "default-libmysqlclient-dev"),
        ],
    }
}
TOOL_IMAGES_SOURCE = (
    "docker-library/buildpack-deps's Debian 12 Dockerfiles (debian/bookworm/curl at commit "
    "4f0449f75e6f, debian/bookworm/scm at 3b4b1fb825fd, debian/bookworm at 84e7e4602613): "
    "the packages each tag level adds to the one before (curl, then scm, then the full tag)"
)

sys.path.insert(0, str(ROOT / "tools"))


def base_commands(rootfs: Path) -> dict[str, str]:
    """Command name -> the Debian package owning it in the minbase rootfs."""
    out: dict[str, str] = {}
    for lst in sorted((rootfs / "var" / "lib" / "dpkg" / "info").glob("*.list")):
        pkg = lst.stem.split(":", 1)[0]
        for line in lst.read_text("utf-8", "replace").splitlines():
            rel = line.lstrip("/")
            if rel.startswith(BIN_DIRS) and rel.count("/") in (1, 2):
                name = rel.rsplit("/", 1)[-1]
                if name and (rootfs / rel).is_file():
                    out.setdefault(name, pkg)
    return out


def depends(names: list[str]) -> dict[str, list[str]]:
    """Debian package -> its direct Depends (apt-cache depends, first alternative)."""
    proc = subprocess.run(
        [*APT_DEPENDS, *names],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, list[str]] = {}
    current: str | None = None
    for line in proc.stdout.splitlines():
        if line and not line.startswith(" "):
            current = line.strip().split(":", 1)[0]
            out.setdefault(current, [])
        elif current and line.strip().startswith(("Depends:", "|Depends:")):
            dep = line.split(":", 1)[1].strip().strip("<>").split(":", 1)[0]
            if dep not in out[current]:
                out[current].append(dep)
    return out


def contents(tmp: Path) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Debian package -> its commands, from Debian's Contents indexes; and their provenance."""
    cmds: dict[str, list[str]] = {}
    inputs = []
    for name in CONTENTS:
        url = f"{MIRROR}/dists/{RELEASE}/main/{name}"
        path = tmp / name
        with urllib.request.urlopen(url, timeout=120) as resp:
            modified = resp.headers.get("Last-Modified", "")
            path.write_bytes(resp.read())
        inputs.append(
            {
                "url": url,
                "last_modified": modified,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.startswith(BIN_DIRS):
                    continue
                file, _, owners = line.rstrip("\n").rpartition(" ")
                file = file.strip()
                if file.count("/") not in (1, 2):
                    continue
                for owner in owners.split(","):
                    pkg = owner.rsplit("/", 1)[-1]
                    cmds.setdefault(pkg, []).append(file.rsplit("/", 1)[-1])
    return cmds, inputs


def main() -> int:
    """Write the data file."""
    import tempfile

    from fixtures import debian_rootfs  # type: ignore[import-not-found]

    mapping = json.loads((DATA / "apt-to-apk.json").read_text())["entries"]
    alpine = json.loads((DATA / "alpine-base-commands.json").read_text())
    alpine_names = {p.rsplit("/", 1)[-1] for p in alpine["commands"]}
    alpine_names |= set(alpine["shell_builtins"])

    def apk_of(pkg: str) -> list[str] | None:
        if pkg in SUPPLEMENT:
            return SUPPLEMENT[pkg][0]
        entry = mapping.get(pkg)
        if entry is None or entry.get("kind") == "drop" or not entry.get("apk"):
            return None
        return list(entry["apk"])

    rootfs = debian_rootfs()
    debian_base = base_commands(rootfs)
    base: dict[str, dict[str, object]] = {}
    for cmd, pkg in sorted(debian_base.items()):
        apk = apk_of(pkg)
        if cmd not in alpine_names and apk:
            base[cmd] = {"debian": pkg, "apk": apk}
    with tempfile.TemporaryDirectory() as tmp:
        commands, inputs = contents(Path(tmp))
    deps = depends(sorted(mapping))
    via: dict[str, dict[str, dict[str, object]]] = {}
    for pkg, dlist in sorted(deps.items()):
        for dep in dlist:
            apk = apk_of(dep)
            if not apk:
                continue
            for cmd in sorted(set(commands.get(dep, ()))):
                if cmd in alpine_names or cmd in debian_base:
                    continue
                via.setdefault(pkg, {})[cmd] = {"debian": dep, "apk": apk}
    images: dict[str, dict[str, object]] = {}
    for image, levels in TOOL_IMAGES.items():
        tags: dict[str, object] = {}
        for level, pkgs in levels.items():
            cmds: dict[str, dict[str, object]] = {}
            for pkg in pkgs:
                apk = apk_of(pkg)
                for cmd in sorted(set(commands.get(pkg, ()))):
                    if apk and cmd not in alpine_names and cmd not in debian_base:
                        cmds.setdefault(cmd, {"debian": pkg, "apk": apk})
            tags[level] = {"packages": pkgs, "commands": cmds}
        images[image] = {"source": TOOL_IMAGES_SOURCE, "levels": tags}
    os_release = Path("/etc/os-release").read_text()
    pretty = next(
        (
            ln.split("=", 1)[1].strip('"')
            for ln in os_release.splitlines()
            if ln.startswith("PRETTY")
        ),
        "",
    )
    doc = {
        "schema": 1,
        "source": (
            "Generated by tools/gen_debian_commands.py. 'base': the commands of the Debian 12 "
            "minbase rootfs (debootstrap --variant=minbase bookworm; dpkg's info/*.list name "
            "each command's package) that Alpine 3.23's base lacks (alpine-base-commands.json), "
            "with the Alpine package of their Debian package. 'depends': for each Debian "
            "package apt-to-apk.json maps, the commands its direct Depends (apt-cache depends, "
            f"{pretty}, bookworm lists) ship (Debian's Contents indexes, bookworm main) that "
            "neither Debian's base nor Alpine's base has, with their Alpine package. 'images': "
            "the Debian packages the tag levels of images such as buildpack-deps carry, and "
            "the commands they ship that neither base has. Alpine "
            "packages: apt-to-apk.json's, and for "
            + "; ".join(f"{k}: {why}" for k, (_, why) in SUPPLEMENT.items())
            + ". Read through alpine_ready.knowledge.debcommands, its only loader, by translate."
        ),
        "debian_release": RELEASE,
        "inputs": {
            "contents": inputs,
            "apt": pretty,
            "rootfs": "debian-rootfs (tools/fixtures.py)",
        },
        "base": base,
        "depends": via,
        "images": images,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n")
    print(f"{OUT}: {len(base)} base commands, {len(via)} packages with dependency commands")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
