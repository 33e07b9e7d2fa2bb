"""The two kinds of fault the SCORM rules report.

A bad *package* is the uploader's problem (:class:`PackageError`); a bad *runtime value* is
the SCO's problem (:class:`InvalidValue`, carrying the SCORM error code the runtime would give).
"""

from __future__ import annotations


class PackageError(Exception):
    """A content package cannot be imported.

    ``code`` is a stable machine name (``"zip_slip"``, ``"no_manifest"`` …) that tests and
    the API use; ``message`` is the sentence shown to the administrator.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidValue(Exception):
    """A runtime value breaks its SCORM data-model rule.

    ``field`` is the CMI element (``"cmi.score.scaled"``), ``rule`` a short sentence naming the
    rule that failed, ``scorm_error`` the SCORM error code a runtime would answer
    (1.2: 405 incorrect data type; 2004: 406 type mismatch, 407 out of range).
    """

    def __init__(self, field: str, rule: str, scorm_error: int) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
        self.scorm_error = scorm_error
