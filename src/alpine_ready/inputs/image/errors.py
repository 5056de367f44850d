"""The error every image input raises (a module of its own: the light modules use it too)."""

from ...errors import ImageError

__all__ = ["ImageError"]
