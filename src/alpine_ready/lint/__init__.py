"""``alpine-ready lint``: Alpine practice and musl hazards in Dockerfiles, with safe fixes.

Layout: :mod:`.model` (findings, rule metadata, fixes as text edits), :mod:`.context`
(what rules see: the parsed Dockerfile, each stage's facts, RUN scripts parsed once),
:mod:`.rules` (one module per rule, registered in :data:`.rules.RULES`).
"""
