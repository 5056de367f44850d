"""musl behaviour differences (knowledge/data/musl-differences.json): sources, rules, evidence.

The evidence is real: the symbols that real Debian bookworm binaries import, read with
the project's ELF reader; a difference applies only when one of its rules matches.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alpine_ready.elf.reader import read_elf
from alpine_ready.knowledge import apk_sonames, glibc_symbols, load_json, musl_table, musldiff
from alpine_ready.knowledge.musldiff import Evidence, applicable, load

ROOT = Path(__file__).resolve().parents[1]
#: names a symbol rule may use besides libc's: the C++ runtime's, which mark C++ code
CXX_RUNTIME = {"__gxx_personality_v0", "__cxa_begin_catch"}


def _imports(path: Path) -> frozenset[str]:
    return frozenset(s.name for s in read_elf(path).imports if not s.defined)


def _ids(evidence: Evidence) -> list[str]:
    return [a.difference.id for a in applicable(evidence)]


def test_every_entry_is_sourced_and_has_evidence_rules() -> None:
    diffs = load()
    assert len(diffs) >= 10
    ids = [d.id for d in diffs]
    assert len(ids) == len(set(ids))
    for d in diffs:
        assert re.fullmatch(r"[a-z0-9-]+", d.id), d.id
        assert d.level in {"info", "warning"}, d.id
        assert d.sources and all(s.startswith("https://") for s in d.sources), d.id
        assert d.symbol_rules or d.runtimes or d.packages, f"{d.id}: no evidence rule"
        for r in (*d.runtimes, *d.packages):
            assert r.source.startswith("https://") and r.why, d.id
        assert d.mitigation.text, d.id
    # the anchor: musl's own page is cited
    anchor = "https://wiki.musl-libc.org/functional-differences-from-glibc.html"
    assert sum(anchor in d.sources for d in diffs) >= 8


def test_the_issue_s_differences_are_all_there() -> None:
    ids = {d.id for d in load()}
    assert {
        "thread-stack-size",
        "dns-resolver",
        "locale-collation",
        "iconv",
        "malloc-contention",
        "dlclose-noop",
    } <= ids


def test_rule_symbols_are_real_c_library_functions() -> None:
    musl = musl_table("musl-1.2.5-x86_64.json").exports
    glibc = set(glibc_symbols())
    for d in load():
        for rule in d.symbol_rules:
            assert rule.all or rule.any, d.id
            for name in rule.all | rule.any:
                assert name in musl or name in glibc or name in CXX_RUNTIME, f"{d.id}: {name}"


def _known_alpine_packages() -> set[str]:
    """Alpine package names the project's knowledge has from real artefacts."""
    names = {p["name"] for p in load_json("alpine-3.23-x86_64.json")["packages"]}
    names |= set(apk_sonames().values())
    for entry in load_json("apt-to-apk.json")["entries"].values():
        names |= set(entry.get("apk", []))
    return names


def test_mitigation_packages_exist_in_alpine() -> None:
    """Each package is known from real data, or listed with the APKBUILD that builds it."""
    known = _known_alpine_packages()
    listed = musldiff.alpine_packages()
    for name, info in listed.items():
        assert info["repository"] in {"main", "community"}, name
        assert info["source"].startswith("https://gitlab.alpinelinux.org/alpine/aports/"), name
        assert info["source"].endswith("/APKBUILD"), name
    assert "icu-libs" in known  # from the Debian->Alpine map of real packages
    for d in load():
        for pkg in d.mitigation.packages:
            assert pkg in known or pkg in listed, f"{d.id}: {pkg} is not a known Alpine package"
            assert re.search(rf"\b{re.escape(pkg)}\b", d.mitigation.text), (d.id, pkg)
        for key, value in d.mitigation.env:
            assert key == "LD_PRELOAD" and value.startswith("/usr/lib/"), d.id


def test_docs_list_every_difference() -> None:
    doc = (ROOT / "docs" / "musl-differences.md").read_text("utf-8")
    for d in load():
        assert f"`{d.id}`" in doc, d.id
        assert d.sources[0] in doc, d.id


# -- evidence from real binaries ----------------------------------------------------------


def test_real_bash_needs_resolver_collation_iconv_and_dlclose(debian_tree: Path) -> None:
    bash = _imports(debian_tree / "bin" / "bash")
    assert {"getaddrinfo", "strcoll", "iconv_open", "dlclose"} <= bash
    found = applicable(Evidence.of(symbols={"bin/bash": bash}))
    ids = [a.difference.id for a in found]
    for want in ("dns-resolver", "locale-collation", "iconv", "dlclose-noop"):
        assert want in ids
    # bash uses sigsetjmp, so the setjmp difference does not apply to it
    assert "__sigsetjmp" in bash and "setjmp-signal-mask" not in ids
    # bash creates no threads
    assert "pthread_create" not in bash and "thread-stack-size" not in ids
    why = next(a for a in found if a.difference.id == "locale-collation").reasons[0]
    assert why.startswith("bin/bash ") and "strcoll" in why


def test_real_threaded_binary_gets_the_stack_size_warning(debian_tree: Path) -> None:
    zstd = _imports(debian_tree / "usr" / "bin" / "zstd")
    assert "pthread_create" in zstd and "pthread_attr_setstacksize" not in zstd
    ids = _ids(Evidence.of(symbols={"usr/bin/zstd": zstd}))
    assert "thread-stack-size" in ids and "malloc-contention" in ids
    assert "dns-resolver" not in ids  # zstd resolves no host names


def test_setting_the_stack_size_removes_the_warning(debian_tree: Path) -> None:
    zstd = _imports(debian_tree / "usr" / "bin" / "zstd")
    ids = _ids(Evidence.of(symbols={"zstd": zstd | {"pthread_attr_setstacksize"}}))
    assert "thread-stack-size" not in ids


def test_nothing_is_invented(debian_tree: Path) -> None:
    assert applicable(Evidence()) == []
    xz = _imports(debian_tree / "usr" / "bin" / "xz")
    assert xz  # a real dynamic binary…
    assert _ids(Evidence.of(symbols={"usr/bin/xz": xz})) == []  # …with none of the calls
    assert _ids(Evidence.of(runtimes=["go"], packages=[("python", "requests")])) == []


def test_runtime_and_package_evidence() -> None:
    node = applicable(Evidence.of(runtimes=["Node"]))
    assert [a.difference.id for a in node] == ["dns-resolver"]
    assert "getaddrinfo" in node[0].reasons[0]
    ujson = applicable(Evidence.of(packages=[("python", "UJSON")]))
    assert [a.difference.id for a in ujson] == ["thread-stack-size"]
    assert ujson[0].to_json()["source"].startswith("https://wiki.musl-libc.org/")
    # the package rule is per ecosystem
    assert _ids(Evidence.of(packages=[("node", "ujson")])) == []


def test_many_binaries_are_named_a_few_at_a_time(alpine_rootfs: Path) -> None:
    libs = sorted((alpine_rootfs / "usr" / "lib").glob("lib*.so.*"))
    symbols = {}
    for p in libs:
        if p.is_symlink():
            continue
        names = _imports(p)
        if "regcomp" in names:
            symbols[str(p.relative_to(alpine_rootfs))] = names
    assert len(symbols) >= 1
    found = next(
        a for a in applicable(Evidence.of(symbols=symbols)) if a.difference.id == "regex-extensions"
    )
    assert found.reasons[0].count("usr/lib/") == min(3, len(symbols))


@pytest.mark.parametrize("diff", load(), ids=lambda d: d.id)
def test_json_entry_has_the_check_contract_keys(diff: musldiff.MuslDifference) -> None:
    out = musldiff.Applicable(diff, ("a reason",)).to_json()
    assert {"id", "title", "why", "mitigation", "source"} <= set(out)
    assert out["why"] == "a reason"


def test_the_document_is_what_the_data_renders_to() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_musl_differences.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
