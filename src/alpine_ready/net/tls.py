"""One TLS context per trust setting, shared by every connection of the process.

Building a context loads the system's CA bundle (tens of milliseconds); one per
connection was most of a cold run's CPU time.  The verifying context honours
``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` as OpenSSL does; when either changes, the
next request gets a context built with the new value (a test, or a caller that
points at a private CA, sees its change).  ``verify=False`` (``--tls-verify=false``)
checks neither the certificate nor the host name.
"""

from __future__ import annotations

import os
import ssl
import threading

_lock = threading.Lock()
_contexts: dict[tuple[bool, str | None, str | None], ssl.SSLContext] = {}


def context(verify: bool = True) -> ssl.SSLContext:
    """The shared client context: verifying (the default), or not."""
    key = (verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    ctx = _contexts.get(key)
    if ctx is not None:
        return ctx
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None:
            if verify:
                ctx = ssl.create_default_context()
            else:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            _contexts[key] = ctx
        return ctx
