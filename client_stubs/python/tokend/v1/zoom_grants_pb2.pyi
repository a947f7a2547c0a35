from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ZOOM_ROLE_TYPE_HOST: ZoomRoleType
ZOOM_ROLE_TYPE_PARTICIPANT: ZoomRoleType
ZOOM_ROLE_TYPE_UNSPECIFIED: ZoomRoleType

class ZoomGrants(_message.Message):
    __slots__ = ["audio_webrtc_mode", "cloud_recording_election", "cloud_recording_option", "geo_regions", "role_type", "session_key", "telemetry_tracking_id", "topic", "video_webrtc_mode"]
    AUDIO_WEBRTC_MODE_FIELD_NUMBER: _ClassVar[int]
    CLOUD_RECORDING_ELECTION_FIELD_NUMBER: _ClassVar[int]
    CLOUD_RECORDING_OPTION_FIELD_NUMBER: _ClassVar[int]
    GEO_REGIONS_FIELD_NUMBER: _ClassVar[int]
    ROLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SESSION_KEY_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    VIDEO_WEBRTC_MODE_FIELD_NUMBER: _ClassVar[int]
    audio_webrtc_mode: bool
    cloud_recording_election: bool
    cloud_recording_option: bool
    geo_regions: _containers.RepeatedScalarFieldContainer[str]
    role_type: ZoomRoleType
    session_key: str
    telemetry_tracking_id: str
    topic: str
    video_webrtc_mode: bool
    def __init__(self, topic: _Optional[str] = ..., role_type: _Optional[_Union[ZoomRoleType, str]] = ..., session_key: _Optional[str] = ..., geo_regions: _Optional[_Iterable[str]] = ..., cloud_recording_option: bool = ..., cloud_recording_election: bool = ..., telemetry_tracking_id: _Optional[str] = ..., video_webrtc_mode: bool = ..., audio_webrtc_mode: bool = ...) -> None: ...

class ZoomRoleType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
