"""Which proxy a request goes through: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``.

The rules are curl's and Go's (Docker's), where they agree:

- an ``https`` URL goes through ``https_proxy`` / ``HTTPS_PROXY``, an ``http`` URL
  through ``http_proxy`` / ``HTTP_PROXY`` (the lower-case name wins when both are set;
  the upper-case ``HTTP_PROXY`` is ignored under CGI, where a client's ``Proxy:``
  header would set it);
- the proxy is an ``http://[user:password@]host[:port]`` URL (the scheme may be left
  out; the port defaults to 80); its credentials go in ``Proxy-Authorization`` and
  nowhere else (never in a log or a message);
- ``no_proxy`` / ``NO_PROXY`` lists what goes direct, comma-separated: ``*`` (all),
  a domain (``example.com`` and ``.example.com`` both match it and its subdomains;
  ``*.example.com`` too), a host with a port (``example.com:8443``), an IP address,
  a CIDR block (``10.0.0.0/8``);
- ``localhost`` and loopback addresses are never proxied (as Go decides: a proxy
  cannot reach this machine's loopback anyway).

``https`` URLs are tunnelled (``CONNECT``): the proxy sees the host name, not the
request.  ``http`` URLs are sent to the proxy with the absolute URL.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import InputError
from .urls import basic_authorization, redact


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy: where it listens and the ``Proxy-Authorization`` it wants."""

    host: str
    port: int
    authorization: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """``http://host:port`` -- fit for logs (no credentials)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def proxy_for(scheme: str, host: str, port: int, environ: Mapping[str, str]) -> Proxy | None:
    """The proxy for a request to ``scheme://host:port``, or None to go direct."""
    if scheme == "https":
        raw = _env(environ, "https_proxy")
    elif scheme == "http":
        raw = environ.get("http_proxy") or (
            "" if "REQUEST_METHOD" in environ else environ.get("HTTP_PROXY", "")
        )
    else:
        return None
    if not raw or _is_loopback(host):
        return None
    if _bypassed(host.lower().strip("[]"), port, _env(environ, "no_proxy")):
        return None
    return _parse_proxy(raw.strip())


def _env(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name) or environ.get(name.upper()) or ""


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=64)
def _parse_proxy(raw: str) -> Proxy:
    url = raw if "://" in raw else f"http://{raw}"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or 80
    except ValueError:
        parts, port = None, 0
    if parts is None or parts.scheme.lower() != "http" or not parts.hostname:
        raise InputError(
            f"proxy {redact(url)}: not an http://HOST[:PORT] proxy (from HTTP_PROXY / HTTPS_PROXY)"
        )
    auth = None
    if parts.username is not None:
        auth = basic_authorization(
            urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
        )
    return Proxy(parts.hostname, port, auth)


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Does ``NO_PROXY`` send ``host:port`` direct?"""
    return any(_matches(entry, host, port) for entry in _entries(no_proxy))


@lru_cache(maxsize=16)
def _entries(no_proxy: str) -> tuple[str, ...]:
    return tuple(e.strip().lower() for e in no_proxy.split(",") if e.strip())


def _matches(entry: str, host: str, port: int) -> bool:
    if entry == "*":
        return True
    try:
        net = ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        net = None
    if net is not None:
        try:
            return ipaddress.ip_address(host) in net
        except ValueError:
            return False
    name, want_port = entry, None
    if entry.startswith("[") and "]:" in entry:  # [v6]:port
        name, _, p = entry[1:].partition("]:")
        want_port = int(p) if p.isdigit() else -1
    elif entry.count(":") == 1:
        name, _, p = entry.partition(":")
        want_port = int(p) if p.isdigit() else -1
    if want_port is not None and want_port != port:
        return False
    name = name.removeprefix("*").lstrip(".")
    if not name:
        return False
    return host == name or host.endswith("." + name)
