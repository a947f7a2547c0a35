from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
PROFILE_AGORA: Profile
PROFILE_APIRTC: Profile
PROFILE_DAILY: Profile
PROFILE_JWT: Profile
PROFILE_LIVEKIT: Profile
PROFILE_TWILIO: Profile
PROFILE_UNSPECIFIED: Profile
PROFILE_VONAGE: Profile
PROFILE_ZOOM: Profile

class Profile(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
