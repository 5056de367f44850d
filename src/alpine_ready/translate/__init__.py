"""``alpine-ready translate``: the Alpine version of a Debian/Ubuntu-based Dockerfile.

``translate_text(text, path, alpine=None)`` → :class:`Translation` (new text, changes,
notes, unmapped names); ``run(TranslateOptions)`` → :class:`TranslateReport` for the CLI,
with ``to_json()`` (``report/schema/translate-v1.json``) and :func:`render_text`.
"""

from .mapping import Kind, PackageRule, lookup, package_rules
from .model import Category, Change, Note, Translation, Unmapped, UnmappedKind
from .render import render_diff, render_text
from .report import TranslateOptions, TranslateReport, run
from .translate import TranslateError, translate_text

__all__ = [
    "Category",
    "Change",
    "Kind",
    "Note",
    "PackageRule",
    "TranslateError",
    "TranslateOptions",
    "TranslateReport",
    "Translation",
    "Unmapped",
    "UnmappedKind",
    "lookup",
    "package_rules",
    "render_diff",
    "render_text",
    "run",
    "translate_text",
]
