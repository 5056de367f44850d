"""Is TARGET a path or an image?  inputs.target.classify, the one place that decides.

Every rule of the module doc and every ambiguous case, on real files in a temporary
directory (a directory named like an image, a dangling symlink, a FIFO); then the
commands that take a TARGET (scan, inspect) end to end, with HTTPS_PROXY pointing at
a closed port so that a wrong guess fails fast instead of reaching Docker Hub.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alpine_ready.analysis.scan import image_reference
from alpine_ready.errors import InputError
from alpine_ready.inputs.image.reference import parse
from alpine_ready.inputs.target import Target, TargetKind, classify

DIGEST = "sha256:" + "a" * 64


def image(t: Target) -> tuple[str, str | None, str | None, str | None, str | None]:
    assert t.kind is TargetKind.IMAGE and t.image is not None and t.location is None
    ref = t.image
    return ref.transport, ref.registry, ref.repository, ref.tag, ref.digest


# -- rule 5: Docker references, when nothing of that name exists -------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("alpine", ("docker", "docker.io", "library/alpine", "latest", None)),
        ("alpine:3.20", ("docker", "docker.io", "library/alpine", "3.20", None)),
        ("python3.12:slim", ("docker", "docker.io", "library/python3.12", "slim", None)),
        ("bitnami/redis", ("docker", "docker.io", "bitnami/redis", "latest", None)),
        ("ghcr.io/org/app", ("docker", "ghcr.io", "org/app", "latest", None)),
        ("ghcr.io/org/app:1.2", ("docker", "ghcr.io", "org/app", "1.2", None)),
        ("localhost:5000/app", ("docker", "localhost:5000", "app", "latest", None)),
        ("my.app@" + DIGEST, ("docker", "docker.io", "library/my.app", None, DIGEST)),
    ],
)
def test_docker_references_are_images(tmp_path: Path, text: str, want: tuple[str, ...]) -> None:
    assert image(classify(text, cwd=tmp_path)) == want


# -- rule 2: transports are images, always -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "transport"),
    [
        ("docker://alpine:3.20", "docker"),
        ("docker-daemon:alpine:3.20", "docker-daemon"),
        ("docker-archive:app.tar", "docker-archive"),
        ("oci:layout:v1", "oci"),
        ("oci-archive:img.tar", "oci-archive"),
    ],
)
def test_a_transport_wins_even_over_an_existing_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, transport: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / text).mkdir(parents=True)  # a directory literally named like it
    assert image(classify(text))[0] == transport
    # ./ or dir: names the directory
    assert classify(f"./{text}").kind is TargetKind.DIRECTORY
    named = classify(f"dir:{text}")
    assert named.kind is TargetKind.DIRECTORY and named.location == text


@pytest.mark.parametrize(
    "text",
    ["docker:alpine", "docker://x/y@sha256:short", "docker://Alpine", "docker-daemon:bad tag"],
)
def test_malformed_transport_references_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        classify(text)


# -- rule 3: an existing path wins over an image name ------------------------------------


@pytest.mark.parametrize(
    "name", ["alpine", "alpine:3.20", "ghcr.io/org/app:1.2", "localhost:5000/app"]
)
def test_an_existing_directory_wins_over_an_image_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir(parents=True)
    got = classify(name, cwd=tmp_path)
    assert got.kind is TargetKind.DIRECTORY and got.image is None
    assert got.path == tmp_path / name
    assert image(classify(f"docker://{name}", cwd=tmp_path))[0] == "docker"


def test_an_existing_file_fifo_and_dangling_symlink_are_paths(tmp_path: Path) -> None:
    (tmp_path / "alpine:3.20").write_bytes(b"not an image")
    assert classify("alpine:3.20", cwd=tmp_path).kind is TargetKind.FILE
    os.mkfifo(tmp_path / "alpine")
    assert classify("alpine", cwd=tmp_path).kind is TargetKind.SPECIAL
    (tmp_path / "node").symlink_to(tmp_path / "nowhere")  # a symlink to nothing
    dangling = classify("node", cwd=tmp_path)
    assert dangling.kind is TargetKind.MISSING and dangling.image is None
    (tmp_path / "python:3").symlink_to(tmp_path / "alpine:3.20")
    assert classify("python:3", cwd=tmp_path).kind is TargetKind.FILE


def test_relative_paths_are_looked_up_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "alpine").mkdir()
    monkeypatch.chdir(tmp_path)
    here = classify("alpine")
    assert here.kind is TargetKind.DIRECTORY and here.location == "alpine"  # as written
    monkeypatch.chdir("/")
    assert classify("alpine").is_image


# -- rules 4, 5 (the dotted bare name) and 6: paths that do not exist --------------------


@pytest.mark.parametrize(
    "text",
    [
        "/nonexistent/x",
        "./build",
        "../up",
        "~/app",
        "dist/",  # shaped like paths
        "requirements.txt",
        "uv.lock",
        "app.tar",
        "package-lock.json",  # file names
        "build/App.bin",
        "out/some dir",  # a slash, and not an image name
    ],
)
def test_missing_paths(tmp_path: Path, text: str) -> None:
    got = classify(text, cwd=tmp_path)
    assert got.kind is TargetKind.MISSING and got.image is None
    assert got.location == str(tmp_path / text)


def test_dot_and_dotdot(tmp_path: Path) -> None:
    assert classify(".", cwd=tmp_path).kind is TargetKind.DIRECTORY
    assert classify("..", cwd=tmp_path).kind is TargetKind.DIRECTORY


# -- rule 7: neither ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Alpine:3", "invalid repository name component 'Alpine'"),
        ("alpine:bad tag", "not an image name"),
        ("alpine:", "invalid tag ''"),
        ("Requirements.TXT", "invalid repository name component 'Requirements.TXT'"),
    ],
)
def test_neither_a_path_nor_an_image(tmp_path: Path, text: str, why: str) -> None:
    with pytest.raises(InputError) as e:
        classify(text, cwd=tmp_path)
    assert str(e.value) == f"{text}: no such file or directory, and not an image reference ({why})"


# -- one decision: scan, inspect/compare (reference.parse) and deps agree -----------------


@pytest.mark.parametrize(
    "text",
    [
        "alpine",
        "alpine:3.20",
        "ghcr.io/org/app:1.2",
        "docker-archive:app.tar",
        "oci:layout",
        "requirements.txt",
        "./build",
        "/nonexistent/x",
        "build/App.bin",
        "dir:alpine",
        "exists:1",
        "exists-dir",
    ],
)
def test_every_command_decides_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exists:1").mkdir()
    (tmp_path / "exists-dir").mkdir()
    got = classify(text)
    assert image_reference(text) == got.image  # scan, and deps IMAGE (deps.image_inputs)
    ref = parse(text)  # inspect and compare
    if got.image is not None:
        assert ref == got.image
    else:
        assert ref.transport == "dir" and ref.path == got.path


# -- the commands, end to end -------------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # a wrong guess would go to Docker Hub: through a proxy on a closed port, it fails fast
    env = dict(
        os.environ, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY=""
    )
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def rootfs(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text("ID=alpine\nVERSION_ID=3.20.3\n")
    (root / "etc" / "alpine-release").write_text("3.20.3\n")
    (root / "bin").mkdir()
    shutil.copy("/bin/true", root / "bin" / "true")
    return root


def test_inspect_a_directory_named_like_an_image(tmp_path: Path) -> None:
    rootfs(tmp_path / "alpine:3.20")
    out = tmp_path / "r.json"
    r = cli("inspect", "alpine:3.20", "--format", "json", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["kind"] == "rootfs" and data["target"] == "alpine:3.20"
    assert data["os"]["id"] == "alpine"
    # the image, asked for by its transport, is not this directory: it goes to the proxy
    r = cli("inspect", "docker://alpine:3.20", cwd=tmp_path)
    assert r.returncode == 2
    assert "through the proxy http://127.0.0.1:9" in r.stderr and "Traceback" not in r.stderr


def test_inspect_a_file_that_is_no_image_archive(tmp_path: Path) -> None:
    (tmp_path / "app.tar").write_bytes(b"\0" * 1024)
    r = cli("inspect", "app.tar", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "alpine-ready: error: app.tar: a file, but neither a root filesystem "
        "directory nor an image archive (a docker save or OCI archive tar)"
    )


def test_scan_paths_named_like_images_and_dir_prefix(tmp_path: Path) -> None:
    app = rootfs(tmp_path / "node:20")
    out = tmp_path / "r.json"
    r = cli("scan", "node:20", "--format", "json", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["target"] == "node:20" and data["summary"]["elf_files"] == 1
    r = cli("scan", f"dir:{app}", "--format", "json", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["summary"]["elf_files"] == 1


def test_scan_of_a_missing_file_name_is_no_such_file(tmp_path: Path) -> None:
    r = cli("scan", "app.bin", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == "alpine-ready: error: app.bin: no such file or directory"
    r = cli("scan", "Bad:Name", cwd=tmp_path)
    assert r.returncode == 2 and "not an image reference" in r.stderr


def test_deps_asks_the_same_classifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deps decides image-or-path with the one classifier: an existing path wins."""
    from alpine_ready.deps.sources.image import is_image

    monkeypatch.chdir(tmp_path)
    (tmp_path / "alpine:3.20").mkdir()
    (tmp_path / "requirements.txt").write_text("six\n")
    cases = {
        "alpine:3.20": False,  # the directory here
        "docker://alpine:3.20": True,
        "alpine:3.21": True,
        "ghcr.io/org/app:1.2": True,  # deps's own regex said no to these four
        "localhost:5000/app": True,
        "library/alpine:3.20": True,
        "python:3.12-alpine@sha256:" + "a" * 64: True,
        "docker-archive:app.tar": True,
        "requirements.txt": False,
        "missing.lock": False,
        "./alpine:3.21": False,
        "Alpine:3": False,  # neither: the path readers say so
    }
    assert {t: is_image(t) for t in cases} == cases
