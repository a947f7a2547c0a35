// Typed grants between the wire (tokend.v1.*Grants) and core (Grants).
// The dispatch (grants_proto.cc) goes through the vendor table
// (vendor_table.h); each vendor's field mapping lives in its own
// <vendor>_grants_proto.cc so that a change to one vendor's structs stays
// local.
#ifndef TOKEND_SERVER_WIRE_GRANTS_PROTO_H_
#define TOKEND_SERVER_WIRE_GRANTS_PROTO_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/profiles/grants.h"
#include "tokend/v1/profile.pb.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

// "jwt" → PROFILE_JWT, ...; PROFILE_UNSPECIFIED when unknown.
v1::Profile ProfileToProto(absl::string_view profile_name);

// The request's grants for a tenant of `profile_name`. A grants message of
// another profile: kInvalidArgument on "grants". Unset: std::monostate (the
// profile's defaults), except for jwt where it is an empty JwtGrants.
absl::StatusOr<Grants> GrantsFromRequest(const v1::IssueTokenRequest& request,
                                         absl::string_view profile_name);

// Sets the response's grants oneof from verified grants.
void GrantsToResponse(const Grants& grants, v1::VerifyTokenResponse* response);

// Per vendor (<vendor>_grants_proto.cc). Errors name the field under "grants.".
absl::StatusOr<JwtGrants> JwtGrantsFromProto(const v1::JwtGrants& proto);
void JwtGrantsToProto(const JwtGrants& grants, v1::JwtGrants* proto);
absl::StatusOr<ApiRtcGrants> ApiRtcGrantsFromProto(
    const v1::ApiRtcGrants& proto);
void ApiRtcGrantsToProto(const ApiRtcGrants& grants, v1::ApiRtcGrants* proto);
absl::StatusOr<ZoomGrants> ZoomGrantsFromProto(const v1::ZoomGrants& proto);
void ZoomGrantsToProto(const ZoomGrants& grants, v1::ZoomGrants* proto);
absl::StatusOr<TwilioGrants> TwilioGrantsFromProto(
    const v1::TwilioGrants& proto);
void TwilioGrantsToProto(const TwilioGrants& grants, v1::TwilioGrants* proto);
absl::StatusOr<VonageGrants> VonageGrantsFromProto(
    const v1::VonageGrants& proto);
void VonageGrantsToProto(const VonageGrants& grants, v1::VonageGrants* proto);
absl::StatusOr<DailyGrants> DailyGrantsFromProto(const v1::DailyGrants& proto);
void DailyGrantsToProto(const DailyGrants& grants, v1::DailyGrants* proto);
absl::StatusOr<LiveKitGrants> LiveKitGrantsFromProto(
    const v1::LiveKitGrants& proto);
void LiveKitGrantsToProto(const LiveKitGrants& grants,
                          v1::LiveKitGrants* proto);
absl::StatusOr<AgoraGrants> AgoraGrantsFromProto(const v1::AgoraGrants& proto);
void AgoraGrantsToProto(const AgoraGrants& grants, v1::AgoraGrants* proto);

// VerifyExpectations.agora_privileges as core (service type, privilege id)
// pairs. An unspecified or unknown value: kInvalidArgument naming
// "expectations.agora_privileges[i]".
absl::StatusOr<std::vector<std::pair<uint16_t, uint16_t>>> AgoraPrivilegesFrom(
    const v1::VerifyExpectations& expectations);

// Helpers shared by the <vendor>_grants_proto.cc files.
namespace grants_internal {

// The vendor name of a proto enum value in `table`, or nullptr when the
// value is unspecified or unknown.
template <typename Enum, size_t N>
const char* NameOf(Enum value, const std::pair<Enum, const char*> (&table)[N]) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return nullptr;
}

// The proto enum value of a vendor name; false when `name` is not in
// `table`.
template <typename Enum, size_t N>
bool ValueOf(const std::string& name,
             const std::pair<Enum, const char*> (&table)[N], Enum* out) {
  for (const auto& [v, n] : table) {
    if (name == n) {
      *out = v;
      return true;
    }
  }
  return false;
}

// A proto3 `optional bool` as core's tri-state.
inline std::optional<bool> Optional(bool has, bool value) {
  if (!has) return std::nullopt;
  return value;
}

}  // namespace grants_internal

}  // namespace tokend

#endif  // TOKEND_SERVER_WIRE_GRANTS_PROTO_H_
