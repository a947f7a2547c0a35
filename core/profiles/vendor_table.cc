#include "core/profiles/vendor_table.h"

#include <iterator>
#include <type_traits>
#include <variant>

namespace tokend {
namespace {

// The index of alternative T in Grants.
template <typename T, size_t I = 0>
constexpr size_t GrantsIndex() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Grants>, T>) {
    return I;
  } else {
    return GrantsIndex<T, I + 1>();
  }
}

constexpr VendorTraits kVendors[] = {
    {.name = "agora",
     .token_names_channel = true,
     .verifies_agora_privileges = true,
     .grants_index = GrantsIndex<AgoraGrants>()},
    {.name = "apirtc", .grants_index = GrantsIndex<ApiRtcGrants>()},
    {.name = "vonage", .grants_index = GrantsIndex<VonageGrants>()},
    {.name = "daily", .grants_index = GrantsIndex<DailyGrants>()},
    {.name = "livekit",
     .token_names_channel = true,
     .grants_index = GrantsIndex<LiveKitGrants>()},
    {.name = "twilio", .grants_index = GrantsIndex<TwilioGrants>()},
    {.name = "zoom", .grants_index = GrantsIndex<ZoomGrants>()},
    {.name = "jwt", .grants_index = GrantsIndex<JwtGrants>()},
};
// A row for every alternative of Grants but std::monostate.
static_assert(std::size(kVendors) + 1 == std::variant_size_v<Grants>);

}  // namespace

absl::Span<const VendorTraits> Vendors() { return kVendors; }

const VendorTraits* FindVendor(absl::string_view name) {
  for (const VendorTraits& v : kVendors) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const VendorTraits* VendorOfGrants(const Grants& grants) {
  for (const VendorTraits& v : kVendors) {
    if (v.grants_index == grants.index()) return &v;
  }
  return nullptr;
}

}  // namespace tokend
