"""Exceptions that reach the user as a one-line message and exit code 2."""


class InputError(Exception):
    """Bad input (a missing file, an unknown option value): the message names it."""
