from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

ALG_NOT_ALLOWED: ErrorReason
AUDIENCE_MISMATCH: ErrorReason
BAD_BASE64: ErrorReason
BAD_CLAIM: ErrorReason
BAD_HEADER: ErrorReason
BAD_JSON: ErrorReason
BAD_SIGNATURE: ErrorReason
CRIT_UNSUPPORTED: ErrorReason
DESCRIPTOR: _descriptor.FileDescriptor
DUPLICATE_KEY: ErrorReason
ERROR_REASON_UNSPECIFIED: ErrorReason
EXP_MISSING: ErrorReason
IAT_IN_FUTURE: ErrorReason
INTERNAL: ErrorReason
INVALID_ARGUMENT: ErrorReason
ISSUER_MISMATCH: ErrorReason
JSON_TOO_DEEP: ErrorReason
KEY_ALG_MISMATCH: ErrorReason
KEY_INVALID: ErrorReason
KEY_SET_INVALID: ErrorReason
KEY_TOO_WEAK: ErrorReason
KEY_USE_INVALID: ErrorReason
LIFETIME_EXCEEDED: ErrorReason
MALFORMED: ErrorReason
NO_SIGNING_KEY: ErrorReason
PERMISSION_DENIED: ErrorReason
RESOURCE_EXHAUSTED: ErrorReason
REVOKED: ErrorReason
SESSION_LIMIT: ErrorReason
TOKEN_EXPIRED: ErrorReason
TOKEN_NOT_YET_VALID: ErrorReason
TOKEN_TOO_LARGE: ErrorReason
TYPE_MISMATCH: ErrorReason
UNAVAILABLE: ErrorReason
UNKNOWN_KID: ErrorReason
UNSUPPORTED_HEADER: ErrorReason

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
