"""Which images make the fleet: a file of references, or a registry's catalog.

A file: one image reference per line, in any transport the project reads
(``docker://``, ``REGISTRY/REPO:TAG``, ``oci:DIR:TAG``, ``docker-archive:FILE``…);
blank lines and ``#`` comments are skipped, duplicates kept once.

A registry: ``GET /v2/_catalog?n=N`` then ``GET /v2/<name>/tags/list?n=N`` for each
repository (``--repository-filter`` globs first), both paginated by the ``Link``
header (RFC 5988, as the distribution spec says), through the project's registry
client (:class:`~alpine_ready.inputs.image.registry.RegistryClient`: its auth, token
cache, retries and TLS).  A registry without a catalog (Docker Hub, GHCR, most
cloud registries) is an :class:`InputError` that says to list the images in a file.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from ..errors import AlpineReadyError, InputError
from ..guard.read import read_bounded
from ..inputs.image.reference import ImageReference
from ..inputs.image.registry import RegistryClient, RegistryOptions

log = logging.getLogger(__name__)

MAX_LIST_BYTES = 8 << 20  # an images file, a catalog or tags page
MAX_PAGES = 20_000  # 1,000,000 entries at 50 a page; 100,000 empty pages took 18 s
MAX_ENTRIES = 1_000_000  # repositories of a catalog, tags of a repository
PAGE = 1000  # entries asked per page (registries may answer fewer)
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
# the distribution spec's grammar: anything else cannot be asked for (nor shown raw)
_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")


def read_images_file(path: Path) -> list[str]:
    """The references listed in ``path`` (InputError when it lists none)."""
    raw = read_bounded(path, limit=MAX_LIST_BYTES, what="an images file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text (expected one image reference per line)"
        ) from None
    refs = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if line:
            refs.append(line)
    refs = list(dict.fromkeys(refs))
    if not refs:
        raise InputError(f"{path}: no image reference in it (one per line)")
    return refs


def _client(host: str, repository: str, options: RegistryOptions) -> RegistryClient:
    ref = ImageReference("docker", registry=host, repository=repository, tag="latest")
    return RegistryClient(ref, options)


def _pages(client: RegistryClient, path: str, key: str, what: str) -> list[str]:
    """Every entry of a paginated list (``repositories`` or ``tags``)."""
    out: list[str] = []
    url: str | None = f"{path}?n={PAGE}"
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if url is None:
            return out
        if url in seen:
            raise InputError(
                f"{client.registry}: {what}: the next page is one already read (a loop)"
            )
        seen.add(url)
        resp = client.get(url, {"Accept": "application/json"}, what=what, not_found=f"{what}: 404")
        with resp:
            body = resp.read(MAX_LIST_BYTES + 1)
            link = resp.getheader("Link")
        if len(body) > MAX_LIST_BYTES:
            raise InputError(
                f"{client.registry}: {what}: a page larger than {MAX_LIST_BYTES} bytes"
            )
        doc: object = None
        try:
            doc = json.loads(body)
            entries = doc.get(key) if isinstance(doc, dict) else None
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            entries = None
        if entries is None and isinstance(doc, dict) and key in doc:
            entries = []  # "tags": null -- a repository without tags
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise InputError(f"{client.registry}: {what}: not a list of {key}")
        out += entries
        if len(out) > MAX_ENTRIES:
            raise InputError(f"{client.registry}: {what}: more than {MAX_ENTRIES} {key}")
        url = None
        m = _NEXT.search(link or "")
        if m:
            nxt = urllib.parse.urlsplit(m.group(1))
            url = nxt.path + (f"?{nxt.query}" if nxt.query else "")
            if not url.startswith("/v2/"):
                raise InputError(f"{client.registry}: {what}: a next page outside /v2/ ({url})")
    raise InputError(f"{client.registry}: {what}: more than {MAX_PAGES} pages")


def list_registry(
    host: str, repository_filter: Sequence[str], options: RegistryOptions
) -> list[str]:
    """``HOST/REPO:TAG`` of every tag of every repository (matching a filter) in ``host``."""
    catalog = _client(host, "catalog", options)
    catalog.scope = "registry:catalog:*"
    try:
        repositories = _pages(catalog, "/v2/_catalog", "repositories", "catalog")
    except AlpineReadyError as exc:
        raise InputError(
            f"--registry {host}: no catalog to list ({exc}); "
            "name the images in a file instead (one reference per line)"
        ) from None
    named = [r for r in repositories if _REPOSITORY.fullmatch(r)]
    if len(named) < len(repositories):
        log.warning(
            "%s: %d repository name(s) of the catalog are not repository names; left out",
            host,
            len(repositories) - len(named),
        )
    chosen = [
        r
        for r in named
        if not repository_filter or any(fnmatch.fnmatchcase(r, g) for g in repository_filter)
    ]
    log.info("%s: %d repositories, %d chosen", host, len(repositories), len(chosen))
    refs = []
    for repo in sorted(chosen):
        client = _client(host, repo, options)
        tags = _pages(client, f"/v2/{repo}/tags/list", "tags", f"{repo}: tags")
        for tag in sorted(t for t in tags if _TAG.fullmatch(t)):
            refs.append(f"{host}/{repo}:{tag}")
        if len(refs) > MAX_ENTRIES:
            raise InputError(f"--registry {host}: more than {MAX_ENTRIES} images")
    if not refs:
        raise InputError(
            f"--registry {host}: no image found"
            + (
                f" in repositories matching {', '.join(repository_filter)}"
                if repository_filter
                else ""
            )
        )
    return refs
