"""One build-toolchain list: lint AR204/AR205, translate and deps' sdist needs agree.

``knowledge/data/build-tools.json`` says which Alpine packages only a build needs, what
the meta packages provide, the toolchain of each kind of native build and what each
compile step needs.  Through the real commands: every build-only package left in a
final image is AR205's finding; translate puts a Debian package into its
``--virtual .build-deps`` group exactly when every Alpine name it maps to is build-only
(and then AR205 has nothing to say about the output); every package an sdist's build
needs is build-only; and what AR204 advises installing satisfies AR204.
"""

from __future__ import annotations

import pytest

from alpine_ready.deps.sdist import analyse_members
from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge import load_json
from alpine_ready.knowledge.apt import Kind, kind_of, package_rules
from alpine_ready.knowledge.build import build_deps, build_tools
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule
from alpine_ready.lint.rules.ar205_build_tools_left_in_final_image import is_build_package
from alpine_ready.translate import translate_text

TOOLS = build_tools()
A = "FROM alpine:3.20\n"


def _lint(code: str, text: str) -> list:  # type: ignore[type-arg]
    r = rule(code)
    assert r is not None
    return list(r.check(LintContext(parse_text(text))))


def _all_names() -> list[str]:
    deps = build_deps()
    names = {
        *TOOLS.build_only,
        *(p for ps in TOOLS.toolchains.values() for p in ps),
        *(p for ps in TOOLS.needs.values() for p in ps),
        *(p for ps in TOOLS.meta_packages.values() for p in ps),
        *deps.programs.values(),
        *deps.libraries.values(),
        *(n for r in package_rules().values() for n in r.apk),
    }
    return sorted(n for n in names if not n.startswith("unavailable"))


@pytest.mark.parametrize("name", _all_names())
def test_ar205_reads_the_list(name: str) -> None:
    assert is_build_package(name) == TOOLS.is_build_only(name)
    # in a RUN that builds (headers alone where nothing builds are kept on purpose)
    found = _lint("AR205", A + f"RUN apk add --no-cache {name} && make\n")
    assert bool(found) == TOOLS.is_build_only(name), name


def test_every_sdist_need_is_build_only() -> None:
    deps = build_deps()
    for key, packages in TOOLS.toolchains.items():
        assert all(TOOLS.is_build_only(p) for p in packages), key
    for name, package in {**deps.programs, **deps.libraries}.items():
        if not package.startswith("unavailable"):
            assert TOOLS.is_build_only(package), (name, package)
    members = {
        "pyproject.toml": '[build-system]\nrequires = ["maturin", "meson-python"]\n'
        'build-backend = "mesonpy"\n',
        "setup.py": "libraries=['pq', 'ssl', 'm']\nsubprocess.run(['pg_config'])\n",
        "CMakeLists.txt": "find_package(ZLIB)\n",
    }
    needs = analyse_members(
        "x-1.0.tar.gz", members, {".f90", ".go", ".c"}, 10, True, kernel_headers=True
    )
    assert {
        "build-base",
        "cargo",
        "gfortran",
        "cmake",
        "meson",
        "pkgconf",
        "linux-headers",
        "libpq-dev",
        "openssl-dev",
        "zlib-dev",
    } <= set(needs.apk_packages)
    (f,) = _lint("AR205", "FROM python:3.12-alpine\nRUN " + needs.apk_line + "\n")
    left = f.message.split("final image (", 1)[1].split("):", 1)[0]
    assert left.split(", ") == list(needs.apk_packages)  # every one of them


@pytest.mark.parametrize("debian", sorted(package_rules()))
def test_translate_groups_exactly_the_build_only_packages(debian: str) -> None:
    r = package_rules()[debian]
    if r.kind is Kind.DROP:
        return
    build_only = all(TOOLS.is_build_only(n) for n in r.apk)
    assert (r.kind is Kind.BUILD) == build_only
    out = translate_text(f"FROM debian:12\nRUN apt-get install -y {debian} && make\n").text
    assert ("--virtual .build-deps" in out) == build_only, out
    assert _lint("AR205", out) == [], out


def test_the_generated_kinds_are_the_list() -> None:
    """apt-to-apk.json's kinds (written by tools/gen_apt_to_apk.py) follow build-tools.json."""
    entries = load_json("apt-to-apk.json")["entries"]
    for name, e in entries.items():
        assert e["kind"] == kind_of(tuple(e["apk"]), e["kind"] == "drop").value, name
    supplement = load_json("apt-to-apk-supplement.json")["entries"]
    assert {e.get("kind", "drop") for e in supplement.values()} == {"drop"}


@pytest.mark.parametrize("key", sorted(TOOLS.needs))
def test_ar204_advice_satisfies_ar204(key: str) -> None:
    """The packages AR204 names (build-base for gcc, g++, make, musl-dev) are enough."""
    step = {"node-gyp": "node-gyp rebuild", "c-extension": "python3 setup.py build_ext"}.get(
        key, f"{key} -o x x.c"
    )
    (f,) = _lint("AR204", A + f"RUN {step}\n")
    advice = f.message.split("apk add --no-cache --virtual .build-deps ", 1)[1]
    packages = advice.split(" before it", 1)[0]
    assert set(packages.split()) <= {*TOOLS.build_only, "python3"}
    fixed = A + f"RUN apk add --no-cache --virtual .build-deps {packages} && {step}\n"
    assert _lint("AR204", fixed) == []


def test_meta_packages() -> None:
    assert TOOLS.meta_providing("gcc") == "build-base"
    assert TOOLS.meta_providing("abuild") == "alpine-sdk"
    assert TOOLS.meta_providing("clang") is None
    assert TOOLS.meta_packages["build-base"] <= TOOLS.meta_packages["alpine-sdk"]
    assert _lint("AR204", A + "RUN apk add --no-cache alpine-sdk && gcc -o x x.c\n") == []
