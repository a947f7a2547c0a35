from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JwtGrants(_message.Message):
    __slots__ = ["audience", "extra_claims"]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    EXTRA_CLAIMS_FIELD_NUMBER: _ClassVar[int]
    audience: _containers.RepeatedScalarFieldContainer[str]
    extra_claims: _struct_pb2.Struct
    def __init__(self, audience: _Optional[_Iterable[str]] = ..., extra_claims: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
