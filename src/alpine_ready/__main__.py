"""``python -m alpine_ready``."""

from .cli.main import console

console()
