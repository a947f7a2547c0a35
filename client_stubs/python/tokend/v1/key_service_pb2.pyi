from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
KEY_STATE_ACTIVE: KeyState
KEY_STATE_PENDING: KeyState
KEY_STATE_RETIRED: KeyState
KEY_STATE_UNSPECIFIED: KeyState

class GetJwksRequest(_message.Message):
    __slots__ = ["tenant"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class GetJwksResponse(_message.Message):
    __slots__ = ["etag", "jwks_json", "keys", "max_age"]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    JWKS_JSON_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    etag: str
    jwks_json: str
    keys: _containers.RepeatedCompositeFieldContainer[PublishedKey]
    max_age: _duration_pb2.Duration
    def __init__(self, jwks_json: _Optional[str] = ..., keys: _Optional[_Iterable[_Union[PublishedKey, _Mapping]]] = ..., etag: _Optional[str] = ..., max_age: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class PublishedKey(_message.Message):
    __slots__ = ["alg", "jwk_json", "kid", "kty", "not_before", "published_at", "remove_at", "retire_at", "state", "tenant"]
    ALG_FIELD_NUMBER: _ClassVar[int]
    JWK_JSON_FIELD_NUMBER: _ClassVar[int]
    KID_FIELD_NUMBER: _ClassVar[int]
    KTY_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    REMOVE_AT_FIELD_NUMBER: _ClassVar[int]
    RETIRE_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    alg: str
    jwk_json: str
    kid: str
    kty: str
    not_before: _timestamp_pb2.Timestamp
    published_at: _timestamp_pb2.Timestamp
    remove_at: _timestamp_pb2.Timestamp
    retire_at: _timestamp_pb2.Timestamp
    state: KeyState
    tenant: str
    def __init__(self, kid: _Optional[str] = ..., alg: _Optional[str] = ..., kty: _Optional[str] = ..., tenant: _Optional[str] = ..., state: _Optional[_Union[KeyState, str]] = ..., published_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., not_before: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., retire_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., remove_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., jwk_json: _Optional[str] = ...) -> None: ...

class WatchJwksRequest(_message.Message):
    __slots__ = ["etag", "tenant"]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    etag: str
    tenant: str
    def __init__(self, tenant: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class WatchJwksResponse(_message.Message):
    __slots__ = ["etag", "jwks_json", "keys", "max_age", "sequence"]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    JWKS_JSON_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    etag: str
    jwks_json: str
    keys: _containers.RepeatedCompositeFieldContainer[PublishedKey]
    max_age: _duration_pb2.Duration
    sequence: int
    def __init__(self, jwks_json: _Optional[str] = ..., keys: _Optional[_Iterable[_Union[PublishedKey, _Mapping]]] = ..., etag: _Optional[str] = ..., max_age: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., sequence: _Optional[int] = ...) -> None: ...

class KeyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
