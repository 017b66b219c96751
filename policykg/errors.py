"""Errors that carry a message meant for the user (file, line or parameter named)."""


class UserError(Exception):
    """Bad input or usage: printed as one line, never as a traceback."""


class DecodeError(UserError):
    """A file that cannot be read as text of a known encoding."""
