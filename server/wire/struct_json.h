// google.protobuf.Struct ↔ core json::Object, for free-form claims.
//
// Protobuf numbers are doubles: an integral value that fits int64 becomes a
// JSON integer (so `"level": 3` stays 3 in the token), anything else a
// double. NaN and infinities are refused.
#ifndef TOKEND_SERVER_WIRE_STRUCT_JSON_H_
#define TOKEND_SERVER_WIRE_STRUCT_JSON_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/json/json.h"
#include "google/protobuf/struct.pb.h"

namespace tokend {

// Errors: kInvalidArgument naming `field` (plus the member path).
absl::StatusOr<json::Object> StructToJson(const google::protobuf::Struct& s,
                                          absl::string_view field);
void JsonToStruct(const json::Object& object, google::protobuf::Struct* out);

}  // namespace tokend

#endif  // TOKEND_SERVER_WIRE_STRUCT_JSON_H_
