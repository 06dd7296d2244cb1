"""One error tree: each error is also the wire envelope and the CLI exit code.

::

    SkyshareError                 500 internal_error
    ├── InvalidInput              422 invalid_input     (CLI exit 2)
    │   └── BadRequest            400 bad_request
    ├── Unauthorized              401 unauthorized
    ├── Forbidden                 403 forbidden
    ├── NotFound                  404 not_found
    ├── Conflict409               409 (base of the version clashes below)
    │   ├── StaleOvn              409 stale_ovn
    │   ├── MissingNotices        409 missing_notices
    │   ├── StrategicConflict     409 conflict
    │   ├── AgreementNotInForce   409 agreement_not_in_force
    │   ├── AgreementChanged      409 agreement_changed
    │   └── AlreadyExists         409 already_exists
    ├── PayloadTooLarge           413 payload_too_large
    └── Unavailable               503 unavailable
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AgreementChanged",
    "AgreementNotInForce",
    "AlreadyExists",
    "BadRequest",
    "Conflict409",
    "Forbidden",
    "InvalidInput",
    "MissingNotices",
    "NotFound",
    "PayloadTooLarge",
    "SkyshareError",
    "StaleOvn",
    "StrategicConflict",
    "Unauthorized",
    "Unavailable",
]


class SkyshareError(Exception):
    """Base of every error skyshare reports to a user."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, Any] = dict(details or {})

    def to_body(self) -> dict[str, Any]:
        """The API.md error envelope."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "field": self.field,
                "details": self.details,
            }
        }


class InvalidInput(SkyshareError):
    """Malformed or out-of-range input; nothing was stored."""

    code = "invalid_input"
    status = 422
    exit_code = 2


class BadRequest(InvalidInput):
    code = "bad_request"
    status = 400


class Unauthorized(SkyshareError):
    code = "unauthorized"
    status = 401


class Forbidden(SkyshareError):
    code = "forbidden"
    status = 403


class NotFound(SkyshareError):
    code = "not_found"
    status = 404


class Conflict409(SkyshareError):
    code = "conflict"
    status = 409


class StaleOvn(Conflict409):
    code = "stale_ovn"


class MissingNotices(Conflict409):
    """The filer's key lacks the current ovn of notices it would conflict with (F3548-21)."""

    code = "missing_notices"


class StrategicConflict(Conflict409):
    code = "conflict"


class AgreementNotInForce(Conflict409):
    code = "agreement_not_in_force"


class AgreementChanged(Conflict409):
    code = "agreement_changed"


class AlreadyExists(Conflict409):
    code = "already_exists"


class PayloadTooLarge(SkyshareError):
    code = "payload_too_large"
    status = 413
    exit_code = 2


class Unavailable(SkyshareError):
    code = "unavailable"
    status = 503
