// DoRevokeToken and FinishRevoke (server/api/revoke_token.h) in process:
// the request checks and the entry built, then the answer for each store
// outcome (durable, down, refused), without a store or a server. The e2e
// behaviour through a real tokend is revocation_server_test.
#include "server/api/revoke_token.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"
#include "tests/server/api/handler_test_env.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;

class RevokeTokenTest : public HandlerTestEnv {
 protected:
  absl::Status Revoke(const v1::RevokeTokenRequest& request,
                      uint32_t uid = kIssuerUid) {
    plan_ = RevokePlan();
    return DoRevokeToken(core_, clock_, Call(uid), request, &plan_);
  }
  static v1::RevokeTokenRequest ByToken(const std::string& token) {
    v1::RevokeTokenRequest request;
    request.set_tenant("demo");
    request.set_token(token);
    return request;
  }

  RevokePlan plan_;
};

TEST_F(RevokeTokenTest, ByTokenNamesItsIdAndSubjectAndOutlivesTheToken) {
  const TokenInfo info = Issue("alice");
  v1::RevokeTokenRequest request = ByToken(info.token);
  request.set_reason("laptop stolen");
  ASSERT_TRUE(Revoke(request).ok());
  EXPECT_FALSE(plan_.nothing_left);
  EXPECT_EQ(plan_.what, "token");
  EXPECT_EQ(plan_.token_id, info.token_id);
  EXPECT_EQ(plan_.subject, "alice");
  EXPECT_EQ(plan_.reason, "laptop stolen");
  EXPECT_EQ(plan_.entry.kind, Revocation::Kind::kTokenId);
  EXPECT_EQ(plan_.entry.value, info.token_id);
  EXPECT_EQ(plan_.entry.tenant, "demo");
  EXPECT_EQ(plan_.entry.revoked_at, clock_.Now());
  // Kept as long as any demo token can be accepted: the max TTL (1 h) plus
  // the renew grace (5 m) at least.
  EXPECT_GE(plan_.entry.expires_at,
            clock_.Now() + absl::Hours(1) + absl::Minutes(5));
}

TEST_F(RevokeTokenTest, BySubjectTokenIdAndWholeTenant) {
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  request.set_subject("bob");
  ASSERT_TRUE(Revoke(request).ok());
  EXPECT_EQ(plan_.entry.kind, Revocation::Kind::kSubject);
  EXPECT_EQ(plan_.entry.value, "bob");

  request.set_token_id("id-1");
  ASSERT_TRUE(Revoke(request).ok());
  EXPECT_EQ(plan_.entry.kind, Revocation::Kind::kTokenId);
  EXPECT_EQ(plan_.entry.value, "id-1");

  request.set_whole_tenant(true);
  ASSERT_TRUE(Revoke(request).ok());
  EXPECT_EQ(plan_.entry.kind, Revocation::Kind::kTenant);
  EXPECT_EQ(plan_.entry.value, "");
}

TEST_F(RevokeTokenTest, EachBadFieldIsNamed) {
  struct Case {
    v1::RevokeTokenRequest request;
    std::string field;
  };
  std::vector<Case> cases(5);
  cases[0].request.set_token_id("x");  // no tenant
  cases[0].field = "tenant";
  cases[1].request.set_tenant("demo");  // no target
  cases[1].field = "target";
  cases[2].request.set_tenant("demo");
  cases[2].request.set_token_id("");
  cases[2].field = "token_id";
  cases[3].request.set_tenant("demo");
  cases[3].request.set_subject("");
  cases[3].field = "subject";
  cases[4].request.set_tenant("demo");
  cases[4].request.set_whole_tenant(false);
  cases[4].field = "whole_tenant";
  for (const Case& c : cases) {
    const absl::Status s = Revoke(c.request);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(ReasonOf(s), "INVALID_ARGUMENT") << c.field;
    EXPECT_EQ(GetField(s), c.field);
  }
}

TEST_F(RevokeTokenTest, CallerWithoutRevokeRightIsRefused) {
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  request.set_whole_tenant(true);
  const absl::Status s = Revoke(request, kReaderUid);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "PERMISSION_DENIED");
}

TEST_F(RevokeTokenTest, UnknownTenantNamesTheOnesTheCallerMayRevokeIn) {
  v1::RevokeTokenRequest request;
  request.set_tenant("dmeo");
  request.set_whole_tenant(true);
  const absl::Status s = Revoke(request, kAdminUid);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(s), "tenant");
  EXPECT_THAT(s.message(), HasSubstr("unknown tenant 'dmeo'"));
  EXPECT_THAT(s.message(), HasSubstr("demo"));
}

TEST_F(RevokeTokenTest, GarbageOrForeignTokenIsAVerdictNamingToken) {
  absl::Status s = Revoke(ByToken("garbage"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(s), "token");
  EXPECT_EQ(ReasonOf(s), "MALFORMED");
  // A token of another tenant (same secret, its own key id) revokes
  // nothing in demo.
  s = Revoke(ByToken(Issue("alice", "other").token));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(s), "token");
  EXPECT_EQ(ReasonOf(s), "UNKNOWN_KID");
  s = Revoke(ByToken(std::string(1 << 20, 'a')));
  EXPECT_EQ(ReasonOf(s), "TOKEN_TOO_LARGE");
  EXPECT_EQ(GetField(s), "token");
}

TEST_F(RevokeTokenTest, AlreadyRevokedOrExpiredTokenLeavesNothingToWrite) {
  const TokenInfo revoked = Issue("alice");
  revocations_->Revoke(revoked.token_id);
  ASSERT_TRUE(Revoke(ByToken(revoked.token)).ok());
  EXPECT_TRUE(plan_.nothing_left);

  const TokenInfo old = Issue("bob");
  clock_.Advance(absl::Minutes(10) + absl::Minutes(4));  // in the grace
  ASSERT_TRUE(Revoke(ByToken(old.token)).ok());
  EXPECT_FALSE(plan_.nothing_left);  // still renewable: must be revoked
  clock_.Advance(absl::Minutes(2));  // past the grace
  ASSERT_TRUE(Revoke(ByToken(old.token)).ok());
  EXPECT_TRUE(plan_.nothing_left);
  EXPECT_EQ(plan_.what, "token");
}

// A token the tenant accepts but that carries no jti (a livekit-server-sdk
// token, a generic JWT): nothing names it alone, so the caller is told
// what it can revoke instead.
TEST_F(RevokeTokenTest, TokenWithoutIdIsFailedPreconditionSayingWhatToRevoke) {
  const TokenInfo issued = Issue("alice");
  const std::string header = issued.token.substr(0, issued.token.find('.'));
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  const std::string payload = Base64UrlEncode(
      absl::StrCat(R"({"iss":"https://demo.test","sub":"alice","iat":)", now,
                   R"(,"exp":)", now + 300, "}"));
  const std::string input = absl::StrCat(header, ".", payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const std::string secret = "0123456789abcdef0123456789abcdef-unit";
  ASSERT_NE(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                 reinterpret_cast<const unsigned char*>(input.data()),
                 input.size(), mac, &mac_len),
            nullptr);
  const std::string token =
      absl::StrCat(input, ".",
                   Base64UrlEncode(absl::string_view(
                       reinterpret_cast<const char*>(mac), mac_len)));
  const absl::Status s = Revoke(ByToken(token));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ReasonOf(s), "INVALID_ARGUMENT");
  EXPECT_EQ(GetField(s), "token");
  EXPECT_THAT(s.message(), HasSubstr("revoke its subject"));
}

TEST_F(RevokeTokenTest, DurableAnswerCarriesTheEntryTimes) {
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  request.set_subject("bob");
  ASSERT_TRUE(Revoke(request).ok());
  v1::RevokeTokenResponse response;
  ASSERT_TRUE(FinishRevoke(Call(), plan_, absl::OkStatus(), &response).ok());
  EXPECT_EQ(response.revoked_at().seconds(),
            absl::ToUnixSeconds(plan_.entry.revoked_at));
  EXPECT_EQ(response.entry_expires_at().seconds(),
            absl::ToUnixSeconds(plan_.entry.expires_at));
}

TEST_F(RevokeTokenTest, StoreDownIsUnavailableButSaysItIsEnforced) {
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  request.set_subject("bob");
  ASSERT_TRUE(Revoke(request).ok());
  v1::RevokeTokenResponse response;
  const absl::Status s = FinishRevoke(
      Call(), plan_, absl::UnavailableError("redis: connection refused"),
      &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "UNAVAILABLE");
  EXPECT_THAT(s.message(), HasSubstr("enforced by this tokend"));
  EXPECT_FALSE(response.has_revoked_at());
}

TEST_F(RevokeTokenTest, StoreRefusalIsPassedOn) {
  v1::RevokeTokenRequest request;
  request.set_tenant("demo");
  request.set_whole_tenant(true);
  ASSERT_TRUE(Revoke(request).ok());
  v1::RevokeTokenResponse response;
  const absl::Status refused =
      Error(Reason::kInvalidArgument, "bad entry", "revocation");
  const absl::Status s = FinishRevoke(Call(), plan_, refused, &response);
  EXPECT_EQ(s, refused);
  EXPECT_FALSE(response.has_revoked_at());
}

}  // namespace
}  // namespace tokend
