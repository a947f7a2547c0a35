from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
LIVE_KIT_PARTICIPANT_KIND_AGENT: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_BRIDGE: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_CONNECTOR: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_EGRESS: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_INGRESS: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_SIP: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_STANDARD: LiveKitParticipantKind
LIVE_KIT_PARTICIPANT_KIND_UNSPECIFIED: LiveKitParticipantKind
LIVE_KIT_TRACK_SOURCE_CAMERA: LiveKitTrackSource
LIVE_KIT_TRACK_SOURCE_MICROPHONE: LiveKitTrackSource
LIVE_KIT_TRACK_SOURCE_SCREEN_SHARE: LiveKitTrackSource
LIVE_KIT_TRACK_SOURCE_SCREEN_SHARE_AUDIO: LiveKitTrackSource
LIVE_KIT_TRACK_SOURCE_UNSPECIFIED: LiveKitTrackSource

class LiveKitAgentGrant(_message.Message):
    __slots__ = ["admin", "database_admin", "simulation_admin"]
    ADMIN_FIELD_NUMBER: _ClassVar[int]
    DATABASE_ADMIN_FIELD_NUMBER: _ClassVar[int]
    SIMULATION_ADMIN_FIELD_NUMBER: _ClassVar[int]
    admin: bool
    database_admin: bool
    simulation_admin: bool
    def __init__(self, admin: bool = ..., simulation_admin: bool = ..., database_admin: bool = ...) -> None: ...

class LiveKitGrants(_message.Message):
    __slots__ = ["agent", "attributes", "inference", "kind", "kind_details", "metadata", "name", "observability", "room_config", "room_preset", "sha256", "sip", "video"]
    class AttributesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_DETAILS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OBSERVABILITY_FIELD_NUMBER: _ClassVar[int]
    ROOM_CONFIG_FIELD_NUMBER: _ClassVar[int]
    ROOM_PRESET_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIP_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    agent: LiveKitAgentGrant
    attributes: _containers.ScalarMap[str, str]
    inference: LiveKitInferenceGrant
    kind: LiveKitParticipantKind
    kind_details: _containers.RepeatedScalarFieldContainer[str]
    metadata: str
    name: str
    observability: LiveKitObservabilityGrant
    room_config: _struct_pb2.Struct
    room_preset: str
    sha256: str
    sip: LiveKitSipGrant
    video: LiveKitVideoGrant
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[LiveKitParticipantKind, str]] = ..., kind_details: _Optional[_Iterable[str]] = ..., video: _Optional[_Union[LiveKitVideoGrant, _Mapping]] = ..., sip: _Optional[_Union[LiveKitSipGrant, _Mapping]] = ..., agent: _Optional[_Union[LiveKitAgentGrant, _Mapping]] = ..., inference: _Optional[_Union[LiveKitInferenceGrant, _Mapping]] = ..., observability: _Optional[_Union[LiveKitObservabilityGrant, _Mapping]] = ..., room_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., room_preset: _Optional[str] = ..., sha256: _Optional[str] = ..., metadata: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class LiveKitInferenceGrant(_message.Message):
    __slots__ = ["perform"]
    PERFORM_FIELD_NUMBER: _ClassVar[int]
    perform: bool
    def __init__(self, perform: bool = ...) -> None: ...

class LiveKitObservabilityGrant(_message.Message):
    __slots__ = ["write"]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    write: bool
    def __init__(self, write: bool = ...) -> None: ...

class LiveKitSipGrant(_message.Message):
    __slots__ = ["admin", "call"]
    ADMIN_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    admin: bool
    call: bool
    def __init__(self, admin: bool = ..., call: bool = ...) -> None: ...

class LiveKitVideoGrant(_message.Message):
    __slots__ = ["agent", "can_manage_agent_session", "can_publish", "can_publish_data", "can_publish_sources", "can_subscribe", "can_subscribe_metrics", "can_update_own_metadata", "destination_room", "hidden", "ingress_admin", "recorder", "room", "room_admin", "room_create", "room_join", "room_list", "room_record"]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    CAN_MANAGE_AGENT_SESSION_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_DATA_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_SOURCES_FIELD_NUMBER: _ClassVar[int]
    CAN_SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    CAN_SUBSCRIBE_METRICS_FIELD_NUMBER: _ClassVar[int]
    CAN_UPDATE_OWN_METADATA_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ROOM_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    INGRESS_ADMIN_FIELD_NUMBER: _ClassVar[int]
    RECORDER_FIELD_NUMBER: _ClassVar[int]
    ROOM_ADMIN_FIELD_NUMBER: _ClassVar[int]
    ROOM_CREATE_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    ROOM_JOIN_FIELD_NUMBER: _ClassVar[int]
    ROOM_LIST_FIELD_NUMBER: _ClassVar[int]
    ROOM_RECORD_FIELD_NUMBER: _ClassVar[int]
    agent: bool
    can_manage_agent_session: bool
    can_publish: bool
    can_publish_data: bool
    can_publish_sources: _containers.RepeatedScalarFieldContainer[LiveKitTrackSource]
    can_subscribe: bool
    can_subscribe_metrics: bool
    can_update_own_metadata: bool
    destination_room: str
    hidden: bool
    ingress_admin: bool
    recorder: bool
    room: str
    room_admin: bool
    room_create: bool
    room_join: bool
    room_list: bool
    room_record: bool
    def __init__(self, room_create: bool = ..., room_list: bool = ..., room_record: bool = ..., room_admin: bool = ..., room_join: bool = ..., room: _Optional[str] = ..., can_publish: bool = ..., can_subscribe: bool = ..., can_publish_data: bool = ..., can_publish_sources: _Optional[_Iterable[_Union[LiveKitTrackSource, str]]] = ..., can_update_own_metadata: bool = ..., ingress_admin: bool = ..., hidden: bool = ..., recorder: bool = ..., agent: bool = ..., can_subscribe_metrics: bool = ..., can_manage_agent_session: bool = ..., destination_room: _Optional[str] = ...) -> None: ...

class LiveKitParticipantKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LiveKitTrackSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
