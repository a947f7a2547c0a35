// core/uuid.h: the one UUID check and generator the vendor profiles share.
#include "core/uuid.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

TEST(UuidTest, AcceptsEitherCaseAndAnyVersion) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(IsUuid("ABCDEF01-2345-6789-ABCD-EF0123456789"));
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
}

TEST(UuidTest, RejectsWrongLengthDashesOrDigits) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));    // 35
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-4266141740000"));  // 37
  EXPECT_FALSE(IsUuid("123e4567e-89b-12d3-a456-426614174000"));   // dash moved
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));   // not hex
  EXPECT_FALSE(IsUuid("{23e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(IsUuid("123e4567+e89b-12d3-a456-426614174000"));
}

TEST(UuidTest, NewUuidV4IsLowercaseVersion4VariantAndFresh) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuidV4();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;  // version nibble
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    for (char c : id) EXPECT_FALSE(c >= 'A' && c <= 'F') << id;
    EXPECT_TRUE(seen.insert(id).second) << "repeated " << id;
  }
}

}  // namespace
}  // namespace tokend
