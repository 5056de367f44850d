"""The one HTTP layer: registries and package indexes both go through it.

- :mod:`.client` -- :class:`~.client.HttpClient`: requests with kept-alive connections,
  retries honouring ``Retry-After``, redirects that keep credentials on their origin,
  proxies from the environment;
- :mod:`.response` -- answers, their bodies streamed or read whole, always bounded;
- :mod:`.errors` -- what can go wrong, by type (:class:`~.errors.NetworkError`);
- :mod:`.retry`, :mod:`.proxy`, :mod:`.tls`, :mod:`.pool`, :mod:`.urls`,
  :mod:`.encoding` -- one rule each: when to retry, which proxy, which TLS context,
  which connection, which URL text is fit to show, how to undo ``Content-Encoding``.

Only the standard library (``http.client``, ``ssl``): the import stays light and
nothing is added to the dependencies.  Nothing here prints; requests are logged at
DEBUG level without credentials or query strings.
"""
