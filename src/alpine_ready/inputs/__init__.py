"""Inputs: scan targets (directories, files, root filesystems)."""
