"""Typed errors raised by the library; only ``attrib.cli`` turns them into messages.

Every message is one line: what went wrong, the likely cause, and the fix. A message
never contains a value read from an input file (it could be personal data); it may name
files, columns, counts and parameters.
"""

from __future__ import annotations


class AttribError(Exception):
    """Base class of every error attrib reports to a user."""

    exit_code = 1


class InputError(AttribError):
    """An input file cannot be read or understood."""

    exit_code = 2


class UsageError(AttribError):
    """An option or argument is invalid."""

    exit_code = 2


class CaseError(AttribError):
    """The case folder is missing, damaged or inconsistent."""

    exit_code = 3


class SketchError(AttribError):
    """A sketch file is damaged or incompatible with the case."""

    exit_code = 4


class IntegrityError(AttribError):
    """A file's content does not match its recorded checksum or signature."""

    exit_code = 5
