"""The error every image input raises (a module of its own: the light modules use it too)."""


class ImageError(Exception):
    """An image cannot be read; the message names the image, blob or entry."""
