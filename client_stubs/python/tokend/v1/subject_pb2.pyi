from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Subject(_message.Message):
    __slots__ = ["uid", "user_account", "user_id"]
    UID_FIELD_NUMBER: _ClassVar[int]
    USER_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    uid: int
    user_account: str
    user_id: str
    def __init__(self, user_id: _Optional[str] = ..., uid: _Optional[int] = ..., user_account: _Optional[str] = ...) -> None: ...
