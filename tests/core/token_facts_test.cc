#include "core/token_facts.h"

#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

TEST(TokenFactsTest, RoundTripsThroughAFailureOK) {
  const TokenFacts facts{"id with spaces and \xff bytes",
                         absl::FromUnixSeconds(1700000000),
                         absl::FromUnixSeconds(1700003600)};
  const absl::Status status =
      WithTokenFacts(Error(Reason::kTokenExpired, "expired"), facts);
  EXPECT_EQ(GetReason(status), Reason::kTokenExpired);
  EXPECT_EQ(status.message(), "TOKEN_EXPIRED: expired");
  ASSERT_TRUE(GetTokenFacts(status).has_value());
  EXPECT_EQ(*GetTokenFacts(status), facts);
}

TEST(TokenFactsTest, MissingTimesStayMissingOK) {
  const TokenFacts facts{"jti-1", absl::InfinitePast(), absl::InfiniteFuture()};
  const absl::Status status =
      WithTokenFacts(Error(Reason::kRevoked, "revoked"), facts);
  EXPECT_EQ(*GetTokenFacts(status), facts);
}

TEST(TokenFactsTest, EmptyIdAndNegativeTimesOK) {
  const TokenFacts facts{"", absl::FromUnixSeconds(-5),
                         absl::FromUnixSeconds(0)};
  EXPECT_EQ(
      *GetTokenFacts(WithTokenFacts(Error(Reason::kBadClaim, "x"), facts)),
      facts);
}

TEST(TokenFactsTest, AbsentUnlessAttachedFail) {
  EXPECT_FALSE(GetTokenFacts(Error(Reason::kBadSignature, "bad")).has_value());
  EXPECT_FALSE(GetTokenFacts(absl::OkStatus()).has_value());
}

TEST(TokenFactsTest, OkStatusIsNotChangedOK) {
  EXPECT_TRUE(WithTokenFacts(absl::OkStatus(), {"id"}).ok());
  EXPECT_FALSE(
      GetTokenFacts(WithTokenFacts(absl::OkStatus(), {"id"})).has_value());
}

TEST(TokenFactsTest, LaterFactsReplaceEarlierOK) {
  absl::Status status = WithTokenFacts(Error(Reason::kRevoked, "r"), {"first"});
  status = WithTokenFacts(status, {"second"});
  EXPECT_EQ(GetTokenFacts(status)->token_id, "second");
}

}  // namespace
}  // namespace tokend
