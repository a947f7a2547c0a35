"""Reads the ErrorInfo reason out of a gRPC error's google.rpc.Status.

The generated google.rpc modules belong to googleapis-common-protos; shipping
our own copies would clash with it (the same proto file names in protobuf's
default pool), so the three fields needed are read straight from the wire
format: Status.details (3) -> Any{type_url (1), value (2)} -> ErrorInfo.reason
(1). Malformed input gives "".
"""

_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


def _varint(data, i):
    value, shift = 0, 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _fields(data):
    """(field number, bytes) of the length-delimited fields; skips others."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        wire = key & 7
        if wire == 0:
            _, i = _varint(data, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = _varint(data, i)
            if i + n > len(data):
                raise ValueError("truncated field")
            yield key >> 3, bytes(data[i:i + n])
            i += n
        else:
            raise ValueError("unsupported wire type")


def error_info_reason(status_bytes):
    """The reason of the first ErrorInfo in a serialized google.rpc.Status."""
    try:
        for number, any_bytes in _fields(status_bytes):
            if number != 3:
                continue
            fields = dict(_fields(any_bytes))
            if fields.get(1, b"").decode("utf-8", "replace") == _ERROR_INFO:
                for n, value in _fields(fields.get(2, b"")):
                    if n == 1:
                        return value.decode("utf-8", "replace")
                return ""
    except ValueError:
        return ""
    return ""
