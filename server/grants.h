// Typed grants between the wire (tokend.v1.*Grants) and core (Grants).
// The dispatch lives in grants.cc; each vendor's field mapping lives in its
// own grants_<vendor>.cc so that a change to one vendor's structs stays
// local.
#ifndef TOKEND_SERVER_GRANTS_H_
#define TOKEND_SERVER_GRANTS_H_

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

// Per vendor (grants_<vendor>.cc). Errors name the field under "grants.".
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

}  // namespace tokend

#endif  // TOKEND_SERVER_GRANTS_H_
