"""alpine-ready: will it still work on Alpine (musl), how much smaller, and what must change."""

__version__ = "0.1.0"
