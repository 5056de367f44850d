"""A fleet of real images over a few shared bases, for ``fleet``'s tests and benchmark.

Every image is one of four kinds, built from the real images of :mod:`imagebuild`
(their layer blobs reused byte for byte, so digests are shared as on a registry):

============== ================================================== =====================
kind           layers                                             what fleet must say
============== ================================================== =====================
alpine         alpine-base, app                                   ready (already musl)
debian         debian-base, app                                   ready, saves the base
glibc-alpine   alpine-base, glibc-app's layer (jq, wheels), app   needs changes or not
glibc-debian   debian-base, glibc-app's layer, app                as glibc-alpine
wheel-debian   debian-base, the manylinux pydantic-core wheel      needs changes
============== ================================================== =====================

``app`` is one small layer of its own per image (a file naming the image), so a fleet of
N images has N + 4 distinct layers.  The fleet is written once as ONE OCI layout with a
tag per image (``<kind>-<NNN>``), cached under the fixtures root
(``images/fleet-<N>``, :func:`imagebuild._ensure_image`), and pushed with skopeo into
repositories ``fleet/<kind>`` of a real registry (:func:`push_fleet`).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import imagebuild as ib
import registry_server as rs

FLEETBUILD_VERSION = "3"
TEST_FLEET = 52  # images in the tests' registry
WHEEL_SITE = "usr/local/lib/python3.11/site-packages"
KINDS = ("alpine", "debian", "glibc-alpine", "glibc-debian", "wheel-debian")
_CMD = {"alpine": '/bin/sh -c #(nop)  CMD ["/bin/sh"]', "debian": '/bin/sh -c #(nop)  CMD ["bash"]'}


@dataclass(frozen=True)
class FleetImage:
    """One image of the built fleet."""

    kind: str
    tag: str  # in the OCI layout, and pushed as fleet/<kind>:<tag>
    manifest_digest: str

    @property
    def repo(self) -> str:
        return f"fleet/{self.kind}"


@dataclass(frozen=True)
class BuiltFleet:
    """The fleet's OCI layout and its images."""

    root: Path
    images: tuple[FleetImage, ...]

    @property
    def layout(self) -> Path:
        return self.root / "oci"


def kind_of(i: int) -> str:
    """The kind of image ``i`` (a fixed cycle, so every fleet has all four)."""
    return KINDS[i % len(KINDS)]


def _config(layers: Sequence[ib.LayerBlob], base_cmd: str, kind: str, i: int) -> bytes:
    history: list[dict[str, Any]] = [{"created": ib.CREATED, "created_by": layers[0].created_by}]
    history.append({"created": ib.CREATED, "created_by": base_cmd, "empty_layer": True})
    history += [{"created": ib.CREATED, "created_by": b.created_by} for b in layers[1:]]
    cfg = {
        "created": ib.CREATED,
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": [ib.ALPINE_PATH_ENV],
            "Cmd": ["/srv/app"],
            "Labels": {"fleet.kind": kind, "fleet.n": str(i)},
        },
        "rootfs": {"type": "layers", "diff_ids": [b.diff_id for b in layers]},
        "history": history,
    }
    return json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()


def build_fleet(n: int) -> BuiltFleet:
    """The fleet of ``n`` images (built once, then read from the fixtures cache)."""
    alpine = ib.alpine_base_image()
    debian = ib.debian_base_image()
    glibc = ib.glibc_app_image()
    pins = {
        "fleetbuild": FLEETBUILD_VERSION,
        "n": n,
        "bases": [b.expected["formats"]["oci"]["manifest_digest"] for b in (alpine, debian, glibc)],
        "wheels": ib._source_id(ib.fx.wheels() / "manylinux" / "pydantic_core-2.50.5"),
    }

    def build(tmp: Path) -> dict[str, Any]:
        work = tmp / ".work"
        bases = {"alpine": alpine.layer_blob(0, work), "debian": debian.layer_blob(0, work)}
        glibc_layer = glibc.layer_blob(1, work)
        wheel_layer = ib.write_layer(
            ib.Layer(
                [ib.Tree(ib.fx.wheels() / "manylinux" / "pydantic_core-2.50.5", dest=WHEEL_SITE)],
                "RUN /bin/sh -c pip install pydantic-core==2.50.5 # buildkit",
                "gzip",
            ),
            work,
        )
        extra = {"glibc": [glibc_layer], "wheel": [wheel_layer]}
        base_names = {"alpine": alpine, "debian": debian}
        layout = tmp / "oci"
        entries = []
        images = []
        for i in range(n):
            kind = kind_of(i)
            base_kind = "debian" if kind.endswith("debian") else "alpine"
            app = ib.write_layer(
                ib.Layer(
                    [
                        ib.File(
                            f"srv/app/{kind}-{i:03d}.txt", f"fleet image {i} ({kind})\n".encode()
                        )
                    ],
                    f"COPY app-{i}.txt /srv/app/ # buildkit",
                    "gzip",
                ),
                work,
            )
            layers = [bases[base_kind], *extra.get(kind.split("-")[0], []), app]
            config = _config(layers, _CMD[base_kind], kind, i)
            base = base_names[base_kind]
            manifest = ib.make_manifest(
                config,
                layers,
                {ib.BASE_NAME: f"localhost/{base.repo_tag}"},
            )
            for b in layers:
                ib._put_blob(layout, b.digest, b.path)
            ib._put_blob(layout, ib._digest(config), config)
            ib._put_blob(layout, ib._digest(manifest), manifest)
            tag = f"{kind}-{i:03d}"
            entries.append(
                {
                    "mediaType": ib.MT_OCI_MANIFEST,
                    "digest": ib._digest(manifest),
                    "size": len(manifest),
                    "annotations": {ib.REF_NAME: tag},
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            )
            images.append({"kind": kind, "tag": tag, "manifest_digest": ib._digest(manifest)})
        (layout / "oci-layout").write_bytes(b'{"imageLayoutVersion":"1.0.0"}')
        index = {"schemaVersion": 2, "mediaType": ib.MT_OCI_INDEX, "manifests": entries}
        (layout / "index.json").write_text(json.dumps(index))
        (tmp / "fleet.json").write_text(json.dumps(images, indent=1))
        ib.fx._rmtree(work)
        return {"images": n}

    root = ib._ensure_image(f"fleet-{n}", pins, build)
    images = tuple(FleetImage(**d) for d in json.loads((root / "fleet.json").read_text()))
    return BuiltFleet(root, images)


def push_fleet(fleet: BuiltFleet, registry: rs.Registry, threads: int = 4) -> list[str]:
    """Push every image into ``registry`` as ``fleet/<kind>:<tag>``; their references."""

    def one(image: FleetImage) -> str:
        ref = f"{registry.host}/{image.repo}:{image.tag}"
        rs.push(f"oci:{fleet.layout}:{image.tag}", ref)
        return ref

    # the first image of each kind alone: its repository's shared blobs go up once
    firsts = {im.kind: im for im in reversed(fleet.images)}
    for image in firsts.values():
        one(image)
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, fleet.images))


def expected_readiness(kind: str) -> str:
    """What fleet must say of an image of ``kind`` (see the module doc; checked by scan)."""
    return {
        "alpine": "ready",
        "debian": "ready",
        "glibc-alpine": "not-recommended",
        "glibc-debian": "not-recommended",
        "wheel-debian": "ready-with-changes",
    }[kind]


class PushedFleet:
    """A registry with a built fleet pushed, and what was pushed."""

    def __init__(self, registry: rs.Registry, built: BuiltFleet, refs: list[str]) -> None:
        self.registry, self.built, self.refs = registry, built, refs
        self.kinds = {ref: im.kind for ref, im in zip(refs, built.images, strict=True)}
        self.digests = {ref: im.manifest_digest for ref, im in zip(refs, built.images, strict=True)}

    def file(self, tmp: Path, n: int) -> Path:
        """A file listing the first ``n`` images (with a comment and a blank line)."""
        path = tmp / f"images-{n}.txt"
        path.write_text("# the fleet\n\n" + "\n".join(self.refs[:n]) + "\n")
        return path


@contextlib.contextmanager
def pushed_fleet(n: int, parent: Path | None = None) -> Iterator[PushedFleet]:
    """A real registry (Debian's docker-registry) holding the fleet of ``n`` images."""
    built = build_fleet(n)
    with rs.run_registry("none", parent_dir=parent) as reg:
        yield PushedFleet(reg, built, push_fleet(built, reg))


# --------------------------------------------------------------------------
# A throw-away PostgreSQL server (Debian's postgresql, as CI installs it)
# --------------------------------------------------------------------------


def _pg_bin() -> Path:
    """The newest server Debian's (or Ubuntu's) postgresql package installed."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb refuses root)."""
    import os

    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def run_postgres(parent: Path | None = None) -> Iterator[str]:
    """A PostgreSQL server on a Unix socket in a temporary directory; yields its URL.

    ``initdb`` (trust auth, no fsync) and ``pg_ctl start`` as the ``postgres`` user, no
    TCP listener; ``pg_ctl stop -m immediate`` and the directory removed on exit.
    """
    import os
    import shutil
    import subprocess
    import tempfile

    if not (PG_BIN / "initdb").exists():
        raise rs.MissingToolError(f"{PG_BIN}/initdb: install the Debian package postgresql")
    work = Path(tempfile.mkdtemp(prefix="alpine-ready-pg-", dir=parent))
    data, sock = work / "data", work / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        shutil.chown(sock, "postgres")
        work.chmod(0o755)
    port = rs.free_port()
    started = False
    try:
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "fleet", "-N"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off"
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(work / "log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        started = True
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise rs.RegistryError(f"postgresql: {exc.cmd[-1]} failed: {exc.stderr!r}") from None
    try:
        yield f"postgresql://fleet@/postgres?host={sock}&port={port}"
    finally:
        if started:
            subprocess.run(
                _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(work, ignore_errors=True)
