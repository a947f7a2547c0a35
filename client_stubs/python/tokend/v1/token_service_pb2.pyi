from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tokend.v1 import agora_grants_pb2 as _agora_grants_pb2
from tokend.v1 import apirtc_grants_pb2 as _apirtc_grants_pb2
from tokend.v1 import daily_grants_pb2 as _daily_grants_pb2
from tokend.v1 import jwt_grants_pb2 as _jwt_grants_pb2
from tokend.v1 import livekit_grants_pb2 as _livekit_grants_pb2
from tokend.v1 import profile_pb2 as _profile_pb2
from tokend.v1 import subject_pb2 as _subject_pb2
from tokend.v1 import twilio_grants_pb2 as _twilio_grants_pb2
from tokend.v1 import vonage_grants_pb2 as _vonage_grants_pb2
from tokend.v1 import zoom_grants_pb2 as _zoom_grants_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
EVENT_REASON_INITIAL: EventReason
EVENT_REASON_KEY_ROTATED: EventReason
EVENT_REASON_POLICY_CHANGED: EventReason
EVENT_REASON_RESUMED: EventReason
EVENT_REASON_SCHEDULED: EventReason
EVENT_REASON_UNSPECIFIED: EventReason

class ExchangeTokenRequest(_message.Message):
    __slots__ = ["actor_token", "actor_token_type", "agora", "apirtc", "daily", "jwt", "livekit", "subject_token", "subject_token_type", "tenant", "ttl", "twilio", "vonage", "zoom"]
    ACTOR_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACTOR_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGORA_FIELD_NUMBER: _ClassVar[int]
    APIRTC_FIELD_NUMBER: _ClassVar[int]
    DAILY_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    LIVEKIT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    TWILIO_FIELD_NUMBER: _ClassVar[int]
    VONAGE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FIELD_NUMBER: _ClassVar[int]
    actor_token: str
    actor_token_type: str
    agora: _agora_grants_pb2.AgoraGrants
    apirtc: _apirtc_grants_pb2.ApiRtcGrants
    daily: _daily_grants_pb2.DailyGrants
    jwt: _jwt_grants_pb2.JwtGrants
    livekit: _livekit_grants_pb2.LiveKitGrants
    subject_token: str
    subject_token_type: str
    tenant: str
    ttl: _duration_pb2.Duration
    twilio: _twilio_grants_pb2.TwilioGrants
    vonage: _vonage_grants_pb2.VonageGrants
    zoom: _zoom_grants_pb2.ZoomGrants
    def __init__(self, subject_token: _Optional[str] = ..., subject_token_type: _Optional[str] = ..., actor_token: _Optional[str] = ..., actor_token_type: _Optional[str] = ..., tenant: _Optional[str] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., agora: _Optional[_Union[_agora_grants_pb2.AgoraGrants, _Mapping]] = ..., apirtc: _Optional[_Union[_apirtc_grants_pb2.ApiRtcGrants, _Mapping]] = ..., vonage: _Optional[_Union[_vonage_grants_pb2.VonageGrants, _Mapping]] = ..., daily: _Optional[_Union[_daily_grants_pb2.DailyGrants, _Mapping]] = ..., livekit: _Optional[_Union[_livekit_grants_pb2.LiveKitGrants, _Mapping]] = ..., twilio: _Optional[_Union[_twilio_grants_pb2.TwilioGrants, _Mapping]] = ..., zoom: _Optional[_Union[_zoom_grants_pb2.ZoomGrants, _Mapping]] = ..., jwt: _Optional[_Union[_jwt_grants_pb2.JwtGrants, _Mapping]] = ...) -> None: ...

class ExchangeTokenResponse(_message.Message):
    __slots__ = ["expires_at", "issued_at", "profile", "rule", "session_expires_at", "subject", "tenant", "token", "token_id"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    SESSION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    profile: _profile_pb2.Profile
    rule: str
    session_expires_at: _timestamp_pb2.Timestamp
    subject: str
    tenant: str
    token: str
    token_id: str
    def __init__(self, token: _Optional[str] = ..., token_id: _Optional[str] = ..., issued_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tenant: _Optional[str] = ..., profile: _Optional[_Union[_profile_pb2.Profile, str]] = ..., session_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., rule: _Optional[str] = ..., subject: _Optional[str] = ...) -> None: ...

class IssueTokenRequest(_message.Message):
    __slots__ = ["agora", "apirtc", "daily", "jwt", "livekit", "not_before", "subject", "tenant", "ttl", "twilio", "vonage", "zoom"]
    AGORA_FIELD_NUMBER: _ClassVar[int]
    APIRTC_FIELD_NUMBER: _ClassVar[int]
    DAILY_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    LIVEKIT_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    TWILIO_FIELD_NUMBER: _ClassVar[int]
    VONAGE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FIELD_NUMBER: _ClassVar[int]
    agora: _agora_grants_pb2.AgoraGrants
    apirtc: _apirtc_grants_pb2.ApiRtcGrants
    daily: _daily_grants_pb2.DailyGrants
    jwt: _jwt_grants_pb2.JwtGrants
    livekit: _livekit_grants_pb2.LiveKitGrants
    not_before: _timestamp_pb2.Timestamp
    subject: _subject_pb2.Subject
    tenant: str
    ttl: _duration_pb2.Duration
    twilio: _twilio_grants_pb2.TwilioGrants
    vonage: _vonage_grants_pb2.VonageGrants
    zoom: _zoom_grants_pb2.ZoomGrants
    def __init__(self, tenant: _Optional[str] = ..., subject: _Optional[_Union[_subject_pb2.Subject, _Mapping]] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., not_before: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., agora: _Optional[_Union[_agora_grants_pb2.AgoraGrants, _Mapping]] = ..., apirtc: _Optional[_Union[_apirtc_grants_pb2.ApiRtcGrants, _Mapping]] = ..., vonage: _Optional[_Union[_vonage_grants_pb2.VonageGrants, _Mapping]] = ..., daily: _Optional[_Union[_daily_grants_pb2.DailyGrants, _Mapping]] = ..., livekit: _Optional[_Union[_livekit_grants_pb2.LiveKitGrants, _Mapping]] = ..., twilio: _Optional[_Union[_twilio_grants_pb2.TwilioGrants, _Mapping]] = ..., zoom: _Optional[_Union[_zoom_grants_pb2.ZoomGrants, _Mapping]] = ..., jwt: _Optional[_Union[_jwt_grants_pb2.JwtGrants, _Mapping]] = ...) -> None: ...

class IssueTokenResponse(_message.Message):
    __slots__ = ["expires_at", "issued_at", "profile", "session_expires_at", "tenant", "token", "token_id"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    SESSION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    profile: _profile_pb2.Profile
    session_expires_at: _timestamp_pb2.Timestamp
    tenant: str
    token: str
    token_id: str
    def __init__(self, token: _Optional[str] = ..., token_id: _Optional[str] = ..., issued_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tenant: _Optional[str] = ..., profile: _Optional[_Union[_profile_pb2.Profile, str]] = ..., session_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RenewTokenRequest(_message.Message):
    __slots__ = ["tenant", "token", "ttl"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    token: str
    ttl: _duration_pb2.Duration
    def __init__(self, tenant: _Optional[str] = ..., token: _Optional[str] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RenewTokenResponse(_message.Message):
    __slots__ = ["expires_at", "issued_at", "profile", "session_expires_at", "tenant", "token", "token_id"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    SESSION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    profile: _profile_pb2.Profile
    session_expires_at: _timestamp_pb2.Timestamp
    tenant: str
    token: str
    token_id: str
    def __init__(self, token: _Optional[str] = ..., token_id: _Optional[str] = ..., issued_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tenant: _Optional[str] = ..., profile: _Optional[_Union[_profile_pb2.Profile, str]] = ..., session_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RevokeTokenRequest(_message.Message):
    __slots__ = ["reason", "subject", "tenant", "token", "token_id", "whole_tenant"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    WHOLE_TENANT_FIELD_NUMBER: _ClassVar[int]
    reason: str
    subject: str
    tenant: str
    token: str
    token_id: str
    whole_tenant: bool
    def __init__(self, tenant: _Optional[str] = ..., token_id: _Optional[str] = ..., subject: _Optional[str] = ..., whole_tenant: bool = ..., token: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeTokenResponse(_message.Message):
    __slots__ = ["entry_expires_at", "revoked_at"]
    ENTRY_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    entry_expires_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, revoked_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., entry_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscribeTokenRequest(_message.Message):
    __slots__ = ["current_token", "refresh_fraction", "spec", "tenant"]
    CURRENT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    current_token: str
    refresh_fraction: float
    spec: IssueTokenRequest
    tenant: str
    def __init__(self, tenant: _Optional[str] = ..., spec: _Optional[_Union[IssueTokenRequest, _Mapping]] = ..., current_token: _Optional[str] = ..., refresh_fraction: _Optional[float] = ...) -> None: ...

class TokenEvent(_message.Message):
    __slots__ = ["expires_at", "issued_at", "next_refresh_at", "reason", "sequence", "session_expires_at", "token", "token_id"]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_REFRESH_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SESSION_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    expires_at: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    next_refresh_at: _timestamp_pb2.Timestamp
    reason: EventReason
    sequence: int
    session_expires_at: _timestamp_pb2.Timestamp
    token: str
    token_id: str
    def __init__(self, token: _Optional[str] = ..., token_id: _Optional[str] = ..., issued_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., next_refresh_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., sequence: _Optional[int] = ..., reason: _Optional[_Union[EventReason, str]] = ..., session_expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyExpectations(_message.Message):
    __slots__ = ["agora_privileges", "audience", "channel", "subject"]
    AGORA_PRIVILEGES_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    agora_privileges: _containers.RepeatedScalarFieldContainer[_agora_grants_pb2.AgoraPrivilege]
    audience: str
    channel: str
    subject: _subject_pb2.Subject
    def __init__(self, audience: _Optional[str] = ..., channel: _Optional[str] = ..., subject: _Optional[_Union[_subject_pb2.Subject, _Mapping]] = ..., agora_privileges: _Optional[_Iterable[_Union[_agora_grants_pb2.AgoraPrivilege, str]]] = ...) -> None: ...

class VerifyTokenRequest(_message.Message):
    __slots__ = ["expectations", "tenant", "token"]
    EXPECTATIONS_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    expectations: VerifyExpectations
    tenant: str
    token: str
    def __init__(self, tenant: _Optional[str] = ..., token: _Optional[str] = ..., expectations: _Optional[_Union[VerifyExpectations, _Mapping]] = ...) -> None: ...

class VerifyTokenResponse(_message.Message):
    __slots__ = ["agora", "apirtc", "claims", "daily", "detail", "expires_at", "issued_at", "jwt", "livekit", "profile", "reason", "subject", "tenant", "token_id", "twilio", "valid", "vonage", "zoom"]
    AGORA_FIELD_NUMBER: _ClassVar[int]
    APIRTC_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    DAILY_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    JWT_FIELD_NUMBER: _ClassVar[int]
    LIVEKIT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    TWILIO_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    VONAGE_FIELD_NUMBER: _ClassVar[int]
    ZOOM_FIELD_NUMBER: _ClassVar[int]
    agora: _agora_grants_pb2.AgoraGrants
    apirtc: _apirtc_grants_pb2.ApiRtcGrants
    claims: _struct_pb2.Struct
    daily: _daily_grants_pb2.DailyGrants
    detail: str
    expires_at: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    jwt: _jwt_grants_pb2.JwtGrants
    livekit: _livekit_grants_pb2.LiveKitGrants
    profile: _profile_pb2.Profile
    reason: str
    subject: str
    tenant: str
    token_id: str
    twilio: _twilio_grants_pb2.TwilioGrants
    valid: bool
    vonage: _vonage_grants_pb2.VonageGrants
    zoom: _zoom_grants_pb2.ZoomGrants
    def __init__(self, valid: bool = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ..., token_id: _Optional[str] = ..., subject: _Optional[str] = ..., issued_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., claims: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., tenant: _Optional[str] = ..., profile: _Optional[_Union[_profile_pb2.Profile, str]] = ..., agora: _Optional[_Union[_agora_grants_pb2.AgoraGrants, _Mapping]] = ..., apirtc: _Optional[_Union[_apirtc_grants_pb2.ApiRtcGrants, _Mapping]] = ..., vonage: _Optional[_Union[_vonage_grants_pb2.VonageGrants, _Mapping]] = ..., daily: _Optional[_Union[_daily_grants_pb2.DailyGrants, _Mapping]] = ..., livekit: _Optional[_Union[_livekit_grants_pb2.LiveKitGrants, _Mapping]] = ..., twilio: _Optional[_Union[_twilio_grants_pb2.TwilioGrants, _Mapping]] = ..., zoom: _Optional[_Union[_zoom_grants_pb2.ZoomGrants, _Mapping]] = ..., jwt: _Optional[_Union[_jwt_grants_pb2.JwtGrants, _Mapping]] = ...) -> None: ...

class EventReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
