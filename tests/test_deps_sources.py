"""The source registry, bun.lock (recorded by the real Bun: tools/record_bun_lockfiles.py)
and the structured fixes deps makes itself."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import shutil
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.deps import sources
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.node_check import NodeTarget, check_node
from alpine_ready.deps.npm_registry import NpmRegistry
from alpine_ready.deps.report import DepsReport, DepStatus, PackageResult
from alpine_ready.deps.sources import SOURCES, parse_node_input
from alpine_ready.deps.sources.bun_lock import parse_bun_lock
from alpine_ready.errors import InputError
from alpine_ready.report import schema
from alpine_ready.report.item import FixKind
from test_deps_index import seed as seed_index

LOCKS = Path(__file__).parent / "data" / "nodelocks"
RECORDED = Path(__file__).parent / "data" / "npm"
SAME_PROJECT = {"npm-v3": "bun", "native-mix": "bun-native-mix"}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --cache-dir with the recorded npm answers (npm/) and PyPI pages (the root)."""
    root = tmp_path_factory.mktemp("deps-cache")
    npm = ResponseCache(root / "npm", name="npm")
    for p in sorted(RECORDED.glob("*.json")):
        doc = json.loads(p.read_text())
        npm.put(doc["url"], doc["accept"], doc["body"].encode(), doc["headers"])
    seed_index(ResponseCache(root))
    return root


@pytest.fixture
def offline(cache_dir: Path) -> NpmRegistry:
    return NpmRegistry(cache=ResponseCache(cache_dir / "npm", name="npm"), offline=True)


@pytest.fixture(autouse=True)
def _no_user_npmrc(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("NPM_TOKEN", raising=False)


# ------------------------------------------------------------------------------ registry


def test_every_source_module_is_registered_once() -> None:
    modules = [
        m.name for m in pkgutil.iter_modules(sources.__path__) if m.name not in ("base", "image")
    ]  # image: a reference, not a file
    registered = [importlib.import_module(f"{sources.__name__}.{m}").SOURCE for m in modules]
    assert sorted(map(id, registered)) == sorted(map(id, SOURCES))
    assert len(set(map(id, SOURCES))) == len(SOURCES)
    for s in SOURCES:
        assert s.ecosystem in ("python", "node") and s.name


def test_nothing_to_read_lists_every_format(tmp_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"no dependency file found \(Python: uv\.lock, "
        r".*requirements\*\.txt, pyproject\.toml; Node: "
        r"package-lock\.json, .*bun\.lock, node_modules\)",
    ):
        run(DepsOptions(str(tmp_path), offline=True, cache_dir=tmp_path))


# ------------------------------------------------------------------------------ bun.lock


def test_recorded_by_bun() -> None:
    rec = json.loads((LOCKS / "RECORDED-bun.json").read_text())
    assert rec["bun"] == "1.4.5"
    for name in ("bun", "bun-native-mix", "bun-fresh"):
        text = (LOCKS / name / "bun.lock").read_text()
        assert text.startswith('{\n  "lockfileVersion": ') and ",\n  }" in text  # JSONC


def row_facts(rows: list[PackageResult]) -> dict[tuple[str, str | None], tuple[object, ...]]:
    return {
        (r.name, r.version): (
            r.status,
            r.reasons,
            r.fixes,
            r.musl_version,
            r.pinned,
            r.structured_fixes(),
        )
        for r in rows
    }


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
@pytest.mark.parametrize("npm", sorted(SAME_PROJECT))
def test_same_project_locked_by_npm_and_by_bun_gives_the_same_rows(
    offline: NpmRegistry, npm: str, arch: str
) -> None:
    """The bun.lock Bun wrote from the recorded package-lock.json: the same versions, the
    same platform fields -- so the same verdicts, reasons and fixes, row for row."""
    by_npm, npm_notes = check_node(
        parse_node_input(LOCKS / npm / "package-lock.json"), NodeTarget(arch=arch), offline
    )
    by_bun, bun_notes = check_node(
        parse_node_input(LOCKS / SAME_PROJECT[npm] / "bun.lock"), NodeTarget(arch=arch), offline
    )
    assert row_facts(by_bun) == row_facts(by_npm)
    assert bun_notes == npm_notes
    assert len(by_bun) >= 14 and {r.status for r in by_bun} != {DepStatus.PORTABLE}
    assert offline.requests == 0


def test_bun_lock_records_platform_fields_scripts_and_dev() -> None:
    inp = parse_bun_lock(LOCKS / "bun-fresh" / "bun.lock")
    assert inp.kind == "bun" and inp.records_platform and inp.records_libc
    by = {p.path_in_lock: p for p in inp.packages}
    musl = by["@rollup/rollup-linux-x64-musl"]
    assert (musl.os, musl.cpu, musl.libc) == (("linux",), ("x64",), ("musl",))
    assert musl.optional and not musl.dev
    assert by["typescript"].dev and not by["left-pad"].dev
    assert by["bufferutil"].has_install_script is True
    assert by["left-pad"].has_install_script is False
    assert "@esbuild/linux-x64" in by["esbuild"].optional_dependencies
    manifest = json.loads((LOCKS / "bun-fresh" / "package.json").read_text())
    for name, version in {**manifest["dependencies"], **manifest["devDependencies"]}.items():
        assert by[name].version == version and by[name].name == name
    assert "bunfresh" not in {p.name for p in inp.packages}  # the workspace itself


def test_bun_lock_in_a_project_is_checked_and_reported(tmp_path: Path, cache_dir: Path) -> None:
    for f in ("package.json", "bun.lock"):
        shutil.copy(LOCKS / "bun" / f, tmp_path / f)
    (tmp_path / "node_modules").mkdir()
    report = run(DepsOptions(str(tmp_path), offline=True, cache_dir=cache_dir))
    [inp] = report.inputs
    assert (inp.kind, inp.path) == ("bun", str(tmp_path / "bun.lock"))
    assert any("node_modules not checked" in n for n in inp.notes)
    got = {r.name: r.status for r in report.packages}
    assert got["rollup"] is got["sharp"] is got["bcrypt"] is DepStatus.MUSL_BUILD
    lines = (tmp_path / "bun.lock").read_text().splitlines()
    for row in report.packages:  # each row points at its entry (file:line)
        path, _, line = row.source.rpartition(":")
        assert path == str(tmp_path / "bun.lock")
        assert lines[int(line) - 1].strip().startswith(f'"{row.name}": ["{row.name}@'), row
    data = report.to_json()
    jsonschema.validate(data, schema("deps-v3.json"))
    assert data["schema_version"] == 3 and data["inputs"][0]["kind"] == "bun"
    shutil.copy(LOCKS / "npm-v3" / "package-lock.json", tmp_path / "package-lock.json")
    [first] = run(DepsOptions(str(tmp_path), offline=True, cache_dir=cache_dir)).inputs
    assert first.kind == "package-lock"
    assert "using package-lock.json; not read: bun.lock" in first.notes


def test_bun_lock_comments_and_trailing_commas(tmp_path: Path) -> None:
    text = (LOCKS / "bun" / "bun.lock").read_text()
    commented = text.replace(
        '"packages": {', '"packages": { // every package\n /* a, }\n block */', 1
    ).replace("\n  }\n}", " /* end, */\n  }\n}")
    assert commented != text
    f = tmp_path / "bun.lock"
    f.write_text(commented)
    same = [dataclasses.replace(p, source_file="") for p in parse_bun_lock(f).packages]
    assert same == [
        dataclasses.replace(p, source_file="")
        for p in parse_bun_lock(LOCKS / "bun" / "bun.lock").packages
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"lockfileVersion": 1, "packages": {"a": ["a@1.0.0", "", {}, "x"\n',
            r"bun\.lock:2: "
            r"malformed JSON",
        ),
        ('{"packages": {}}', r"bun\.lock:1: not a bun\.lock: no integer lockfileVersion"),
        (
            '{"lockfileVersion": 1, "packages": {"a": [1]}}',
            r"unexpected structure at "
            r"packages\.a",
        ),
        ('{"lockfileVersion": 1, "packages": []}', r"packages is not an object"),
        ('{"lockfileVersion": 1, "packages": ' + "[" * 100_000, r"nested deeper than 256"),
        ('{"lockfileVersion": 1, /* never closed', r"bun\.lock:1: malformed JSON"),
    ],
)
def test_hostile_bun_locks_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "bun.lock"
    f.write_text(content)
    with pytest.raises(InputError, match=message) as exc:
        parse_node_input(f)
    assert "\n" not in str(exc.value) and len(str(exc.value)) < 300


def test_strings_that_look_like_comments_or_commas_are_kept(tmp_path: Path) -> None:
    f = tmp_path / "bun.lock"
    f.write_text(
        '{"lockfileVersion": 1, "packages": {\n  "odd": ["odd@1.0.0", '
        '"https://r.example//x, }", {"os": "linux", "cpu": "x64",}, "/* no */"],\n}}'
    )
    [pkg] = parse_bun_lock(f).packages
    assert (pkg.name, pkg.version, pkg.os) == ("odd", "1.0.0", ("linux",))


# ------------------------------------------------------------------------- structured fixes


def fixes_of(report: DepsReport, name: str) -> list[dict[str, object]]:
    [item] = [i for i in report.core().items if i.subject.name == name]
    return [f.to_json() for f in item.fixes]


def test_python_fixes_are_made_with_their_command(tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "requirements.txt").write_text("mysqlclient==2.3.2\ntorch==2.15.0\nduckdb==2.0.1\n")
    report = run(DepsOptions(str(tmp_path), offline=True, cache_dir=cache_dir))
    build = fixes_of(report, "mysqlclient")[0]
    assert (build["kind"], build["text"], build["packages"]) == (
        "apk-add",
        "apk add --no-cache build-base",
        ["build-base"],
    )
    [replace] = fixes_of(report, "torch")
    assert (replace["kind"], replace["packages"]) == ("replace-package", ["torch"])
    pin = fixes_of(report, "duckdb")[1]
    assert (pin["kind"], pin["text"], pin["packages"]) == ("upgrade", "duckdb==1.3.2", ["duckdb"])
    for row in report.packages:  # one structured fix per fix string, in order
        assert [f.description for f in row.structured_fixes()] == list(row.fixes)


def test_node_fixes_are_made_with_their_command(tmp_path: Path, cache_dir: Path) -> None:
    report = run(
        DepsOptions(
            str(LOCKS / "native-mix" / "package-lock.json"), offline=True, cache_dir=cache_dir
        )
    )
    [upgrade] = fixes_of(report, "oxc-parser")
    assert (upgrade["kind"], upgrade["text"], upgrade["packages"]) == (
        "upgrade",
        "oxc-parser@0.4.0",
        ["oxc-parser"],
    )
    # (better-sqlite3's fallback build; bufferutil's untagged prebuild loads on musl)
    build = fixes_of(report, "better-sqlite3")[0]
    assert (build["kind"], build["packages"]) == ("apk-add", ["python3", "make", "g++"])
    assert build["text"] == "apk add --no-cache --virtual .build-deps python3 make g++"


def test_a_lockfile_problem_names_the_missing_platform_package(
    tmp_path: Path, cache_dir: Path
) -> None:
    for kind, lock in (
        ("npm", LOCKS / "npm-v3" / "package-lock.json"),
        ("bun", LOCKS / "bun" / "bun.lock"),
    ):
        text = lock.read_text()
        # (the entry removed: renamed, its own os/cpu/libc still make it rollup's musl build)
        doc = json.loads(text) if kind == "npm" else {}
        doc.get("packages", {}).pop("node_modules/@rollup/rollup-linux-x64-musl", None)
        data = (
            json.dumps(doc, indent=2)
            if kind == "npm"
            else "\n".join(
                line
                for line in text.split("\n")
                if not line.strip().startswith('"@rollup/rollup-linux-x64-musl"')
            )
        )
        d = tmp_path / kind
        d.mkdir()
        (d / lock.name).write_text(data)
        report = run(DepsOptions(str(d / lock.name), offline=True, cache_dir=cache_dir))
        rollup = next(r for r in report.packages if r.name == "rollup")
        assert rollup.status is DepStatus.LOCKFILE_PROBLEM, (kind, rollup)
        [fix] = rollup.structured_fixes()
        assert fix.kind is FixKind.COMMAND
        assert fix.packages == ("@rollup/rollup-linux-x64-musl",)
        assert fix.text == (
            "rm bun.lock && bun install" if kind == "bun" else "rm package-lock.json && npm install"
        )
