from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TwilioChatGrant(_message.Message):
    __slots__ = ["deployment_role_sid", "endpoint_id", "push_credential_sid", "service_sid"]
    DEPLOYMENT_ROLE_SID_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PUSH_CREDENTIAL_SID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_SID_FIELD_NUMBER: _ClassVar[int]
    deployment_role_sid: str
    endpoint_id: str
    push_credential_sid: str
    service_sid: str
    def __init__(self, service_sid: _Optional[str] = ..., endpoint_id: _Optional[str] = ..., deployment_role_sid: _Optional[str] = ..., push_credential_sid: _Optional[str] = ...) -> None: ...

class TwilioGrants(_message.Message):
    __slots__ = ["chat", "data_sync", "player", "region", "task_router", "video", "voice"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    DATA_SYNC_FIELD_NUMBER: _ClassVar[int]
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    TASK_ROUTER_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    chat: TwilioChatGrant
    data_sync: TwilioSyncGrant
    player: _struct_pb2.Struct
    region: str
    task_router: TwilioTaskRouterGrant
    video: TwilioVideoGrant
    voice: TwilioVoiceGrant
    def __init__(self, chat: _Optional[_Union[TwilioChatGrant, _Mapping]] = ..., video: _Optional[_Union[TwilioVideoGrant, _Mapping]] = ..., data_sync: _Optional[_Union[TwilioSyncGrant, _Mapping]] = ..., voice: _Optional[_Union[TwilioVoiceGrant, _Mapping]] = ..., task_router: _Optional[_Union[TwilioTaskRouterGrant, _Mapping]] = ..., player: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., region: _Optional[str] = ...) -> None: ...

class TwilioSyncGrant(_message.Message):
    __slots__ = ["endpoint_id", "service_sid"]
    ENDPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_SID_FIELD_NUMBER: _ClassVar[int]
    endpoint_id: str
    service_sid: str
    def __init__(self, service_sid: _Optional[str] = ..., endpoint_id: _Optional[str] = ...) -> None: ...

class TwilioTaskRouterGrant(_message.Message):
    __slots__ = ["role", "worker_sid", "workspace_sid"]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    WORKER_SID_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_SID_FIELD_NUMBER: _ClassVar[int]
    role: str
    worker_sid: str
    workspace_sid: str
    def __init__(self, workspace_sid: _Optional[str] = ..., worker_sid: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class TwilioVideoGrant(_message.Message):
    __slots__ = ["room"]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    room: str
    def __init__(self, room: _Optional[str] = ...) -> None: ...

class TwilioVoiceGrant(_message.Message):
    __slots__ = ["endpoint_id", "incoming_allow", "outgoing_application_sid", "outgoing_params", "push_credential_sid"]
    ENDPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    INCOMING_ALLOW_FIELD_NUMBER: _ClassVar[int]
    OUTGOING_APPLICATION_SID_FIELD_NUMBER: _ClassVar[int]
    OUTGOING_PARAMS_FIELD_NUMBER: _ClassVar[int]
    PUSH_CREDENTIAL_SID_FIELD_NUMBER: _ClassVar[int]
    endpoint_id: str
    incoming_allow: bool
    outgoing_application_sid: str
    outgoing_params: _struct_pb2.Struct
    push_credential_sid: str
    def __init__(self, incoming_allow: bool = ..., outgoing_application_sid: _Optional[str] = ..., outgoing_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., push_credential_sid: _Optional[str] = ..., endpoint_id: _Optional[str] = ...) -> None: ...
