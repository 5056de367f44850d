"""``alpine-ready translate`` as a command: outputs, exit codes, files untouched."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from alpine_ready.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from alpine_ready.dockerfile import parse_text
from alpine_ready.report import schema

DATA = Path(__file__).parent / "data" / "dockerfiles"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", "translate", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_dockerfile_to_stdout_account_to_stderr() -> None:
    src = DATA / "debian-python.Dockerfile"
    before = digest(src)
    r = cli(str(src))
    assert r.returncode == EXIT_FINDINGS  # the glibc download needs a person
    assert r.stdout.startswith("FROM python:3.12-alpine\n")
    assert "apk add --no-cache" in r.stdout and "apt-get" not in r.stdout
    parse_text(r.stdout)  # a Dockerfile again
    assert "Check by hand" in r.stderr and "linux-gnu" in r.stderr
    assert digest(src) == before


def test_clean_translation_exits_0_and_writes_the_file(tmp_path: Path) -> None:
    src = tmp_path / "Dockerfile"
    src.write_text(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y "
        "--no-install-recommends curl ca-certificates && rm -rf "
        "/var/lib/apt/lists/*\n"
    )
    out = tmp_path / "Dockerfile.alpine"
    r = cli(str(src), "-o", str(out), "--alpine", "3.22", "-q")
    assert r.returncode == EXIT_OK, r.stderr
    assert r.stdout == "" and r.stderr == ""
    text = out.read_text()
    assert text.startswith("FROM alpine:3.22\n")
    assert "apk add --no-cache curl ca-certificates" in text


def test_json_and_diff(tmp_path: Path) -> None:
    src = DATA / "debian-python.Dockerfile"
    r = cli(str(src), "--format", "json")
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, schema("translate-v3.json"))
    assert doc["schema_version"] == 3 and doc["changes"]
    d = cli(str(src), "--format", "diff")
    assert d.stdout.startswith("--- ") and "+FROM python:3.12-alpine" in d.stdout


def test_bad_input_is_one_line_and_untouched(tmp_path: Path) -> None:
    binary = tmp_path / "Dockerfile"
    binary.write_bytes(b"FROM debian\n\0\1\2")
    before = digest(binary)
    for target in (str(binary), str(tmp_path / "missing")):
        r = cli(target)
        assert r.returncode == EXIT_ERROR
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert r.stderr.startswith("alpine-ready: error: ")
        assert "Traceback" not in r.stderr
    assert digest(binary) == before


def test_context_names_where_copied_scripts_are_read(tmp_path: Path) -> None:
    """--context: the build context is not always the Dockerfile's directory."""
    docker = tmp_path / "docker"
    docker.mkdir()
    df = docker / "Dockerfile"
    df.write_text(
        "FROM debian:bookworm-slim\nCOPY entrypoint.sh /usr/local/bin/\n"
        'ENTRYPOINT ["entrypoint.sh"]\n'
    )
    (tmp_path / "entrypoint.sh").write_text('#!/bin/bash\nexec "$@"\n')
    without = cli(str(df))
    assert "bash" not in without.stdout and "shebang is not visible" in without.stderr
    with_context = cli(str(df), "--context", str(tmp_path))
    assert "apk add --no-cache bash" in with_context.stdout
    assert "entrypoint.sh: #!/bin/bash" in with_context.stderr
    bad = cli(str(df), "--context", str(tmp_path / "entrypoint.sh"))
    assert bad.returncode == EXIT_ERROR
    assert bad.stderr.strip().endswith("--context is not a directory")
    assert len(bad.stderr.strip().splitlines()) == 1
