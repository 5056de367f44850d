"""``alpine-ready verify``: the real musl loader in the sandbox beside scan's prediction.

Everything here runs for real: bubblewrap, the real Alpine 3.23 root filesystem, an
Alpine image served by a real local registry, a real apk repository built with the
release's own ``apk mkpkg`` / ``apk mkndx``, real binaries (the loader differential's
corpus: Debian, manylinux / musllinux wheels, pyarrow, npm addons; gcc and musl-gcc
builds).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import fixtures as fx  # tools/, on the path through conftest
import imagebuild as ib
import registry_server as rs
from alpine_ready.analysis.report import Verdict
from alpine_ready.analysis.scan import ScanOptions
from alpine_ready.analysis.scan import run as scan
from alpine_ready.inputs.image.source import ImageOptions
from alpine_ready.sandbox import Limits, Mount
from alpine_ready.sandbox import run as sandbox_run
from alpine_ready.verify.engine import VerifyOptions, run
from alpine_ready.verify.report import VerifyReport
from conftest import copy_tree

SCHEMA = Path(__file__).parents[1] / "src/alpine_ready/report/schema/verify-v1.json"

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")

# A glibc program that gcompat rescues: _FORTIFY_SOURCE makes printf __printf_chk,
# which musl does not have and gcompat exports.
GLIBC_C = (
    "#include <stdio.h>\n"
    'int main(int argc, char **argv) { printf("glibc says %d\\n", argc); return 0; }\n'
)
MUSL_C = '#include <stdio.h>\nint main(void) { puts("musl says hi"); return 0; }\n'
# The test gcompat: a musl library exporting __printf_chk, with gcompat 1.1.0's file
# layout (knowledge/data/gcompat-1.1.0.json): libgcompat.so.0, the glibc loader name,
# and the glibc sonames as links to it.
GCOMPAT_C = (
    "#include <stdarg.h>\n#include <stdio.h>\n"
    "int __printf_chk(int flag, const char *fmt, ...) {\n"
    "  va_list ap; va_start(ap, fmt); int n = vprintf(fmt, ap); va_end(ap); return n; }\n"
)


# gcompat's loader stub: started by the kernel as a glibc program's PT_INTERP, it starts
# the program again through musl's loader with libgcompat preloaded.
STUB_C = """#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char **a = calloc(argc + 7, sizeof(char *));
  int n = 0;
  a[n++] = "/lib/ld-musl-x86_64.so.1"; a[n++] = "--preload"; a[n++] = "/lib/libgcompat.so.0";
  a[n++] = "--argv0"; a[n++] = argv[0]; a[n++] = (char *)getauxval(AT_EXECFN);
  for (int i = 1; i < argc; i++) a[n++] = argv[i];
  execv(a[0], a);
  return 127;
}
"""


def _cc(compiler: str, source: str, out: Path, *flags: str) -> Path:
    src = out.with_suffix(".c")
    src.write_text(source)
    subprocess.run([compiler, "-O2", *flags, "-o", str(out), str(src)], check=True)
    src.unlink()
    return out


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="120"),
        timeout=600,
        check=False,
    )


def _validate(report: VerifyReport) -> dict[str, Any]:
    data = json.loads(json.dumps(report.to_json()))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)
    return data  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gcc (glibc) and musl-gcc builds of small programs, in an application tree."""
    if shutil.which("gcc") is None or shutil.which("musl-gcc") is None:
        pytest.skip("needs gcc and musl-gcc")
    tree = tmp_path_factory.mktemp("builds")
    (tree / "bin").mkdir()
    _cc("gcc", GLIBC_C, tree / "bin" / "glibc-hello", "-D_FORTIFY_SOURCE=2")
    _cc("musl-gcc", MUSL_C, tree / "bin" / "musl-hello")
    _cc("musl-gcc", MUSL_C, tree / "bin" / "musl-static", "-static")
    return tree


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
    builds: Path,
    debian_tree: Path,
    wheels_dir: Path,
    npm_dir: Path,
) -> Path:
    """The loader differential's real corpora and the gcc/musl-gcc builds, in one tree."""
    tree = tmp_path_factory.mktemp("corpus")
    for src, name in (
        (debian_tree, "debian"),
        (wheels_dir / "manylinux", "manylinux"),
        (wheels_dir / "musllinux", "musllinux"),
        (fx.pyarrow_wheel(), "pyarrow"),
        (npm_dir / "gnu", "npm-gnu"),
        (npm_dir / "musl", "npm-musl"),
        (npm_dir / "static", "npm-static"),
        (builds, "builds"),
    ):
        copy_tree(src, tree / name)
    return tree


@pytest.fixture(scope="module")
def gcompat_repo(alpine_rootfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real apk repository holding a test ``gcompat`` package (built with musl-gcc,
    packaged by the rootfs's own ``apk mkpkg``, indexed by ``apk mkndx``)."""
    if shutil.which("musl-gcc") is None:
        pytest.skip("needs musl-gcc")
    work = tmp_path_factory.mktemp("gcompat-repo")
    lib = work / "files" / "lib"
    lib.mkdir(parents=True)
    (work / "files" / "lib64").mkdir()
    _cc(
        "musl-gcc",
        GCOMPAT_C,
        lib / "libgcompat.so.0",
        "-shared",
        "-fPIC",
        "-Wl,-soname,libgcompat.so.0",
    )
    for soname in ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1"):
        (lib / soname).symlink_to("libgcompat.so.0")
    _cc("musl-gcc", STUB_C, lib / "ld-linux-x86-64.so.2", "-static")
    (work / "files" / "lib64" / "ld-linux-x86-64.so.2").symlink_to("/lib/ld-linux-x86-64.so.2")
    (work / "repo").mkdir()
    out = sandbox_run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "apk mkpkg --info name:gcompat --info version:1.1.0-r99 --info arch:x86_64 "
            "--info 'description:gcompat (test build)' --files /work/files "
            "--output /work/repo/gcompat-1.1.0-r99.apk"
            " && apk mkndx --allow-untrusted --output /work/repo/Packages.adb /work/repo/*.apk",
        ],
        mounts=[Mount(work, "/work", writable=True)],
        root=True,
        limits=Limits(timeout=60),
    )
    assert out.ok, out.stderr
    return work / "repo"


LIBDEMO_C = "int demo_answer(void) { return 42; }\n"
DEMO_C = (
    "#include <stdio.h>\nint demo_answer(void);\n"
    'int main(void) { printf("answer %d\\n", demo_answer()); return 0; }\n'
)


@pytest.fixture(scope="module")
def demo(alpine_rootfs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(an application tree whose program needs libdemo.so.1, a real apk repository with
    the package that provides it: built with musl-gcc, ``apk mkpkg``, ``apk mkndx``)."""
    if shutil.which("musl-gcc") is None:
        pytest.skip("needs musl-gcc")
    work = tmp_path_factory.mktemp("demo")
    lib = work / "files" / "usr" / "lib"
    lib.mkdir(parents=True)
    _cc("musl-gcc", LIBDEMO_C, lib / "libdemo.so.1", "-shared", "-fPIC", "-Wl,-soname,libdemo.so.1")
    app = work / "app" / "bin"
    app.mkdir(parents=True)
    _cc("musl-gcc", DEMO_C, app / "demo", f"-L{lib}", "-l:libdemo.so.1")
    (work / "repo").mkdir()
    out = sandbox_run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "apk mkpkg --info name:libdemo --info version:1.0-r0 --info arch:x86_64 "
            "--info description:demo --info provides:so:libdemo.so.1=1 --files /work/files "
            "--output /work/repo/libdemo-1.0-r0.apk"
            " && apk mkndx --allow-untrusted --output /work/repo/Packages.adb /work/repo/*.apk",
        ],
        mounts=[Mount(work, "/work", writable=True)],
        root=True,
        limits=Limits(timeout=60),
    )
    assert out.ok, out.stderr
    return work / "app", work / "repo"


@pytest.fixture(scope="module")
def registry() -> Iterator[rs.Registry]:
    for tool in ("docker-registry", "skopeo"):
        if shutil.which(tool) is None and not Path(f"/usr/bin/{tool}").exists():
            pytest.skip(f"needs {tool}")
    with rs.run_registry("none") as reg:
        yield reg


# -- the prediction, proven -----------------------------------------------------------


def test_the_whole_real_elf_corpus_agrees_with_scan(
    corpus: Path, alpine_rootfs: Path, tmp_path: Path
) -> None:
    """Every ELF file of the differential corpus, loaded by Alpine's loader: 0 disagreements."""
    report = run(
        VerifyOptions(
            target=corpus,
            against=alpine_rootfs,
            install_predicted=False,
            image=ImageOptions(cache_dir=tmp_path / "cache"),
        )
    )
    data = _validate(report)
    sys.stderr.write(
        f"\nverify corpus: {len(report.files)} ELF files, {len(report.disagreements)} disagree\n"
    )
    assert [(f.path, f.differences) for f in report.disagreements] == []
    assert len(report.files) >= 180
    observed = {f.observed for f in report.files}
    assert {"loads", "fails", "static"} <= observed
    # the loader really ran: a musl build loads, a glibc build does not (no gcompat)
    by_path = {f.path: f for f in report.files}
    assert by_path["builds/bin/musl-hello"].observed == "loads"
    glibc = by_path["builds/bin/glibc-hello"]
    assert (glibc.observed, glibc.verdict) == ("fails", Verdict.NEEDS_GCOMPAT)
    # musl takes libc.so.6 for itself; printf's fortified __printf_chk is glibc's only
    assert glibc.observed_unresolved == ("__printf_chk",) and glibc.interpreter_present is False
    assert by_path["builds/bin/musl-static"].observed == "static"
    assert [s["name"] for s in data["steps"]] == ["prepare", "predict", "load", "smoke", "compare"]
    assert data["summary"]["disagree"] == 0


def test_gcompat_rescues_a_glibc_build_as_scan_predicted(
    builds: Path, alpine_rootfs: Path, gcompat_repo: Path, tmp_path: Path
) -> None:
    """--with-gcompat installs gcompat with apk in the sandbox; the glibc build then loads
    and runs, as scan's needs-gcompat verdict said; a second run reuses the system."""
    cache = tmp_path / "cache"
    before = scan(ScanOptions(target=builds, against=alpine_rootfs, jobs=1))
    predicted = {b.path: b for b in before.binaries}["bin/glibc-hello"]
    assert predicted.verdict is Verdict.NEEDS_GCOMPAT
    options = VerifyOptions(
        target=builds,
        against=alpine_rootfs,
        with_gcompat=True,
        repositories=(str(gcompat_repo),),
        allow_untrusted=True,
        command=("/app/bin/glibc-hello", "x"),
        image=ImageOptions(cache_dir=cache),
    )
    report = run(options)
    _validate(report)
    assert report.system.requested == ("gcompat",)
    assert "gcompat" in report.system.installed and not report.system.reused
    files = {f.path: f for f in report.files}
    glibc = files["bin/glibc-hello"]
    # scan, on the system with gcompat: loads once started through gcompat's stub
    assert (glibc.observed, glibc.verdict, glibc.agrees) == ("loads", Verdict.NEEDS_GCOMPAT, True)
    assert glibc.stub_output == () and glibc.predicted_loads is False  # plain --list: fails
    assert glibc.observed_unresolved == ("__printf_chk",)
    assert report.disagreements == ()
    (smoke,) = report.smoke
    assert smoke.passed and smoke.exit_code == 0 and "glibc says 2" in smoke.stdout
    assert not report.failed
    # the base rootfs is untouched: gcompat went into the prepared copy
    assert not (alpine_rootfs / "lib/libgcompat.so.0").exists()
    started = time.monotonic()
    again = run(options)
    took = time.monotonic() - started
    sys.stderr.write(f"\nverify second run (prepared system reused): {took:.2f} s\n")
    assert again.system.reused and again.system.key == report.system.key
    assert [f.to_json() for f in again.files] == [f.to_json() for f in report.files]


def test_the_predicted_packages_are_installed_and_the_program_then_loads(
    demo: tuple[Path, Path], alpine_rootfs: Path, tmp_path: Path
) -> None:
    """scan says needs-packages (apk add so:libdemo.so.1, no index read offline); verify
    installs that from --repository with apk in the sandbox; the program loads and runs."""
    app, repo = demo
    report = run(
        VerifyOptions(
            target=app,
            against=alpine_rootfs,
            repositories=(str(repo),),
            allow_untrusted=True,
            command=("/app/bin/demo",),
            image=ImageOptions(cache_dir=tmp_path / "cache"),
        )
    )
    _validate(report)
    assert report.system.requested == ("so:libdemo.so.1",)
    assert report.system.installed == ("libdemo",)
    (f,) = report.files
    assert (f.path, f.observed, f.verdict, f.agrees) == ("bin/demo", "loads", Verdict.OK, True)
    assert report.smoke[0].stdout == "answer 42\n" and not report.failed
    # --as-is: the system as it is; the same file then fails, as scan predicts
    as_is = run(
        VerifyOptions(
            target=app,
            against=alpine_rootfs,
            install_predicted=False,
            image=ImageOptions(cache_dir=tmp_path / "cache"),
        )
    )
    (g,) = as_is.files
    assert (g.observed, g.verdict, g.agrees) == ("fails", Verdict.NEEDS_PACKAGES, True)
    assert g.observed_missing == ("libdemo.so.1",)


def test_smoke_command_passes_and_fails(builds: Path, alpine_rootfs: Path, tmp_path: Path) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    ok = _cli(
        "verify", str(builds), "--against", str(alpine_rootfs), *cache, "--", "/app/bin/musl-hello"
    )
    assert ok.returncode == 0, ok.stderr
    assert "pass  musl-hello: exit 0" in ok.stdout
    bad = _cli(
        "verify", str(builds), "--against", str(alpine_rootfs), *cache, "--format", "json",
        "--", "/bin/sh", "-c", "echo out; exit 3",
    )  # fmt: skip
    assert bad.returncode == 1, bad.stderr
    data = json.loads(bad.stdout)
    (smoke,) = data["smoke"]
    assert smoke["exit_code"] == 3 and smoke["stdout"] == "out\n" and not smoke["passed"]
    assert smoke["failures"] == ["exit status 3, expected 0"]
    assert data["items"][0]["code"] == "AR803"


def test_config_file_commands(builds: Path, alpine_rootfs: Path, tmp_path: Path) -> None:
    """[[verify.commands]] in .alpine-ready.toml: exit codes and output patterns."""
    tree = copy_tree(builds, tmp_path / "app")
    (tree / ".alpine-ready.toml").write_text(
        "[[verify.commands]]\n"
        'name = "hello"\ncommand = "/app/bin/musl-hello"\n'
        'expectedOutput = ["^musl says \\\\w+$"]\nexcludedOutput = ["(?i)error"]\n'
        "[[verify.commands]]\n"
        'name = "false"\ncommand = "/bin/false"\nexitCode = 1\n'
        "[[verify.commands]]\n"
        'name = "wrong-output"\ncommand = "/bin/echo"\nargs = ["an error"]\n'
        'expectedOutput = ["success"]\nexcludedOutput = ["error"]\n'
    )
    report = run(
        VerifyOptions(
            target=tree, against=alpine_rootfs, image=ImageOptions(cache_dir=tmp_path / "c")
        )
    )
    _validate(report)
    got = {s.name: s for s in report.smoke}
    assert got["hello"].passed and got["hello"].stdout == "musl says hi\n"
    assert got["false"].passed and got["false"].exit_code == 1
    assert got["wrong-output"].failures == (
        "output does not match 'success'",
        "output matches the excluded 'error'",
    )
    assert report.failed and report.result == "fail"
    assert all(s.seconds > 0 for s in report.smoke)
    # the same list in pyproject.toml
    (tree / ".alpine-ready.toml").unlink()
    (tree / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[[tool.alpine-ready.verify.commands]]\n'
        'name = "hello"\ncommand = "/app/bin/musl-hello"\n'
    )
    again = run(
        VerifyOptions(
            target=tree, against=alpine_rootfs, image=ImageOptions(cache_dir=tmp_path / "c")
        )
    )
    assert [(s.name, s.passed) for s in again.smoke] == [("hello", True)]


def test_an_image_from_a_registry_as_target_and_as_system(
    registry: rs.Registry, builds: Path, tmp_path: Path
) -> None:
    """An Alpine image built from the rootfs, pulled from a real local registry:
    as TARGET (its own files, on its own system) and as --against."""
    image = ib.alpine_image()  # four layers: apk add, an overwrite, a delete (whiteout)
    registry.push(image.oci_dir, "alpine-ready/alpine:3.23")
    ref = registry.ref("alpine-ready/alpine:3.23")
    options = ImageOptions(cache_dir=tmp_path / "cache")
    report = run(VerifyOptions(target=ref, image=options))
    _validate(report)
    sys.stderr.write(
        f"\nverify image: {len(report.files)} ELF files, {len(report.disagreements)} disagree\n"
    )
    assert report.target_kind == "image" and report.mount_at is None
    assert [(f.path, f.differences) for f in report.disagreements] == []
    paths = {f.path for f in report.files}
    assert "bin/busybox" in paths and "usr/lib/libcurl.so.4.8.0" in paths
    assert len(report.files) >= 30
    root = tmp_path / "cache" / "verify" / "images"
    (unpacked,) = root.iterdir()
    top = unpacked / "rootfs"  # layer 3 overwrote, layer 4's whiteouts deleted
    assert (top / "usr/share/big.bin").stat().st_size == 1_000_000
    assert not (top / "usr/local/lib/libcurl.so.4").exists() and not (top / "etc/issue").exists()
    assert not (top / "usr/share/apk/keys/aarch64").exists()
    assert [p.name for p in (top / "etc/conf.d").iterdir()] == ["app"]  # opaque
    # the same image as the system of an application tree
    tree = run(VerifyOptions(target=builds, against=ref, image=options))
    assert tree.system.source == ref and tree.disagreements == ()
    assert {f.path: f.observed for f in tree.files}["bin/musl-hello"] == "loads"


def test_bad_inputs_are_one_line_exit_2(
    builds: Path, alpine_rootfs: Path, tmp_path: Path, wheels_dir: Path
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    rootfs = str(alpine_rootfs)
    some_wheel = next((wheels_dir / "manylinux").rglob("*.so"))
    (tmp_path / "a.tgz").write_bytes(b"\x1f\x8b" + bytes(100))
    cases = {
        "no such file": ["verify", str(tmp_path / "missing"), "--against", rootfs],
        "--against": ["verify", str(builds), "--against", str(tmp_path)],
        "--memory": ["verify", str(builds), "--against", rootfs, "--memory", "lots"],
        "needs --network": [
            "verify", str(builds), "--against", rootfs, "--repository", "https://x.invalid/r",
        ],
        "package archive": ["verify", str(tmp_path / "a.tgz"), "--against", rootfs],
        "--mount-at": ["verify", str(builds), "--against", rootfs, "--mount-at", "app"],
        "nosuchpkg": ["verify", str(builds), "--against", rootfs, "--apk", "nosuchpkg"],
    }  # fmt: skip
    for what, args in cases.items():
        r = _cli(*args, *cache)
        assert r.returncode == 2, (what, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and what in lines[0], (what, r.stderr)
        assert r.stdout == ""
    # one file works as TARGET (its directory is mounted; only it is loaded)
    one = run(
        VerifyOptions(
            target=some_wheel, against=alpine_rootfs, image=ImageOptions(cache_dir=tmp_path / "c")
        )
    )
    assert [f.path for f in one.files] == [some_wheel.name] and one.disagreements == ()


def test_markdown_and_sarif_render(builds: Path, alpine_rootfs: Path, tmp_path: Path) -> None:
    args = ["verify", str(builds), "--against", str(alpine_rootfs)]
    args += ["--cache-dir", str(tmp_path / "cache"), "--fail-on", "needs-gcompat"]
    md = _cli(*args, "--format", "markdown")
    assert md.returncode == 1  # the glibc build does not load, at needs-gcompat
    assert md.stdout.startswith("### alpine-ready verify: ") and "`AR802`" in md.stdout
    sarif = json.loads(_cli(*args, "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"AR802"}
    assert results[0]["level"] == "warning"


def test_a_link_in_target_to_a_host_file_reads_nothing_of_the_host(
    builds: Path, alpine_rootfs: Path, tmp_path: Path
) -> None:
    """TARGET is mounted read-only; its links resolve inside the sandbox, never on the host."""
    canary = tmp_path / "canary"
    secret = os.urandom(8).hex()
    canary.write_text(secret)
    tree = copy_tree(builds, tmp_path / "app")
    (tree / "link").symlink_to(canary)
    (tree / ".alpine-ready.toml").write_text(
        "[[verify.commands]]\n"
        'name = "read"\ncommand = "/bin/cat"\nargs = ["/app/link"]\nexitCode = 1\n'
        f'excludedOutput = ["{secret}"]\n'
        "[[verify.commands]]\n"
        'name = "write"\ncommand = "/bin/sh"\nargs = ["-c", "echo x > /app/new"]\n'
        "exitCode = 1\n"
    )
    report = run(
        VerifyOptions(
            target=tree, against=alpine_rootfs, image=ImageOptions(cache_dir=tmp_path / "c")
        )
    )
    got = {s.name: s for s in report.smoke}
    assert got["read"].passed, got["read"].failures
    assert "No such file" in got["read"].stderr
    assert got["write"].passed and "Read-only file system" in got["write"].stderr
    assert not (tree / "new").exists()
