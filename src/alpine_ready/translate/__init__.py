"""``alpine-ready translate``: the Alpine version of a Debian/Ubuntu-based Dockerfile.

``translate_text(text, path, alpine=None)`` → :class:`Translation` (new text, changes,
notes, unmapped names); ``run(TranslateOptions)`` → :class:`TranslateReport` for the CLI,
with ``to_json()`` (``report/schema/translate-v*.json``); its renderers are
:mod:`alpine_ready.formats.tables.translate` and :mod:`alpine_ready.formats.dockerfile`.
"""

from ..knowledge.apt import Kind, PackageRule, lookup, package_rules
from .model import Category, Change, Note, Translation, Unmapped, UnmappedKind
from .report import TranslateOptions, TranslateReport, run
from .translate import translate_text

__all__ = [
    "Category",
    "Change",
    "Kind",
    "Note",
    "PackageRule",
    "TranslateOptions",
    "TranslateReport",
    "Translation",
    "Unmapped",
    "UnmappedKind",
    "lookup",
    "package_rules",
    "run",
    "translate_text",
]
