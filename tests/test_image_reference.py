"""Image references as users write them (skopeo transports, Docker's name rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpine_ready.errors import InputError
from alpine_ready.inputs.image.model import Platform
from alpine_ready.inputs.image.reference import parse


@pytest.mark.parametrize(
    "text,registry,repo,tag,digest",
    [
        ("alpine:3.20", "docker.io", "library/alpine", "3.20", None),
        ("alpine", "docker.io", "library/alpine", "latest", None),
        ("docker://alpine:3.19", "docker.io", "library/alpine", "3.19", None),
        (
            "docker://docker.io/library/debian:bookworm-slim",
            "docker.io",
            "library/debian",
            "bookworm-slim",
            None,
        ),
        ("docker://index.docker.io/bitnami/redis", "docker.io", "bitnami/redis", "latest", None),
        ("ghcr.io/org/app:1.2.3", "ghcr.io", "org/app", "1.2.3", None),
        ("docker://localhost:5000/app:dev", "localhost:5000", "app", "dev", None),
        (
            "docker://127.0.0.1:41234/x/y@sha256:" + "a" * 64,
            "127.0.0.1:41234",
            "x/y",
            None,
            "sha256:" + "a" * 64,
        ),
        (
            "registry.example.com:8443/team/svc:v1@sha256:" + "b" * 64,
            "registry.example.com:8443",
            "team/svc",
            "v1",
            "sha256:" + "b" * 64,
        ),
    ],
)
def test_docker_names(
    text: str, registry: str, repo: str, tag: str | None, digest: str | None
) -> None:
    ref = parse(text)
    assert ref.transport == "docker"
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repo, tag, digest)


def test_docker_hub_api_host_and_plain_http_rules() -> None:
    assert parse("alpine").registry_host == "registry-1.docker.io"
    assert parse("docker://localhost:5000/a").insecure_by_default
    assert parse("docker://127.0.0.7:5000/a").insecure_by_default
    assert not parse("docker://ghcr.io/a/b").insecure_by_default
    assert not parse("docker://10.0.0.1:5000/a").insecure_by_default


@pytest.mark.parametrize(
    "text,transport,path,tag",
    [
        ("oci:/tmp/layout", "oci", "/tmp/layout", None),
        ("oci:/tmp/layout:v1", "oci", "/tmp/layout", "v1"),
        ("oci-archive:/tmp/img.tar", "oci-archive", "/tmp/img.tar", None),
        ("docker-archive:/tmp/img.tar", "docker-archive", "/tmp/img.tar", None),
    ],
)
def test_local_transports(text: str, transport: str, path: str, tag: str | None) -> None:
    ref = parse(text)
    assert (ref.transport, ref.path, ref.tag) == (transport, Path(path), tag)


def test_existing_directory_is_a_rootfs(tmp_path: Path) -> None:
    assert parse(str(tmp_path)).transport == "dir"
    assert parse("./relative/dir").transport == "dir"


@pytest.mark.parametrize(
    "text", ["docker:alpine", "Alpine:3", "alpine:bad tag", "docker://x/y@sha256:short", "alpine:"]
)
def test_bad_references_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse(text)


def test_platform() -> None:
    assert str(Platform.parse("linux/arm64/v8")) == "linux/arm64/v8"
    assert Platform.parse("linux/amd64").matches({"os": "linux", "architecture": "amd64"})
    assert not Platform.parse("linux/arm64").matches({"os": "linux", "architecture": "amd64"})
    with pytest.raises(ValueError):
        Platform.parse("amd64")
