#include "server/wire/proto_time.h"

#include "core/reason.h"

namespace tokend {

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest));
}

void ToProto(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

absl::StatusOr<absl::Duration> TtlFromProto(const google::protobuf::Duration& d,
                                            absl::string_view field) {
  if (d.seconds() < 0 || d.nanos() < 0) {
    return Error(Reason::kInvalidArgument, "must not be negative", field);
  }
  if (d.nanos() != 0) {
    return Error(Reason::kInvalidArgument, "must be whole seconds", field);
  }
  if (d.seconds() > 315576000000) {
    return Error(Reason::kInvalidArgument, "is out of range", field);
  }
  return absl::Seconds(d.seconds());
}

}  // namespace tokend
