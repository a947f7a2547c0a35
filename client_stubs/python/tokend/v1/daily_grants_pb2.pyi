from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DAILY_ADMIN_AREA_PARTICIPANTS: DailyAdminArea
DAILY_ADMIN_AREA_STREAMING: DailyAdminArea
DAILY_ADMIN_AREA_TRANSCRIPTION: DailyAdminArea
DAILY_ADMIN_AREA_UNSPECIFIED: DailyAdminArea
DAILY_MEDIA_AUDIO: DailyMedia
DAILY_MEDIA_SCREEN_AUDIO: DailyMedia
DAILY_MEDIA_SCREEN_VIDEO: DailyMedia
DAILY_MEDIA_UNSPECIFIED: DailyMedia
DAILY_MEDIA_VIDEO: DailyMedia
DAILY_RECORDING_CLOUD: DailyRecording
DAILY_RECORDING_LOCAL: DailyRecording
DAILY_RECORDING_RAW_TRACKS: DailyRecording
DAILY_RECORDING_UNSPECIFIED: DailyRecording
DESCRIPTOR: _descriptor.FileDescriptor

class DailyAdminAreaList(_message.Message):
    __slots__ = ["areas"]
    AREAS_FIELD_NUMBER: _ClassVar[int]
    areas: _containers.RepeatedScalarFieldContainer[DailyAdminArea]
    def __init__(self, areas: _Optional[_Iterable[_Union[DailyAdminArea, str]]] = ...) -> None: ...

class DailyCanAdmin(_message.Message):
    __slots__ = ["all", "areas"]
    ALL_FIELD_NUMBER: _ClassVar[int]
    AREAS_FIELD_NUMBER: _ClassVar[int]
    all: bool
    areas: DailyAdminAreaList
    def __init__(self, all: bool = ..., areas: _Optional[_Union[DailyAdminAreaList, _Mapping]] = ...) -> None: ...

class DailyCanReceive(_message.Message):
    __slots__ = ["base_all", "base_media", "by_participant_id", "by_user_id"]
    BASE_ALL_FIELD_NUMBER: _ClassVar[int]
    BASE_MEDIA_FIELD_NUMBER: _ClassVar[int]
    BY_PARTICIPANT_ID_FIELD_NUMBER: _ClassVar[int]
    BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    base_all: bool
    base_media: _struct_pb2.Struct
    by_participant_id: _struct_pb2.Struct
    by_user_id: _struct_pb2.Struct
    def __init__(self, base_all: bool = ..., base_media: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., by_user_id: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., by_participant_id: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class DailyCanSend(_message.Message):
    __slots__ = ["all", "media"]
    ALL_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    all: bool
    media: DailyMediaList
    def __init__(self, all: bool = ..., media: _Optional[_Union[DailyMediaList, _Mapping]] = ...) -> None: ...

class DailyGrants(_message.Message):
    __slots__ = ["auto_start_transcription", "close_tab_on_exit", "domain_id", "eject_after_elapsed", "eject_at_token_exp", "enable_recording", "enable_recording_ui", "enable_screenshare", "intercom_join_alert", "is_owner", "knocking", "lang", "meeting_join_hook", "permissions", "redirect_on_meeting_exit", "room_name", "start_audio_off", "start_cloud_recording", "start_cloud_recording_opts", "start_video_off", "user_name"]
    AUTO_START_TRANSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TAB_ON_EXIT_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_ID_FIELD_NUMBER: _ClassVar[int]
    EJECT_AFTER_ELAPSED_FIELD_NUMBER: _ClassVar[int]
    EJECT_AT_TOKEN_EXP_FIELD_NUMBER: _ClassVar[int]
    ENABLE_RECORDING_FIELD_NUMBER: _ClassVar[int]
    ENABLE_RECORDING_UI_FIELD_NUMBER: _ClassVar[int]
    ENABLE_SCREENSHARE_FIELD_NUMBER: _ClassVar[int]
    INTERCOM_JOIN_ALERT_FIELD_NUMBER: _ClassVar[int]
    IS_OWNER_FIELD_NUMBER: _ClassVar[int]
    KNOCKING_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    MEETING_JOIN_HOOK_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_ON_MEETING_EXIT_FIELD_NUMBER: _ClassVar[int]
    ROOM_NAME_FIELD_NUMBER: _ClassVar[int]
    START_AUDIO_OFF_FIELD_NUMBER: _ClassVar[int]
    START_CLOUD_RECORDING_FIELD_NUMBER: _ClassVar[int]
    START_CLOUD_RECORDING_OPTS_FIELD_NUMBER: _ClassVar[int]
    START_VIDEO_OFF_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    auto_start_transcription: bool
    close_tab_on_exit: bool
    domain_id: str
    eject_after_elapsed: _duration_pb2.Duration
    eject_at_token_exp: bool
    enable_recording: DailyRecording
    enable_recording_ui: bool
    enable_screenshare: bool
    intercom_join_alert: bool
    is_owner: bool
    knocking: bool
    lang: str
    meeting_join_hook: str
    permissions: DailyPermissions
    redirect_on_meeting_exit: str
    room_name: str
    start_audio_off: bool
    start_cloud_recording: bool
    start_cloud_recording_opts: _struct_pb2.Struct
    start_video_off: bool
    user_name: str
    def __init__(self, room_name: _Optional[str] = ..., user_name: _Optional[str] = ..., is_owner: bool = ..., knocking: bool = ..., close_tab_on_exit: bool = ..., redirect_on_meeting_exit: _Optional[str] = ..., intercom_join_alert: bool = ..., start_cloud_recording: bool = ..., start_cloud_recording_opts: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., auto_start_transcription: bool = ..., enable_recording: _Optional[_Union[DailyRecording, str]] = ..., enable_screenshare: bool = ..., start_video_off: bool = ..., start_audio_off: bool = ..., meeting_join_hook: _Optional[str] = ..., eject_at_token_exp: bool = ..., eject_after_elapsed: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., lang: _Optional[str] = ..., enable_recording_ui: bool = ..., permissions: _Optional[_Union[DailyPermissions, _Mapping]] = ..., domain_id: _Optional[str] = ...) -> None: ...

class DailyMediaList(_message.Message):
    __slots__ = ["media"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: _containers.RepeatedScalarFieldContainer[DailyMedia]
    def __init__(self, media: _Optional[_Iterable[_Union[DailyMedia, str]]] = ...) -> None: ...

class DailyPermissions(_message.Message):
    __slots__ = ["can_admin", "can_receive", "can_send", "has_presence"]
    CAN_ADMIN_FIELD_NUMBER: _ClassVar[int]
    CAN_RECEIVE_FIELD_NUMBER: _ClassVar[int]
    CAN_SEND_FIELD_NUMBER: _ClassVar[int]
    HAS_PRESENCE_FIELD_NUMBER: _ClassVar[int]
    can_admin: DailyCanAdmin
    can_receive: DailyCanReceive
    can_send: DailyCanSend
    has_presence: bool
    def __init__(self, has_presence: bool = ..., can_send: _Optional[_Union[DailyCanSend, _Mapping]] = ..., can_receive: _Optional[_Union[DailyCanReceive, _Mapping]] = ..., can_admin: _Optional[_Union[DailyCanAdmin, _Mapping]] = ...) -> None: ...

class DailyRecording(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class DailyMedia(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class DailyAdminArea(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
