// The server's proto columns of the profile table (core/profiles/
// vendor_table.h): per profile, its v1::Profile, its IssueTokenRequest
// grants case and the conversions of its grants message. grants.cc
// dispatches through this table only; each vendor's field mapping is in its
// own <vendor>_grants_proto.cc. Plain constant data: any thread.
#ifndef TOKEND_SERVER_WIRE_VENDOR_TABLE_H_
#define TOKEND_SERVER_WIRE_VENDOR_TABLE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/profiles/grants.h"
#include "tokend/v1/profile.pb.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

struct VendorWire {
  // The core row's name (FindVendor).
  absl::string_view name;
  v1::Profile profile;
  v1::IssueTokenRequest::GrantsCase grants_case;
  // The request's grants message (of `grants_case`) as core grants; errors
  // name the field under "grants.".
  absl::StatusOr<Grants> (*from_request)(const v1::IssueTokenRequest& request);
  // Writes `grants` into the response's oneof and returns true when they are
  // this vendor's; false (response untouched) otherwise.
  bool (*to_response)(const Grants& grants, v1::VerifyTokenResponse* response);
  // A request without grants asks for an empty grants message (jwt: a token
  // of the standard claims only) rather than the profile's defaults
  // (std::monostate).
  bool unset_is_empty_message = false;
};

// Every profile with grants on the wire, in core's order.
absl::Span<const VendorWire> VendorWires();

// The row of a profile name, or of a request's grants case; nullptr when
// none (an unknown name, GRANTS_NOT_SET).
const VendorWire* FindVendorWire(absl::string_view name);
const VendorWire* FindVendorWire(v1::IssueTokenRequest::GrantsCase c);

}  // namespace tokend

#endif  // TOKEND_SERVER_WIRE_VENDOR_TABLE_H_
