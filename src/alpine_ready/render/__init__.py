"""Renderers: a finished report to text."""
