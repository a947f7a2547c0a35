from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

AGORA_APAAS_KIND_APP: AgoraApaasKind
AGORA_APAAS_KIND_ROOM_USER: AgoraApaasKind
AGORA_APAAS_KIND_UNSPECIFIED: AgoraApaasKind
AGORA_APAAS_KIND_USER: AgoraApaasKind
AGORA_CHAT_KIND_APP: AgoraChatKind
AGORA_CHAT_KIND_UNSPECIFIED: AgoraChatKind
AGORA_CHAT_KIND_USER: AgoraChatKind
AGORA_PRIVILEGE_APAAS_APP: AgoraPrivilege
AGORA_PRIVILEGE_APAAS_ROOM_USER: AgoraPrivilege
AGORA_PRIVILEGE_APAAS_USER: AgoraPrivilege
AGORA_PRIVILEGE_CHAT_APP: AgoraPrivilege
AGORA_PRIVILEGE_CHAT_USER: AgoraPrivilege
AGORA_PRIVILEGE_FCDN_PLAY: AgoraPrivilege
AGORA_PRIVILEGE_FCDN_PUBLISH: AgoraPrivilege
AGORA_PRIVILEGE_FPA_LOGIN: AgoraPrivilege
AGORA_PRIVILEGE_RTC_ADMINISTRATE_CHANNEL: AgoraPrivilege
AGORA_PRIVILEGE_RTC_JOIN_CHANNEL: AgoraPrivilege
AGORA_PRIVILEGE_RTC_PUBLISH_AUDIO_STREAM: AgoraPrivilege
AGORA_PRIVILEGE_RTC_PUBLISH_DATA_STREAM: AgoraPrivilege
AGORA_PRIVILEGE_RTC_PUBLISH_VIDEO_STREAM: AgoraPrivilege
AGORA_PRIVILEGE_RTM2_LOGIN: AgoraPrivilege
AGORA_PRIVILEGE_RTM_LOGIN: AgoraPrivilege
AGORA_PRIVILEGE_STREAMING_PUBLISH_MIX_STREAM: AgoraPrivilege
AGORA_PRIVILEGE_STREAMING_PUBLISH_RAW_STREAM: AgoraPrivilege
AGORA_PRIVILEGE_UNSPECIFIED: AgoraPrivilege
AGORA_RTC_ROLE_ADMIN: AgoraRtcRole
AGORA_RTC_ROLE_PUBLISHER: AgoraRtcRole
AGORA_RTC_ROLE_SUBSCRIBER: AgoraRtcRole
AGORA_RTC_ROLE_UNSPECIFIED: AgoraRtcRole
AGORA_RTM2_ACCESS_READ: AgoraRtm2Access
AGORA_RTM2_ACCESS_UNSPECIFIED: AgoraRtm2Access
AGORA_RTM2_ACCESS_WRITE: AgoraRtm2Access
AGORA_RTM2_RESOURCE_TYPE_GROUP_CHANNELS: AgoraRtm2ResourceType
AGORA_RTM2_RESOURCE_TYPE_MESSAGE_CHANNELS: AgoraRtm2ResourceType
AGORA_RTM2_RESOURCE_TYPE_SERVER_GROUPS: AgoraRtm2ResourceType
AGORA_RTM2_RESOURCE_TYPE_STREAM_CHANNELS: AgoraRtm2ResourceType
AGORA_RTM2_RESOURCE_TYPE_UNSPECIFIED: AgoraRtm2ResourceType
AGORA_RTM2_RESOURCE_TYPE_USERS: AgoraRtm2ResourceType
AGORA_TOKEN_VERSION_006: AgoraTokenVersion
AGORA_TOKEN_VERSION_007: AgoraTokenVersion
AGORA_TOKEN_VERSION_UNSPECIFIED: AgoraTokenVersion
DESCRIPTOR: _descriptor.FileDescriptor

class AgoraApaasPrivileges(_message.Message):
    __slots__ = ["app", "room_user", "user"]
    APP_FIELD_NUMBER: _ClassVar[int]
    ROOM_USER_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    app: _duration_pb2.Duration
    room_user: _duration_pb2.Duration
    user: _duration_pb2.Duration
    def __init__(self, room_user: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., user: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., app: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraApaasService(_message.Message):
    __slots__ = ["kind", "privileges", "role", "room_uuid", "user_uuid"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ROOM_UUID_FIELD_NUMBER: _ClassVar[int]
    USER_UUID_FIELD_NUMBER: _ClassVar[int]
    kind: AgoraApaasKind
    privileges: AgoraApaasPrivileges
    role: int
    room_uuid: str
    user_uuid: str
    def __init__(self, kind: _Optional[_Union[AgoraApaasKind, str]] = ..., room_uuid: _Optional[str] = ..., user_uuid: _Optional[str] = ..., role: _Optional[int] = ..., privileges: _Optional[_Union[AgoraApaasPrivileges, _Mapping]] = ...) -> None: ...

class AgoraChatPrivileges(_message.Message):
    __slots__ = ["app", "user"]
    APP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    app: _duration_pb2.Duration
    user: _duration_pb2.Duration
    def __init__(self, user: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., app: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraChatService(_message.Message):
    __slots__ = ["kind", "privileges", "user_id"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    kind: AgoraChatKind
    privileges: AgoraChatPrivileges
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., kind: _Optional[_Union[AgoraChatKind, str]] = ..., privileges: _Optional[_Union[AgoraChatPrivileges, _Mapping]] = ...) -> None: ...

class AgoraFcdnPrivileges(_message.Message):
    __slots__ = ["play", "publish"]
    PLAY_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_FIELD_NUMBER: _ClassVar[int]
    play: _duration_pb2.Duration
    publish: _duration_pb2.Duration
    def __init__(self, publish: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., play: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraFcdnService(_message.Message):
    __slots__ = ["account", "channel_name", "privileges", "uid"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_NAME_FIELD_NUMBER: _ClassVar[int]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    account: str
    channel_name: str
    privileges: AgoraFcdnPrivileges
    uid: int
    def __init__(self, channel_name: _Optional[str] = ..., account: _Optional[str] = ..., privileges: _Optional[_Union[AgoraFcdnPrivileges, _Mapping]] = ..., uid: _Optional[int] = ...) -> None: ...

class AgoraFpaPrivileges(_message.Message):
    __slots__ = ["login"]
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    login: _duration_pb2.Duration
    def __init__(self, login: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraFpaService(_message.Message):
    __slots__ = ["privileges"]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    privileges: AgoraFpaPrivileges
    def __init__(self, privileges: _Optional[_Union[AgoraFpaPrivileges, _Mapping]] = ...) -> None: ...

class AgoraGrants(_message.Message):
    __slots__ = ["app_id", "salt", "services", "version"]
    APP_ID_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    app_id: str
    salt: int
    services: _containers.RepeatedCompositeFieldContainer[AgoraService]
    version: AgoraTokenVersion
    def __init__(self, version: _Optional[_Union[AgoraTokenVersion, str]] = ..., services: _Optional[_Iterable[_Union[AgoraService, _Mapping]]] = ..., app_id: _Optional[str] = ..., salt: _Optional[int] = ...) -> None: ...

class AgoraRtcPrivileges(_message.Message):
    __slots__ = ["administrate_channel", "join_channel", "publish_audio_stream", "publish_data_stream", "publish_video_stream"]
    ADMINISTRATE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    JOIN_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_AUDIO_STREAM_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_DATA_STREAM_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_VIDEO_STREAM_FIELD_NUMBER: _ClassVar[int]
    administrate_channel: _duration_pb2.Duration
    join_channel: _duration_pb2.Duration
    publish_audio_stream: _duration_pb2.Duration
    publish_data_stream: _duration_pb2.Duration
    publish_video_stream: _duration_pb2.Duration
    def __init__(self, join_channel: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., publish_audio_stream: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., publish_video_stream: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., publish_data_stream: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., administrate_channel: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraRtcService(_message.Message):
    __slots__ = ["channel_name", "explicit_privileges", "role", "role_privilege_expire", "uid", "user_account"]
    CHANNEL_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPLICIT_PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ROLE_PRIVILEGE_EXPIRE_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    USER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    channel_name: str
    explicit_privileges: AgoraRtcPrivileges
    role: AgoraRtcRole
    role_privilege_expire: _duration_pb2.Duration
    uid: int
    user_account: str
    def __init__(self, channel_name: _Optional[str] = ..., uid: _Optional[int] = ..., user_account: _Optional[str] = ..., role: _Optional[_Union[AgoraRtcRole, str]] = ..., explicit_privileges: _Optional[_Union[AgoraRtcPrivileges, _Mapping]] = ..., role_privilege_expire: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraRtm2Permission(_message.Message):
    __slots__ = ["access", "resource_type", "resources"]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    access: AgoraRtm2Access
    resource_type: AgoraRtm2ResourceType
    resources: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource_type: _Optional[_Union[AgoraRtm2ResourceType, str]] = ..., access: _Optional[_Union[AgoraRtm2Access, str]] = ..., resources: _Optional[_Iterable[str]] = ...) -> None: ...

class AgoraRtm2Service(_message.Message):
    __slots__ = ["permissions", "privileges", "user_id"]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.RepeatedCompositeFieldContainer[AgoraRtm2Permission]
    privileges: AgoraRtmPrivileges
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., privileges: _Optional[_Union[AgoraRtmPrivileges, _Mapping]] = ..., permissions: _Optional[_Iterable[_Union[AgoraRtm2Permission, _Mapping]]] = ...) -> None: ...

class AgoraRtmPrivileges(_message.Message):
    __slots__ = ["login"]
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    login: _duration_pb2.Duration
    def __init__(self, login: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraRtmService(_message.Message):
    __slots__ = ["privileges", "user_id"]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    privileges: AgoraRtmPrivileges
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., privileges: _Optional[_Union[AgoraRtmPrivileges, _Mapping]] = ...) -> None: ...

class AgoraService(_message.Message):
    __slots__ = ["apaas", "chat", "fcdn", "fpa", "rtc", "rtm", "rtm2", "streaming", "unknown"]
    APAAS_FIELD_NUMBER: _ClassVar[int]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    FCDN_FIELD_NUMBER: _ClassVar[int]
    FPA_FIELD_NUMBER: _ClassVar[int]
    RTC_FIELD_NUMBER: _ClassVar[int]
    RTM2_FIELD_NUMBER: _ClassVar[int]
    RTM_FIELD_NUMBER: _ClassVar[int]
    STREAMING_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_FIELD_NUMBER: _ClassVar[int]
    apaas: AgoraApaasService
    chat: AgoraChatService
    fcdn: AgoraFcdnService
    fpa: AgoraFpaService
    rtc: AgoraRtcService
    rtm: AgoraRtmService
    rtm2: AgoraRtm2Service
    streaming: AgoraStreamingService
    unknown: AgoraUnknownService
    def __init__(self, rtc: _Optional[_Union[AgoraRtcService, _Mapping]] = ..., rtm: _Optional[_Union[AgoraRtmService, _Mapping]] = ..., streaming: _Optional[_Union[AgoraStreamingService, _Mapping]] = ..., fpa: _Optional[_Union[AgoraFpaService, _Mapping]] = ..., chat: _Optional[_Union[AgoraChatService, _Mapping]] = ..., fcdn: _Optional[_Union[AgoraFcdnService, _Mapping]] = ..., apaas: _Optional[_Union[AgoraApaasService, _Mapping]] = ..., rtm2: _Optional[_Union[AgoraRtm2Service, _Mapping]] = ..., unknown: _Optional[_Union[AgoraUnknownService, _Mapping]] = ...) -> None: ...

class AgoraStreamingPrivileges(_message.Message):
    __slots__ = ["publish_mix_stream", "publish_raw_stream"]
    PUBLISH_MIX_STREAM_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_RAW_STREAM_FIELD_NUMBER: _ClassVar[int]
    publish_mix_stream: _duration_pb2.Duration
    publish_raw_stream: _duration_pb2.Duration
    def __init__(self, publish_mix_stream: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., publish_raw_stream: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AgoraStreamingService(_message.Message):
    __slots__ = ["account", "channel_name", "privileges", "uid"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_NAME_FIELD_NUMBER: _ClassVar[int]
    PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    account: str
    channel_name: str
    privileges: AgoraStreamingPrivileges
    uid: int
    def __init__(self, channel_name: _Optional[str] = ..., account: _Optional[str] = ..., privileges: _Optional[_Union[AgoraStreamingPrivileges, _Mapping]] = ..., uid: _Optional[int] = ...) -> None: ...

class AgoraUnknownService(_message.Message):
    __slots__ = ["body", "type"]
    BODY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    type: int
    def __init__(self, type: _Optional[int] = ..., body: _Optional[bytes] = ...) -> None: ...

class AgoraTokenVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgoraRtcRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgoraChatKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgoraApaasKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgoraRtm2ResourceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgoraRtm2Access(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AgoraPrivilege(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
