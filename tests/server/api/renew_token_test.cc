// DoRenewToken (server/api/renew_token.h) in process: the outcomes a
// client (or someone replaying a stolen or forged token) meets, each with
// its exact code, reason and field. The e2e behaviour through a real
// tokend is in tests/server/.
#include "server/api/renew_token.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/server/api/handler_test_env.h"

namespace tokend {
namespace {

class RenewTokenTest : public HandlerTestEnv {
 protected:
  absl::Status Renew(const std::string& tenant, const std::string& token,
                     uint32_t uid = kIssuerUid) {
    v1::RenewTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    response_.Clear();
    return DoRenewToken(core_, Call(uid), request, &response_);
  }

  v1::RenewTokenResponse response_;
};

TEST_F(RenewTokenTest, RenewsWithANewIdAndTheTenantDefaultTtl) {
  const TokenInfo old = Issue("alice");
  clock_.Advance(absl::Minutes(3));
  ASSERT_TRUE(Renew("demo", old.token).ok());
  EXPECT_NE(response_.token(), old.token);
  EXPECT_NE(response_.token_id(), old.token_id);
  EXPECT_EQ(response_.tenant(), "demo");
  EXPECT_EQ(response_.issued_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(response_.expires_at().seconds() - response_.issued_at().seconds(),
            600);
  // The session started with the first token: its cap of 2 h counts from
  // there.
  EXPECT_EQ(response_.session_expires_at().seconds(),
            absl::ToUnixSeconds(old.issued_at + absl::Hours(2)));
}

TEST_F(RenewTokenTest, MissingFieldsAreNamed) {
  absl::Status s = Renew("", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "INVALID_ARGUMENT");
  EXPECT_EQ(GetField(s), "tenant");
  s = Renew("demo", "");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(s), "token");
}

TEST_F(RenewTokenTest, TtlOverTheMaximumNamesTtl) {
  v1::RenewTokenRequest request;
  request.set_tenant("demo");
  request.set_token(Issue().token);
  request.mutable_ttl()->set_seconds(-5);
  const absl::Status s = DoRenewToken(core_, Call(), request, &response_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(s), "ttl");
}

TEST_F(RenewTokenTest, CallerWithoutIssueRightIsRefused) {
  const absl::Status s = Renew("demo", Issue().token, kReaderUid);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "PERMISSION_DENIED");
  EXPECT_TRUE(response_.token().empty());
}

TEST_F(RenewTokenTest, TenantTheCallerMayNotUseIsRefusedBeforeLookup) {
  // "other" exists, "nope" does not: both answer the same to this caller,
  // so it cannot probe which tenants are configured.
  const absl::Status other = Renew("other", Issue("a", "other").token);
  const absl::Status nope = Renew("nope", Issue().token);
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(nope.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RenewTokenTest, GarbageTokenIsAVerdictNamingToken) {
  const absl::Status s = Renew("demo", "not.a.jwt");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(s), "token");
  EXPECT_NE(ReasonOf(s), "OK");
}

TEST_F(RenewTokenTest, OversizedTokenIsRefusedBeforeParsing) {
  const absl::Status s = Renew("demo", std::string(1 << 20, 'a'));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "TOKEN_TOO_LARGE");
  EXPECT_EQ(GetField(s), "token");
}

TEST_F(RenewTokenTest, ForgedSignatureIsRefused) {
  // A character in the middle of the signature: all its bits count.
  std::string token = Issue().token;
  char& c = token[token.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  const absl::Status s = Renew("demo", token);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "BAD_SIGNATURE");
}

TEST_F(RenewTokenTest, ExpiredWithinGraceRenewsPastGraceDoesNot) {
  const TokenInfo old = Issue();
  clock_.Advance(absl::Minutes(10) + absl::Minutes(4));  // 4 m into grace
  EXPECT_TRUE(Renew("demo", old.token).ok());
  clock_.Advance(absl::Minutes(2));  // 6 m past expiry, grace is 5 m
  const absl::Status s = Renew("demo", old.token);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), "TOKEN_EXPIRED");
}

TEST_F(RenewTokenTest, RevokedTokenIsRefused) {
  const TokenInfo old = Issue();
  revocations_->Revoke(old.token_id);
  const absl::Status s = Renew("demo", old.token);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "REVOKED");
}

TEST_F(RenewTokenTest, SessionCapEndsRenewal) {
  std::string token = Issue().token;
  // Renew every 5 minutes (within the 5 m grace of the last token, whose
  // expiry the cap clips) until the 2 h session cap refuses it.
  absl::Status s;
  for (int i = 0; i < 30 && s.ok(); ++i) {
    clock_.Advance(absl::Minutes(5));
    s = Renew("demo", token);
    if (s.ok()) token = response_.token();
  }
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), "SESSION_LIMIT");
}

TEST_F(RenewTokenTest, StoreDownFailClosedRefusesToMint) {
  const TokenInfo old = Issue();
  revocations_->SetStoreDown();
  const absl::Status s = Renew("demo", old.token);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "UNAVAILABLE");
}

}  // namespace
}  // namespace tokend
