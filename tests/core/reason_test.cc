#include "core/reason.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace tokend {
namespace {

TEST(ReasonTest, ErrorCarriesReasonFieldAndDefaultCode) {
  absl::Status s = Error(Reason::kTokenExpired, "exp is in the past", "exp");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(GetReason(s), Reason::kTokenExpired);
  EXPECT_EQ(GetField(s), "exp");
  EXPECT_EQ(s.message(), "TOKEN_EXPIRED: exp is in the past");
}

TEST(ReasonTest, ExplicitCodeOverridesDefault) {
  absl::Status s = ErrorWithCode(absl::StatusCode::kFailedPrecondition,
                                 Reason::kRevoked, "token id revoked");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetReason(s), Reason::kRevoked);
  EXPECT_EQ(GetField(s), "");
}

TEST(ReasonTest, OkAndForeignStatuses) {
  EXPECT_EQ(GetReason(absl::OkStatus()), Reason::kOk);
  EXPECT_EQ(GetReason(absl::InternalError("x")), Reason::kInternal);
}

TEST(ReasonTest, NamesAreUniqueAndRoundTrip) {
  std::set<std::string> seen;
  for (int i = 0; i <= static_cast<int>(Reason::kInternal); ++i) {
    Reason r = static_cast<Reason>(i);
    std::string name(ReasonName(r));
    EXPECT_TRUE(seen.insert(name).second) << name;
    Reason back;
    ASSERT_TRUE(ReasonFromName(name, &back)) << name;
    EXPECT_EQ(back, r);
  }
  Reason unused;
  EXPECT_FALSE(ReasonFromName("token_expired", &unused));
}

TEST(ReasonTest, StableNamesOfTheWireContract) {
  EXPECT_EQ(ReasonName(Reason::kBadSignature), "BAD_SIGNATURE");
  EXPECT_EQ(ReasonName(Reason::kUnknownKid), "UNKNOWN_KID");
  EXPECT_EQ(ReasonName(Reason::kAlgNotAllowed), "ALG_NOT_ALLOWED");
  EXPECT_EQ(ReasonName(Reason::kAudienceMismatch), "AUDIENCE_MISMATCH");
  EXPECT_EQ(ReasonName(Reason::kMalformed), "MALFORMED");
  EXPECT_EQ(ReasonName(Reason::kSessionLimit), "SESSION_LIMIT");
  EXPECT_EQ(DefaultCode(Reason::kSessionLimit),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(DefaultCode(Reason::kRevoked), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace tokend
