#!/usr/bin/env python3
"""Generate ``knowledge/data/apt-to-apk.json``: Debian package name -> Alpine package(s).

Two sources, both recorded per entry in ``origin``:

* **generated** -- derived here from real artefacts, never typed:

  - *by soname*: a Debian library package's shared libraries (read with the
    project's own ELF reader from the real files: the debootstrapped Debian 12
    rootfs of ``tools/fixtures.py``, plus the ``.deb`` files of
    :data:`DOWNLOAD` fetched with ``apt-get download`` and unpacked with
    ``dpkg-deb -x``) matched to the Alpine package that provides each soname
    (``apk-sonames-3.23-x86_64.json``: the ``p:so:`` provides of the real
    Alpine 3.23.6 apk database, plus its hand-reviewed supplement).  Only a
    package whose *every* public soname maps is mapped.
  - *by command*: a Debian package whose every program (``/usr/bin``,
    ``/usr/sbin``, ...) is provided (``p:cmd:``) by packages of the real
    Alpine 3.23.6 apk database.

* **hand-reviewed** -- ``apt-to-apk-supplement.json`` (build toolchains, -dev
  packages, tools the reference rootfs does not hold, names dropped on Alpine).
  A name both sources know must agree, else this script fails.

An entry's ``kind`` is ``drop`` when the supplement says so; otherwise it is derived
from ``build-tools.json`` (``build`` when every Alpine name is build-only there), the
toolchain list lint AR204/AR205 and ``deps`` read too -- never typed per entry.

Each entry records ``verified``: ``apk-database`` when every Alpine name is a
package of the real 3.23.6 apk database, ``apk-sonames`` when it comes from the
soname data (database or its reviewed supplement), else ``hand-reviewed``.

Usage::

    python3 tools/gen_apt_to_apk.py [--check]

``--check`` regenerates in memory and fails when the committed mapping differs
(evidence strings, which name Debian point-release versions, are not compared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import fixtures as fx  # noqa: E402
from alpine_ready.elf.reader import is_elf, read_elf  # noqa: E402
from alpine_ready.errors import ElfError  # noqa: E402
from alpine_ready.knowledge.apt import kind_of  # noqa: E402
from gen_knowledge import parse_apk_db  # noqa: E402

DATA = HERE.parent / "src" / "alpine_ready" / "knowledge" / "data"
OUT = DATA / "apt-to-apk.json"
SUPPLEMENT = DATA / "apt-to-apk-supplement.json"
SONAMES = DATA / "apk-sonames-3.23-x86_64.json"

#: Debian 12 packages fetched (besides the debootstrapped rootfs's own) so the common
#: run-time libraries and tools of Dockerfiles are derived, not typed.
DOWNLOAD: tuple[str, ...] = (
    "libpq5", "libffi8", "libjpeg62-turbo", "libyaml-0-2", "libgomp1", "libstdc++6",
    "libsqlite3-0", "libcurl4", "libgmp10", "libreadline8", "libexpat1", "libbz2-1.0",
    "liblz4-1", "libpng16-16", "libfreetype6", "libwebp7", "libtiff6", "liblcms2-2",
    "libsnappy1v5", "libuv1", "libonig5", "libmagic1", "libedit2", "libevent-2.1-7",
    "libssh2-1", "libgcrypt20", "libgpg-error0", "libnuma1", "libgfortran5", "libatomic1",
    "libarchive13", "libidn2-0", "libpsl5", "libnghttp2-14", "libbrotli1", "libc-ares2",
    "libjson-c5", "libkmod2", "libcryptsetup12", "libpcre2-8-0", "libopenblas0-pthread",
    "libssl3", "zlib1g", "liblzma5", "libzstd1", "libncursesw6", "libuuid1", "libblkid1",
    "libacl1", "libattr1", "libcap2", "libcom-err2", "libunistring2", "libsmartcols1",
    "libfdisk1", "libgcc-s1", "libldap-2.5-0", "libsasl2-2", "libkrb5-3", "libeconf0",
    "curl", "sudo", "kmod", "e2fsprogs", "ca-certificates", "xz-utils", "zstd", "jq",
)  # fmt: skip

#: Debian packages whose program a busybox applet of Alpine's base image stands in for:
#: {Debian package: (program, the Alpine package with the GNU tool)}.  Each GNU option
#: of the .deb's program (its --help) is asked of the applet; the ones busybox answers
#: "unrecognized option" to are recorded, so translate installs the GNU tool only where
#: a RUN uses one of them.
BUSYBOX_APPLETS: dict[str, str] = {"wget": "wget"}
#: GNU's options in ``--help``: ``-x`` and ``--long``
_GNU_OPT = re.compile(r"(?:^|[\s,\[])(--[a-z][a-z0-9-]*|-[A-Za-z0-9])(?=[\s,=\[]|$)", re.M)

LIB_DIRS = ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib", "lib")
BIN_DIRS = ("usr/bin", "bin", "usr/sbin", "sbin")


def _log(msg: str) -> None:
    print(f"gen_apt_to_apk: {msg}", file=sys.stderr)


# -- Debian side ---------------------------------------------------------------------------


def _classify(files: Iterable[str], root: Path) -> tuple[set[str], set[str]]:
    """(public sonames, program names) among ``files`` (absolute paths in ``root``)."""
    sonames: set[str] = set()
    programs: set[str] = set()
    for name in files:
        rel = name.lstrip("/")
        parent, _, base = rel.rpartition("/")
        if parent in BIN_DIRS and base:
            path = root / rel
            if path.is_symlink() or (path.is_file() and os.access(path, os.X_OK)):
                programs.add(base)
        elif parent in LIB_DIRS and ".so" in base:
            path = root / rel
            if path.is_symlink() or not path.is_file() or not is_elf(path):
                continue
            try:
                soname = read_elf(path).soname
            except ElfError:
                continue
            if soname:
                sonames.add(soname)
    return sonames, programs


def _rootfs_packages(rootfs: Path) -> dict[str, tuple[str, set[str], set[str]]]:
    """{package: (version, sonames, programs)} of the debootstrapped rootfs."""
    status = (rootfs / "var/lib/dpkg/status").read_text("utf-8")
    versions: dict[str, str] = {}
    for block in status.split("\n\n"):
        fields = dict(
            line.split(": ", 1)
            for line in block.splitlines()
            if ": " in line and not line.startswith(" ")
        )
        if "Package" in fields and "install ok installed" in fields.get("Status", ""):
            versions[fields["Package"]] = fields.get("Version", "")
    out: dict[str, tuple[str, set[str], set[str]]] = {}
    info = rootfs / "var/lib/dpkg/info"
    for pkg, version in versions.items():
        lists = [info / f"{pkg}.list", info / f"{pkg}:amd64.list"]
        files = [ln for p in lists if p.is_file() for ln in p.read_text("utf-8").splitlines()]
        sonames, programs = _classify(files, rootfs)
        out[pkg] = (version, sonames, programs)
    return out


def _downloaded_packages(cache: Path) -> dict[str, tuple[str, set[str], set[str]]]:
    """{package: (version, sonames, programs)} of :data:`DOWNLOAD` (cached .debs)."""
    debs_dir = cache / "debs"
    have = (
        {fx._deb_name_version(d)[0]: d for d in debs_dir.glob("*.deb")} if debs_dir.is_dir() else {}
    )
    missing = [p for p in DOWNLOAD if p not in have]
    if missing:
        _log(f"apt-get download {len(missing)} packages")
        for deb in fx._apt_download(missing, debs_dir):
            have[fx._deb_name_version(deb)[0]] = deb
    out: dict[str, tuple[str, set[str], set[str]]] = {}
    for pkg in DOWNLOAD:
        deb = have[pkg]
        _name, version, _arch = fx._deb_name_version(deb)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
            root = Path(tmp)
            files = ["/" + str(p.relative_to(root)) for p in root.rglob("*")]
            out[pkg] = (version, *_classify(files, root))
    return out


def _busybox_facts(cache: Path, alpine: Path) -> dict[str, dict[str, Any]]:
    """{Debian package: {"applet", "gnu", "gnu_only"}} for :data:`BUSYBOX_APPLETS`.

    The Debian program's options come from its own ``--help`` (the bookworm .deb,
    ``apt-get download`` + ``dpkg-deb -x``, run on this Debian 12 machine); each is
    given to ``/bin/busybox APPLET OPTION`` of the real Alpine rootfs (its own musl
    loader, empty environment, stdin /dev/null, an unreachable local URL), and the ones
    it answers ``unrecognized option`` to are GNU-only.
    """
    debs_dir = cache / "debs"
    have = (
        {fx._deb_name_version(d)[0]: d for d in debs_dir.glob("*.deb")} if debs_dir.is_dir() else {}
    )
    missing = [p for p in BUSYBOX_APPLETS if p not in have]
    if missing:
        for deb in fx._apt_download(missing, debs_dir):
            have[fx._deb_name_version(deb)[0]] = deb
    busybox = [
        str(alpine / "lib" / "ld-musl-x86_64.so.1"),
        "--library-path",
        f"{alpine / 'lib'}:{alpine / 'usr' / 'lib'}",
        str(alpine / "bin" / "busybox"),
    ]
    out: dict[str, dict[str, Any]] = {}
    for pkg, program in BUSYBOX_APPLETS.items():
        _name, version, _arch = fx._deb_name_version(have[pkg])
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", str(have[pkg]), tmp], check=True)
            ghelp = subprocess.run(
                [str(Path(tmp) / "usr" / "bin" / program), "--help"],
                capture_output=True,
                text=True,
                env={},
                stdin=subprocess.DEVNULL,
                timeout=30,
                check=False,
            ).stdout
        candidates = sorted(set(_GNU_OPT.findall(ghelp)) - {"--help", "--version"})
        gnu_only = []
        for opt in candidates:
            done = subprocess.run(
                [*busybox, program, opt, "http://127.0.0.1:9/"],
                capture_output=True,
                text=True,
                env={},
                stdin=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
            if "unrecognized option" in done.stderr or "invalid option" in done.stderr:
                gnu_only.append(opt)
        out[pkg] = {"applet": program, "gnu": f"{pkg} {version}", "gnu_only": gnu_only}
        _log(f"{pkg}: {len(gnu_only)} of {len(candidates)} GNU options busybox {program} lacks")
    return out


# -- Alpine side ---------------------------------------------------------------------------


def _alpine(rootfs: Path) -> tuple[set[str], dict[str, str]]:
    """(package names, {command: providing package}) of the real apk database."""
    names: set[str] = set()
    commands: dict[str, str] = {}
    for pkg in parse_apk_db(rootfs / "lib/apk/db/installed"):
        names.add(pkg["name"])
        for prov in pkg["provides"]:
            if prov.startswith("cmd:"):
                commands.setdefault(prov[4:].split("=", 1)[0], pkg["name"])
    return names, commands


# -- merge ---------------------------------------------------------------------------------


def derive(
    debian: dict[str, tuple[str, set[str], set[str]]],
    sonames: dict[str, str],
    db_sonames: set[str],
    commands: dict[str, str],
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Entries derived from real artefacts, and why the other packages were not mapped."""
    entries: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for pkg, (version, libs, programs) in sorted(debian.items()):
        if not libs and not programs:
            skipped[pkg] = "no shared library or program"
            continue
        unknown = sorted(s for s in libs if s not in sonames) + sorted(
            p for p in programs if p not in commands
        )
        if unknown:
            skipped[pkg] = (
                "no Alpine provider known for "
                + ", ".join(unknown[:4])
                + (" …" if len(unknown) > 4 else "")
            )
            continue
        apk = sorted({sonames[s] for s in libs} | {commands[p] for p in programs})
        how = []
        if libs:
            src = (
                "apk database"
                if all(s in db_sonames for s in libs)
                else "apk-sonames data (database + reviewed supplement)"
            )
            how.append("sonames " + ", ".join(sorted(libs)) + f" -> {src}")
        if programs:
            how.append(
                "programs "
                + ", ".join(sorted(programs)[:6])
                + (" …" if len(programs) > 6 else "")
                + " -> p:cmd: of the apk database"
            )
        entries[pkg] = {
            "apk": apk,
            "origin": "generated",
            "evidence": f"Debian {pkg} {version}: " + "; ".join(how),
        }
    return entries, skipped


def merge(
    generated: dict[str, dict[str, Any]],
    supplement: dict[str, dict[str, Any]],
    alpine_names: set[str],
    soname_packages: set[str],
) -> dict[str, dict[str, Any]]:
    """Generated and reviewed entries in one table; disagreements raise SystemExit."""
    out: dict[str, dict[str, Any]] = {}
    conflicts: list[str] = []
    for name in sorted(set(generated) | set(supplement)):
        gen, rev = generated.get(name), supplement.get(name)
        if rev is not None and rev.get("kind", "drop") != "drop":
            conflicts.append(
                f"{name}: the supplement may only say kind 'drop' (build and "
                "runtime come from build-tools.json)"
            )
            continue
        if gen is not None and rev is not None:
            if sorted(rev["apk"]) != gen["apk"]:
                conflicts.append(f"{name}: reviewed {rev['apk']} vs generated {gen['apk']}")
                continue
            entry = dict(rev, origin="hand-reviewed+generated", evidence=gen["evidence"])
        elif gen is not None:
            entry = dict(gen)
        else:
            assert rev is not None
            entry = dict(rev, origin="hand-reviewed")
        entry["kind"] = kind_of(tuple(entry["apk"]), entry.get("kind") == "drop").value
        names = list(entry["apk"]) + [n for o in entry.get("older", ()) for n in o["apk"]]
        current = entry["apk"]
        if current and all(n in alpine_names for n in current):
            entry["verified"] = "apk-database"
        elif current and all(n in alpine_names or n in soname_packages for n in current):
            entry["verified"] = "apk-sonames"
        elif not names:
            entry["verified"] = "nothing-to-install"
        else:
            entry["verified"] = "hand-reviewed"
        out[name] = {
            k: entry[k]
            for k in (
                "apk",
                "older",
                "kind",
                "runtime",
                "repository",
                "origin",
                "verified",
                "evidence",
                "note",
            )
            if entry.get(k) not in (None, "", []) or (k == "apk")
        }
    if conflicts:
        raise SystemExit("reviewed and generated mappings disagree:\n  " + "\n  ".join(conflicts))
    return out


def render(
    entries: dict[str, dict[str, Any]], skipped: dict[str, str], sources: dict[str, Any]
) -> str:
    """The data file's text: one entry per line, so diffs stay readable."""
    counts: dict[str, int] = {}
    for e in entries.values():
        counts[e["origin"]] = counts.get(e["origin"], 0) + 1
    head = {
        "schema": 1,
        "source": "Debian 12 (bookworm) package name -> Alpine package(s). 'generated' entries "
        "come from real artefacts (Debian packages' shared-library sonames and "
        "programs, read from the debootstrapped Debian rootfs and apt-get-downloaded "
        ".debs, matched to the p:so:/p:cmd: provides of the real Alpine 3.23.6 apk "
        "database and the apk-sonames data); 'hand-reviewed' entries come from "
        "apt-to-apk-supplement.json. Generated by tools/gen_apt_to_apk.py.",
        "alpine": "3.23",
        "debian": "bookworm",
        "inputs": sources,
        "counts": dict(sorted(counts.items())),
        "kinds": {
            "build": "needed to build software only (compilers, headers): a "
            "candidate for a --virtual .build-deps group",
            "runtime": "needed when the image runs",
            "drop": "nothing to install on Alpine (the note says why)",
        },
    }
    lines = ["{"]
    for key, value in head.items():
        lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append(' "entries": {')
    items = list(entries.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}")
    lines.append(" },")
    lines.append(' "not_generated": {')
    sk = list(skipped.items())
    for i, (k, why) in enumerate(sk):
        comma = "," if i < len(sk) - 1 else ""
        lines.append(f"  {json.dumps(k)}: {json.dumps(why, ensure_ascii=False)}{comma}")
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate() -> str:
    """Build the data file's text from the cached real artefacts."""
    alpine_root = fx.alpine_rootfs()
    debian_root = fx.debian_rootfs()
    cache = fx.cache_root() / "apt-to-apk"
    cache.mkdir(parents=True, exist_ok=True)
    names, commands = _alpine(alpine_root)
    son = json.loads(SONAMES.read_text("utf-8"))
    debian = _rootfs_packages(debian_root)
    downloaded = _downloaded_packages(cache)
    debian.update(downloaded)
    generated, skipped = derive(debian, son["sonames"], set(son["from_database"]), commands)
    supplement = json.loads(SUPPLEMENT.read_text("utf-8"))["entries"]
    entries = merge(generated, supplement, names, set(son["sonames"].values()))
    for pkg, facts in _busybox_facts(cache, alpine_root).items():
        entries[pkg]["busybox"] = facts
    marker = fx.read_marker(debian_root.parent) or {}
    sources = {
        "alpine_apk_database": f"Alpine {fx.ALPINE_RELEASE} rootfs ({fx.ALPINE_WHEEL_SPEC}), "
        f"{len(names)} packages",
        "debian_rootfs": f"debootstrap --variant=minbase bookworm (Debian "
        f"{marker.get('debian_version', '12')}), "
        f"{len(debian) - len(downloaded)} packages",
        "debian_downloads": f"apt-get download of {len(DOWNLOAD)} bookworm packages",
        "apk_sonames": SONAMES.name,
        "busybox_applets": "each GNU option of a bookworm .deb's program (its --help) asked "
        "of /bin/busybox APPLET of the real Alpine rootfs: 'unrecognized option' makes it "
        "gnu_only (translate installs the GNU package only for those)",
        "supplement": SUPPLEMENT.name,
        "kinds": "build-tools.json",
    }
    return render(entries, skipped, sources)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the data file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="fail when the committed file differs from a fresh generation",
    )
    args = ap.parse_args(argv)
    text = generate()
    if args.check:
        # Compare what the mapping says, not the evidence strings: those carry Debian
        # point-release versions, which move on while the mapping stays the same.
        fields = ("apk", "older", "kind", "runtime", "origin", "verified")
        committed = json.loads(OUT.read_text("utf-8"))["entries"]
        fresh = json.loads(text)["entries"]
        drift = sorted(
            k
            for k in set(committed) | set(fresh)
            if {f: committed.get(k, {}).get(f) for f in fields}
            != {f: fresh.get(k, {}).get(f) for f in fields}
        )
        if drift:
            _log(
                f"{OUT.name} is out of date ({', '.join(drift[:10])}): run tools/gen_apt_to_apk.py"
            )
            return 1
        _log(f"{OUT.name} is up to date")
        return 0
    OUT.write_text(text, "utf-8")
    data = json.loads(text)
    _log(f"wrote {OUT.relative_to(HERE.parent)}: {len(data['entries'])} entries {data['counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
