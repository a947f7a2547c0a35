#include "core/profiles/vendor_table.h"

namespace tokend {
namespace {

constexpr VendorTraits kVendors[] = {
    {.name = "agora",
     .token_names_channel = true,
     .verifies_agora_privileges = true},
    {.name = "apirtc"},
    {.name = "vonage"},
    {.name = "daily"},
    {.name = "livekit", .token_names_channel = true},
    {.name = "twilio"},
    {.name = "zoom"},
    {.name = "jwt"},
};

}  // namespace

absl::Span<const VendorTraits> Vendors() { return kVendors; }

const VendorTraits* FindVendor(absl::string_view name) {
  for (const VendorTraits& v : kVendors) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace tokend
