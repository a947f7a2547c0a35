// google.protobuf.Timestamp / Duration ↔ absl::Time / absl::Duration.
#ifndef TOKEND_SERVER_WIRE_PROTO_TIME_H_
#define TOKEND_SERVER_WIRE_PROTO_TIME_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace tokend {

void ToProto(absl::Time t, google::protobuf::Timestamp* out);
void ToProto(absl::Duration d, google::protobuf::Duration* out);

// A request TTL: whole, non-negative seconds (zero: the tenant default).
// Errors: kInvalidArgument naming `field`.
absl::StatusOr<absl::Duration> TtlFromProto(const google::protobuf::Duration& d,
                                            absl::string_view field);

}  // namespace tokend

#endif  // TOKEND_SERVER_WIRE_PROTO_TIME_H_
