// The vendor table's columns agree: every profile of core/profiles/
// vendor_table.h has its wire row (server/wire/vendor_table.cc) and, jwt
// aside, its tenant builder (server/runtime/tenant_vendors.cc); every
// v1::Profile value and every IssueTokenRequest grants member has a row.
// Adding a vendor and forgetting one of them fails here, naming it.
#include "core/profiles/vendor_table.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "server/runtime/tenant_builder.h"
#include "server/wire/vendor_table.h"

namespace tokend {
namespace {

TEST(VendorTableTest, EveryProfileHasItsWireRowAndBuilder) {
  std::set<int> profiles, cases;
  for (const VendorTraits& v : Vendors()) {
    SCOPED_TRACE(std::string(v.name));
    ASSERT_EQ(FindVendor(v.name), &v);
    const VendorWire* wire = FindVendorWire(v.name);
    ASSERT_NE(wire, nullptr);
    EXPECT_EQ(FindVendorWire(wire->grants_case), wire);
    EXPECT_NE(wire->profile, v1::PROFILE_UNSPECIFIED);
    EXPECT_TRUE(profiles.insert(wire->profile).second);
    EXPECT_TRUE(cases.insert(wire->grants_case).second);
    // jwt tenants are built by tenant_jwt.cc (managed keys, JWKS).
    EXPECT_EQ(HasVendorBuilder(v.name), v.name != "jwt");
  }
  EXPECT_EQ(VendorWires().size(), Vendors().size());
  EXPECT_EQ(DevVendorTenants().size(), Vendors().size() - 1);
}

TEST(VendorTableTest, EveryProtoProfileAndGrantsMemberHasARow) {
  const auto* profiles = v1::Profile_descriptor();
  for (int i = 0; i < profiles->value_count(); ++i) {
    const auto* value = profiles->value(i);
    if (value->number() == v1::PROFILE_UNSPECIFIED) continue;
    bool found = false;
    for (const VendorWire& w : VendorWires()) {
      found = found || w.profile == value->number();
    }
    EXPECT_TRUE(found) << value->name() << " has no row";
  }
  const auto* grants =
      v1::IssueTokenRequest::descriptor()->FindOneofByName("grants");
  ASSERT_NE(grants, nullptr);
  for (int i = 0; i < grants->field_count(); ++i) {
    const int number = grants->field(i)->number();
    EXPECT_NE(
        FindVendorWire(static_cast<v1::IssueTokenRequest::GrantsCase>(number)),
        nullptr)
        << "IssueTokenRequest." << grants->field(i)->name() << " has no row";
  }
  EXPECT_EQ(FindVendorWire(v1::IssueTokenRequest::GRANTS_NOT_SET), nullptr);
  EXPECT_EQ(FindVendorWire("nosuch"), nullptr);
  EXPECT_EQ(FindVendor("nosuch"), nullptr);
}

}  // namespace
}  // namespace tokend
