"""ELF reading."""
