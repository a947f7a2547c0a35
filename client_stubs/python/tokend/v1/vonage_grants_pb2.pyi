from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
VONAGE_VIDEO_ROLE_MODERATOR: VonageVideoRole
VONAGE_VIDEO_ROLE_PUBLISHER: VonageVideoRole
VONAGE_VIDEO_ROLE_PUBLISHER_ONLY: VonageVideoRole
VONAGE_VIDEO_ROLE_SUBSCRIBER: VonageVideoRole
VONAGE_VIDEO_ROLE_UNSPECIFIED: VonageVideoRole

class VonageAcl(_message.Message):
    __slots__ = ["paths"]
    class PathsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: VonageAclPath
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[VonageAclPath, _Mapping]] = ...) -> None: ...
    PATHS_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.MessageMap[str, VonageAclPath]
    def __init__(self, paths: _Optional[_Mapping[str, VonageAclPath]] = ...) -> None: ...

class VonageAclPath(_message.Message):
    __slots__ = ["filters", "methods"]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    filters: _struct_pb2.Struct
    methods: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, methods: _Optional[_Iterable[str]] = ..., filters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class VonageApplicationToken(_message.Message):
    __slots__ = ["acl"]
    ACL_FIELD_NUMBER: _ClassVar[int]
    acl: VonageAcl
    def __init__(self, acl: _Optional[_Union[VonageAcl, _Mapping]] = ...) -> None: ...

class VonageGrants(_message.Message):
    __slots__ = ["application", "video"]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    application: VonageApplicationToken
    video: VonageVideoToken
    def __init__(self, application: _Optional[_Union[VonageApplicationToken, _Mapping]] = ..., video: _Optional[_Union[VonageVideoToken, _Mapping]] = ...) -> None: ...

class VonageVideoToken(_message.Message):
    __slots__ = ["acl", "data", "initial_layout_class_list", "role", "session_id"]
    ACL_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    INITIAL_LAYOUT_CLASS_LIST_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    acl: VonageAcl
    data: str
    initial_layout_class_list: _containers.RepeatedScalarFieldContainer[str]
    role: VonageVideoRole
    session_id: str
    def __init__(self, session_id: _Optional[str] = ..., role: _Optional[_Union[VonageVideoRole, str]] = ..., data: _Optional[str] = ..., initial_layout_class_list: _Optional[_Iterable[str]] = ..., acl: _Optional[_Union[VonageAcl, _Mapping]] = ...) -> None: ...

class VonageVideoRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
