"""The errors image inputs raise (a module of its own: the light modules use it too).

:class:`ContentMismatch` is the :class:`ImageError` of bytes that are not the ones
asked for -- a size or a digest that does not match.  A caller that can do
something about it (download a blob again instead of resuming it) catches this
type; every other caller sees an :class:`ImageError` like any other.
"""

from ...errors import ImageError

__all__ = ["ContentMismatch", "ImageError"]


class ContentMismatch(ImageError):
    """The bytes do not match their declared size or digest."""
