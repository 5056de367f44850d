#!/usr/bin/env python3
"""Generate what the real Alpine and Debian root filesystems say: shells, accounts, commands, paths.

Files of ``src/alpine_ready/knowledge/data``, from the cached fixtures of
``tools/fixtures.py`` (the Alpine 3.23 rootfs and the debootstrapped Debian 12 rootfs),
never typed by hand:

* ``busybox-ash.json`` -- which of bash's builtins, keywords, ``set -o`` options and
  ``set`` flags busybox ash does not have.  Bash's lists come from the Debian rootfs's
  ``/bin/bash`` (``compgen -b``, ``compgen -k``, ``set -o``; the flags of bash's ``$-``
  documentation, each probed); each one is asked of the Alpine rootfs's ``/bin/busybox``
  (run through the rootfs's own musl loader): ``type NAME`` answering ``not found``, or
  ``set -o NAME`` / ``set -X`` answering ``illegal option``.  Read by lint AR207 and
  translate (which RUNs keep bash).
* ``alpine-base-commands.json`` -- the commands on ``PATH`` in the ``alpine`` image: every
  applet ``/bin/busybox --list`` names (run through the rootfs's own musl loader; the
  image's busybox installs them all), and every file in ``/bin``, ``/sbin``, ``/usr/bin``
  and ``/usr/sbin`` that ``/lib/apk/db/installed`` says a package of the ``alpine`` image
  owns (the release profile's package list: the fixture is a VM image with more
  packages than the container image, whose extra commands are left out).  Read by
  ``translate --check``.
* ``base-accounts.json`` -- the groups of the Debian rootfs's ``/etc/group`` that the
  Alpine rootfs's lacks (adding a user to one fails on Alpine), and the ids Alpine's
  ``/etc/group`` and ``/etc/passwd`` hold already (gid 999 is ``ping``, 82
  ``www-data``).  Read by translate's user rewrites.
* ``busybox-options.json`` -- which options of the Debian rootfs's GNU tools (tar,
  coreutils, findutils, grep, sed: their ``--help``) the applets of the Alpine rootfs's
  ``/bin/busybox`` answer ``unrecognized`` to, and the Alpine package with each GNU
  tool.  Read by translate (which RUNs need ``coreutils``, ``findutils``, …).
* ``base-paths.json`` -- the commands of Alpine's base image found elsewhere than
  Debian's ``/usr/bin`` / ``/usr/sbin`` (``/usr/sbin/nologin`` is ``/sbin/nologin``).
  Read by translate, which moves such paths.

Usage::

    python3 tools/gen_rootfs_facts.py [--check]

``--check`` regenerates in memory and fails when a committed file differs.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fixtures as fx  # noqa: E402

DATA = HERE.parent / "src" / "alpine_ready" / "knowledge" / "data"
ASH_OUT = DATA / "busybox-ash.json"
ACCOUNTS_OUT = DATA / "base-accounts.json"
COMMANDS_OUT = DATA / "alpine-base-commands.json"
PROFILE = DATA / "alpine-3.23-x86_64.json"
#: The directories of the image's PATH that packages install commands to.
PATH_DIRS = ("bin", "sbin", "usr/bin", "usr/sbin")
PATHS_OUT = DATA / "base-paths.json"
OPTIONS_OUT = DATA / "busybox-options.json"
#: Where commands live, in the order a path lookup tries them.
BIN_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")

#: The single-letter options ``set`` takes in bash 5.2 (bash(1), "The Set Builtin"):
#: probed one by one, since bash prints no list of them.
BASH_SET_FLAGS = "abefhkmnptuvxBCEHPT"


def _log(msg: str) -> None:
    print(f"gen_rootfs_facts: {msg}", file=sys.stderr)


def _ash(alpine: Path) -> list[str]:
    return [
        str(alpine / "lib" / "ld-musl-x86_64.so.1"),
        "--library-path",
        f"{alpine / 'lib'}:{alpine / 'usr' / 'lib'}",
        str(alpine / "bin" / "busybox"),
        "sh",
    ]


def _bash(debian: Path) -> list[str]:
    libs = f"{debian / 'lib' / 'x86_64-linux-gnu'}:{debian / 'usr' / 'lib' / 'x86_64-linux-gnu'}"
    return [
        str(debian / "lib64" / "ld-linux-x86-64.so.2"),
        "--library-path",
        libs,
        str(debian / "bin" / "bash"),
    ]


def _run(argv: list[str], script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*argv, "-c", script],
        capture_output=True,
        text=True,
        env={},
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )


def _first_line(argv: list[str]) -> str:
    out = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={},
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    return (out.stdout + out.stderr).strip().splitlines()[0]


def ash_facts(alpine: Path, debian: Path) -> dict[str, Any]:
    """What busybox ash lacks of bash's builtins, keywords and options."""
    ash, bash = _ash(alpine), _bash(debian)
    builtins = _run(bash, "compgen -b").stdout.split()
    keywords = _run(bash, "compgen -k").stdout.split()
    options = [line.split()[0] for line in _run(bash, "set -o").stdout.splitlines()]

    def not_found(name: str) -> bool:
        out = _run(ash, f"type '{name}'")
        return "not found" in out.stdout + out.stderr

    def illegal(script: str) -> bool:
        out = _run(ash, script)
        return "illegal option" in out.stdout + out.stderr

    return {
        "schema": 1,
        "source": "Generated by tools/gen_rootfs_facts.py: bash's builtins, keywords, set -o "
        "options (compgen -b, compgen -k, set -o of the Debian 12 rootfs's /bin/bash) "
        "and set flags (bash(1)), each asked of busybox ash (/bin/busybox of the real "
        "Alpine 3.23 rootfs, run through its own musl loader): 'type NAME' says "
        "'not found', 'set -o NAME' / 'set -X' says 'illegal option'. Read through "
        "alpine_ready.knowledge.shells, its only loader, by lint AR207 and translate.",
        "busybox": _first_line(ash[:-1]).split(" multi-call")[0],
        "bash": _first_line([*bash, "-c", 'echo "$BASH_VERSION"']),
        "missing_builtins": sorted(b for b in builtins if not_found(b)),
        "missing_keywords": sorted(k for k in keywords if not_found(k)),
        "missing_set_options": sorted(o for o in options if illegal(f"set -o {o}")),
        "missing_set_flags": "".join(f for f in BASH_SET_FLAGS if illegal(f"set -{f}")),
    }


def _names(path: Path) -> list[str]:
    return [
        line.split(":", 1)[0]
        for line in path.read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def _entries(path: Path) -> list[list[str]]:
    return [
        line.split(":")
        for line in path.read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def _installed_packages(rootfs: Path) -> set[str]:
    db = rootfs / "lib" / "apk" / "db" / "installed"
    return {line[2:] for line in db.read_text("utf-8").splitlines() if line.startswith("P:")}


def _image_only(name: str, ident: int, packages: set[str]) -> bool:
    """An account the VM image added, not alpine-baselayout's.

    A login user of the image (ids 1000-65532: ``quicksand``), or one named after a
    package installed in the image besides the base layout, which its install script
    adds (``dhcpcd``); the container image ``alpine:3.23`` has neither.
    """
    return 1000 <= ident < 65533 or (name in packages and not name.startswith("alpine-"))


def accounts(alpine: Path, debian: Path) -> dict[str, Any]:
    """The groups Debian's base system has that Alpine's has not, and Alpine's ids.

    The Alpine fixture is a VM image (more packages than the container image, so more
    groups: sshd, dhcpcd…); that can only hide a Debian group that such a package adds
    on Alpine, never invent one, so only the difference is published.  Alpine's own
    users and groups (name -> id) are those of the real ``/etc/passwd`` and
    ``/etc/group`` less the image's own (:func:`_image_only`): an id there is taken
    (``addgroup -g 999`` fails: ``gid '999' in use``, it is ``ping``'s).
    """
    a_groups, d_groups = _names(alpine / "etc" / "group"), _names(debian / "etc" / "group")
    pkgs = _installed_packages(alpine)
    groups = {
        e[0]: int(e[2])
        for e in _entries(alpine / "etc" / "group")
        if not _image_only(e[0], int(e[2]), pkgs)
    }
    users = {
        e[0]: [int(e[2]), int(e[3])]
        for e in _entries(alpine / "etc" / "passwd")
        if not _image_only(e[0], int(e[2]), pkgs)
    }
    debian_users = {e[0]: [int(e[2]), int(e[3])] for e in _entries(debian / "etc" / "passwd")}
    return {
        "schema": 2,
        "source": "Generated by tools/gen_rootfs_facts.py: the groups of /etc/group of the "
        "debootstrapped Debian 12 rootfs (base-passwd) that /etc/group of the real "
        "Alpine 3.23 rootfs (alpine-baselayout) lacks: adding a user to one fails on "
        "Alpine ('addgroup: unknown group') unless the Dockerfile creates it; the "
        "groups (name: gid) and users (name: [uid, gid]) of that Alpine rootfs's "
        "/etc/group and /etc/passwd, less the VM image's own accounts (ids 1000-65532, "
        "or named after a package it installs: dhcpcd), whose ids busybox addgroup "
        "and adduser refuse ('gid 999 in use'); the users of the Debian rootfs's "
        "/etc/passwd. Read through alpine_ready.knowledge.accounts, its only loader, "
        "by translate's user and group rewrites.",
        "debian_only_groups": sorted(set(d_groups) - set(a_groups)),
        "alpine_groups": dict(sorted(groups.items(), key=lambda kv: kv[1])),
        "alpine_users": dict(sorted(users.items(), key=lambda kv: kv[1][0])),
        "debian_users": dict(sorted(debian_users.items(), key=lambda kv: kv[1][0])),
    }


def _owners(alpine: Path) -> dict[str, str]:
    """Path -> package of the Alpine rootfs's installed database (``F:`` / ``R:`` lines)."""
    owners: dict[str, str] = {}
    pkg = folder = ""
    for line in (alpine / "lib" / "apk" / "db" / "installed").read_text("utf-8").splitlines():
        if line.startswith("P:"):
            pkg = line[2:]
        elif line.startswith("F:"):
            folder = line[2:]
        elif line.startswith("R:"):
            owners[f"/{folder}/{line[2:]}"] = pkg
    return owners


def base_paths(alpine: Path, debian: Path, image_packages: list[str]) -> dict[str, Any]:
    """Commands of Alpine's base image that are elsewhere than Debian put them.

    Debian 12 keeps its commands in ``/usr/bin`` and ``/usr/sbin`` (``/bin`` and
    ``/sbin`` are links to them, so both paths work there); Alpine's are where its
    packages put them, busybox's applets mostly in ``/bin`` and ``/sbin``.  A path
    ``/usr/bin/NAME`` that works on Debian and names nothing on Alpine moves to where
    Alpine has NAME -- only for the packages of the ``alpine`` container image
    (``image_packages``, the release profile's), busybox's applets being the links
    to ``/bin/busybox`` its install script makes.
    """
    owners = _owners(alpine)
    found: dict[str, str] = {}
    for folder in BIN_DIRS:
        top = alpine / folder.lstrip("/")
        for entry in sorted(top.iterdir()) if top.is_dir() else []:
            path = f"{folder}/{entry.name}"
            owner = owners.get(path)
            if owner is None and entry.is_symlink() and "busybox" in str(entry.readlink()):
                owner = "busybox"
            if owner in image_packages:
                found.setdefault(entry.name, path)
    moves: dict[str, str] = {}
    for folder in ("/usr/bin", "/usr/sbin"):
        top = debian / folder.lstrip("/")
        for entry in sorted(top.iterdir()):
            path = f"{folder}/{entry.name}"
            alpine_path = found.get(entry.name)
            if alpine_path is None or alpine_path == path:
                continue
            if (alpine / path.lstrip("/")).exists() or (alpine / path.lstrip("/")).is_symlink():
                continue
            moves[path] = alpine_path
    return {
        "schema": 1,
        "source": "Generated by tools/gen_rootfs_facts.py: the commands of the debootstrapped "
        "Debian 12 rootfs's /usr/bin and /usr/sbin (where Debian keeps them: /bin and /sbin "
        "link there) whose name the real Alpine 3.23 rootfs has only elsewhere, for the "
        "packages of the alpine container image (the release profile's; busybox's applets "
        'are its links to /bin/busybox). ENTRYPOINT ["/usr/sbin/nologin"] works on Debian '
        "and names nothing on Alpine. Read through alpine_ready.knowledge.paths, its only "
        "loader, by translate.",
        "moves": moves,
    }


def _owned_files(alpine: Path) -> dict[str, set[str]]:
    """Package -> the files ``/lib/apk/db/installed`` says it owns (rootfs-relative)."""
    owned: dict[str, set[str]] = {}
    pkg, folder = "", ""
    for line in (alpine / "lib" / "apk" / "db" / "installed").read_text("utf-8").splitlines():
        key, _, value = line.partition(":")
        if key == "P":
            pkg = value
            owned.setdefault(pkg, set())
        elif key == "F":
            folder = value
        elif key == "R" and pkg:
            owned[pkg].add(f"{folder}/{value}" if folder else value)
    return owned


def base_commands(alpine: Path, debian: Path) -> dict[str, Any]:
    """The commands on PATH in the ``alpine:3.23`` image, by full path, and ash's builtins.

    The builtins and keywords: bash's (``compgen -b``, ``compgen -k``) that busybox ash's
    ``type NAME`` calls a builtin or keyword (they run with no file on PATH).
    """
    base = sorted(p["name"] for p in json.loads(PROFILE.read_text("utf-8"))["packages"])
    owned = _owned_files(alpine)
    missing = [p for p in base if p not in owned]
    if missing:
        raise SystemExit(f"gen_rootfs_facts: the rootfs lacks base packages {missing}")
    paths: set[str] = set()
    for pkg in base:
        for rel in owned[pkg]:
            folder, _, name = rel.rpartition("/")
            f = alpine / rel
            if folder in PATH_DIRS and (f.is_symlink() or f.stat().st_mode & 0o111):
                paths.add(f"/{rel}")
    ash = _ash(alpine)
    applets = subprocess.run(
        [*ash[:-1], "--list-full"],
        capture_output=True,
        text=True,
        env={},
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=True,
    ).stdout.split()
    paths.update(f"/{a}" for a in applets)
    bash = _bash(debian)
    candidates = _run(bash, "compgen -b").stdout.split() + _run(bash, "compgen -k").stdout.split()
    builtins = set()
    for name in candidates:
        out = _run(ash, f"type '{name}'")
        said = out.stdout + out.stderr
        if "builtin" in said or "keyword" in said:
            builtins.add(name)
    return {
        "schema": 1,
        "source": "Generated by tools/gen_rootfs_facts.py from the real Alpine 3.23 rootfs: "
        "the applets '/bin/busybox --list-full' names (run through the rootfs's own musl "
        "loader; the image's busybox installs every one) and the files in /bin, /sbin, "
        "/usr/bin and /usr/sbin that /lib/apk/db/installed says a package of the alpine "
        "image (the release profile alpine-3.23-x86_64.json) owns; shell_builtins: "
        "bash's builtins and keywords (compgen -b, compgen -k of the Debian 12 rootfs's "
        "bash) that busybox ash's 'type NAME' calls a builtin or keyword. Read through "
        "alpine_ready.knowledge.basecommands, its only loader, by translate --check.",
        "busybox": _first_line(ash[:-1]).split(" multi-call")[0],
        "packages": base,
        "commands": sorted(paths),
        "shell_builtins": sorted(builtins),
    }


#: The applets whose options are compared, each with the Debian command giving GNU's
#: option list and the Alpine package with the GNU tool (Alpine's aports: main/tar,
#: main/coreutils, main/findutils, main/grep, main/sed install their tools over
#: busybox's links in /bin and /usr/bin).
GNU_TOOLS: dict[str, tuple[str, str]] = {
    "tar": ("bin/tar", "tar"),
    "cp": ("bin/cp", "coreutils"),
    "mv": ("bin/mv", "coreutils"),
    "ln": ("bin/ln", "coreutils"),
    "mkdir": ("bin/mkdir", "coreutils"),
    "rm": ("bin/rm", "coreutils"),
    "sort": ("usr/bin/sort", "coreutils"),
    "head": ("usr/bin/head", "coreutils"),
    "tail": ("usr/bin/tail", "coreutils"),
    "cut": ("usr/bin/cut", "coreutils"),
    "date": ("bin/date", "coreutils"),
    "stat": ("usr/bin/stat", "coreutils"),
    "readlink": ("bin/readlink", "coreutils"),
    "realpath": ("usr/bin/realpath", "coreutils"),
    "install": ("usr/bin/install", "coreutils"),
    "find": ("usr/bin/find", "findutils"),
    "xargs": ("usr/bin/xargs", "findutils"),
    "grep": ("bin/grep", "grep"),
    "sed": ("bin/sed", "sed"),
}
#: GNU's options in ``--help``: ``-x`` and ``--long`` (find's predicates: ``-name``).
_GNU_OPT = re.compile(r"(?:^|[\s,\[])(--[a-z][a-z0-9-]*|-[A-Za-z0-9])(?=[\s,=\[]|$)", re.M)
_FIND_OPT = re.compile(r"(?:^|\s)(-[a-z][a-z0-9_]+)(?=\s|$)", re.M)
#: An option taking an argument in GNU's help: ``-t, --target-directory=DIR``, ``-n NUM``.
_GNU_ARG = re.compile(r"^\s+-([A-Za-z0-9])(?:, --[a-z0-9-]+[=\[]| [A-Z]|\[)", re.M)
#: busybox's usage: ``[-arPLHpfinlsTu]`` groups and ``-X``/``--long`` option lines.
_BB_GROUP = re.compile(r"\[-([A-Za-z0-9]+)\]")
_BB_LINE = re.compile(r"^\t((?:--?[A-Za-z0-9][\w-]*(?:\[\w*\])?,?)+)", re.M)
_BB_ARG = re.compile(r"^\t-([A-Za-z0-9])(?: [A-Z\[+]|\[)", re.M)


def _help(argv: list[str]) -> str:
    out = subprocess.run(
        argv, capture_output=True, text=True, env={}, stdin=subprocess.DEVNULL, timeout=30
    )
    return out.stdout + out.stderr


def _busybox_usage(text: str) -> set[str]:
    opts: set[str] = set()
    for group in _BB_GROUP.findall(text):
        opts |= {f"-{c}" for c in group}
    for line in _BB_LINE.findall(text):
        for o in line.split(","):
            o = o.split("[", 1)[0]
            if o.startswith("--") or len(o) == 2 or (o.startswith("-") and o[1:].isalpha()):
                opts.add(o)
    return opts


def busybox_options(alpine: Path, debian: Path) -> dict[str, Any]:
    """Which of GNU's options busybox's applets lack, asked of the real busybox."""
    busybox = _ash(alpine)[:-1]
    gnu = _bash(debian)[:-1]
    applets: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as empty:

        def rejected(applet: str, opt: str) -> bool:
            # find: a path that does not exist, so no predicate acts on anything
            args = ["/nonexistent-alpine-ready", opt] if applet == "find" else [opt]
            try:
                out = subprocess.run(
                    [*busybox, applet, *args],
                    capture_output=True,
                    text=True,
                    env={},
                    cwd=empty,
                    stdin=subprocess.DEVNULL,
                    timeout=5,
                    check=False,
                )
            except subprocess.TimeoutExpired:  # tail -f waiting: the option was taken
                return False
            return "unrecognized" in out.stderr or "invalid option" in out.stderr

        for applet, (path, package) in GNU_TOOLS.items():
            usage = _help([*busybox, applet, "--help"])
            ghelp = _help([*gnu, str(debian / path), "--help"])
            pattern = _FIND_OPT if applet == "find" else _GNU_OPT
            candidates = sorted(set(pattern.findall(ghelp)) - {"--help", "--version"})
            if applet == "find":
                candidates = [c for c in candidates if c not in ("-a", "-o")]
            gnu_only = [o for o in candidates if rejected(applet, o)]
            known = (_busybox_usage(usage) | set(candidates)) - set(gnu_only)
            applets[applet] = {
                "gnu_package": package,
                "gnu": _first_line([*gnu, str(debian / path), "--version"]).replace(
                    str(debian / path), applet
                ),
                "busybox": sorted(known),
                "gnu_only": gnu_only,
                # letters whose argument may be attached (``cut -d:``, ``sed -i.bak``):
                # the rest of a word after one is no option
                "short_with_argument": "".join(
                    sorted(set(_GNU_ARG.findall(ghelp)) | set(_BB_ARG.findall(usage)))
                ),
            }
    return {
        "schema": 1,
        "source": "Generated by tools/gen_rootfs_facts.py: each GNU option of the Debian 12 "
        "rootfs's tools (their --help: coreutils, tar, findutils, grep, sed; find's "
        "predicates) asked of the applet of /bin/busybox of the real Alpine 3.23 rootfs "
        "(run through its own musl loader, in an empty directory, stdin /dev/null; find "
        "given a missing path): 'unrecognized option' / 'unrecognized: -PRED' puts it in "
        "gnu_only. busybox lists what its APPLET --help usage names and the GNU options "
        "it took. gnu_package is the Alpine package with the GNU tool (aports main/tar, "
        "main/coreutils, main/findutils, main/grep, main/sed). Read through "
        "alpine_ready.knowledge.busyboxopts, its only loader, by translate.",
        "busybox": _first_line(busybox).split(" multi-call")[0],
        "applets": applets,
    }


def _render(doc: dict[str, Any]) -> str:
    lines = ["{"]
    items = list(doc.items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _image_packages() -> list[str]:
    profile = json.loads((DATA / "alpine-3.23-x86_64.json").read_text("utf-8"))
    return [p["name"] for p in profile["packages"]]


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the files."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="fail when a committed file differs from a fresh generation",
    )
    args = ap.parse_args(argv)
    alpine, debian = fx.alpine_rootfs(), fx.debian_rootfs()
    outputs = {
        ASH_OUT: _render(ash_facts(alpine, debian)),
        ACCOUNTS_OUT: _render(accounts(alpine, debian)),
        COMMANDS_OUT: _render(base_commands(alpine, debian)),
        PATHS_OUT: _render(base_paths(alpine, debian, _image_packages())),
        OPTIONS_OUT: _render(busybox_options(alpine, debian)),
    }
    stale = [
        p.name for p, text in outputs.items() if not p.is_file() or p.read_text("utf-8") != text
    ]
    if args.check:
        if stale:
            _log(f"out of date: {', '.join(stale)} (run tools/gen_rootfs_facts.py)")
            return 1
        _log("up to date")
        return 0
    for path, text in outputs.items():
        path.write_text(text, "utf-8")
        _log(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
