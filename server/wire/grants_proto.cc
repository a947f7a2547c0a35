#include "server/wire/grants_proto.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/wire/vendor_table.h"

namespace tokend {

v1::Profile ProfileToProto(absl::string_view profile_name) {
  const VendorWire* v = FindVendorWire(profile_name);
  return v == nullptr ? v1::PROFILE_UNSPECIFIED : v->profile;
}

absl::StatusOr<Grants> GrantsFromRequest(const v1::IssueTokenRequest& request,
                                         absl::string_view profile_name) {
  const VendorWire* given = FindVendorWire(request.grants_case());
  if (given == nullptr) {
    // Unset: the profile's defaults, or its empty grants message.
    const VendorWire* tenant = FindVendorWire(profile_name);
    if (tenant != nullptr && tenant->unset_is_empty_message) {
      return tenant->from_request(v1::IssueTokenRequest());
    }
    return Grants(std::monostate{});
  }
  if (given->name != profile_name) {
    return Error(
        Reason::kInvalidArgument,
        absl::StrCat("grants are for profile '", given->name,
                     "' but the tenant's profile is '", profile_name, "'"),
        "grants");
  }
  return given->from_request(request);
}

void GrantsToResponse(const Grants& grants, v1::VerifyTokenResponse* response) {
  for (const VendorWire& v : VendorWires()) {
    if (v.to_response(grants, response)) return;
  }
}

}  // namespace tokend
