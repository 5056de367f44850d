"""Analysis: the musl loader model and the verdicts."""
