"""The one exception root, and a subclass per stage.

Every error a user should see as one line (exit status 2) is an
:class:`AlpineReadyError`; the CLI catches the root and nothing else. A stage raises
its own subclass, so callers can tell "the index did not answer" from "the input is
broken" by type, never by the text of the message.

- :class:`InputError` -- a file, option or argument the user gave is unusable
  (:class:`NothingToRead` when a directory holds no input of the kind asked for);
- :class:`ImageError` -- an image, a registry or a layer cannot be read;
- :class:`ElfError` -- an ELF file is malformed (mostly reported per file, not raised);
- :class:`KnowledgeError` -- a profile or a table of built-in knowledge does not exist;
- :class:`PackageIndexError` -- a package index or registry could not answer;
- :class:`TranslateError` -- a translation produced text the parser rejects (a bug).
"""


class AlpineReadyError(Exception):
    """An error that reaches the user as one line and exit status 2."""


class InputError(AlpineReadyError):
    """Bad input (a missing file, an unknown option value): the message names it."""


class NothingToRead(InputError):
    """A directory holds no input of the kind a command reads (no dependency file…)."""


class ImageError(AlpineReadyError):
    """An image cannot be read; the message names the image, blob or entry."""


class ElfError(AlpineReadyError):
    """The file is not a well-formed ELF object; the message says what is wrong."""


class KnowledgeError(AlpineReadyError):
    """A requested profile or table does not exist (the message says what does)."""


class PackageIndexError(AlpineReadyError):
    """A package index could not answer for a project; the message is one line."""


class TranslateError(AlpineReadyError):
    """The translation produced text the parser rejects (a bug: the input is untouched)."""
