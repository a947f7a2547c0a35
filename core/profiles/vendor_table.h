// The profiles tokend knows, one row each: the name a config's `profile:`
// names and what the layers that cannot see the protos ask of a profile.
// The server's proto columns (profile enum, grants oneof, conversions) are
// in server/wire/vendor_table.h, the tenant builders in
// server/runtime/tenant_vendors.cc; both are keyed by these names and
// tests/server/wire/vendor_table_test.cc proves every row has all three.
// Plain constant data: any thread.
#ifndef TOKEND_CORE_PROFILES_VENDOR_TABLE_H_
#define TOKEND_CORE_PROFILES_VENDOR_TABLE_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/profiles/grants.h"

namespace tokend {

struct VendorTraits {
  // The profile's name in the config and in Profile::name().
  absl::string_view name;
  // Its tokens name a channel or room that a verifier can be asked to
  // expect (Agora's channel, LiveKit's room).
  bool token_names_channel = false;
  // VerifyExpectations.agora_privileges applies to its tokens.
  bool verifies_agora_privileges = false;
  // The alternative of Grants its tokens carry (Grants::index()).
  size_t grants_index = 0;
};

// Every profile, in the order error messages list them.
absl::Span<const VendorTraits> Vendors();

// The row of `name`; nullptr when no profile has that name.
const VendorTraits* FindVendor(absl::string_view name);

// The row whose tokens carry `grants`' alternative; nullptr for
// std::monostate (no grants).
const VendorTraits* VendorOfGrants(const Grants& grants);

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_VENDOR_TABLE_H_
