"""``alpine-ready lint``: Alpine practice and musl hazards in Dockerfiles, with safe fixes.

Layout: :mod:`.model` (findings, rule metadata, fixes as text edits), :mod:`.context`
(what rules see: the parsed Dockerfile, each stage's facts, RUN scripts parsed once),
:mod:`.rules` (one module per rule, registered in :data:`.rules.RULES`), and the engine
around them: :mod:`.engine` (``run(LintOptions) -> LintReport``), :mod:`.config`
(``.alpine-ready.toml`` / ``[tool.alpine-ready.lint]``), :mod:`.ignores` (inline ignore
comments), :mod:`.fixes` (edits applied as text), :mod:`.report` (the report and its
JSON), :mod:`.pipcheck` (the lazy ``pip install`` lookups rules may ask for).
"""
