#include "core/token_service.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/profiles/jwt_profile.h"
#include "core/reason.h"
#include "core/revocation/revocation_index.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);

// Test seam: an in-memory revocation list of token ids and subjects.
class FakeRevocations : public RevocationChecker {
 public:
  bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                 absl::string_view subject, absl::Time) const override {
    absl::MutexLock lock(&mu_);
    return ids_.count(std::string(token_id)) > 0 ||
           subjects_.count(std::string(subject)) > 0;
  }
  void RevokeId(std::string id) {
    absl::MutexLock lock(&mu_);
    ids_.insert(std::move(id));
  }
  void RevokeSubject(std::string s) {
    absl::MutexLock lock(&mu_);
    subjects_.insert(std::move(s));
  }

 private:
  mutable absl::Mutex mu_;
  std::set<std::string> ids_, subjects_;
};

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTenant(absl::InfiniteDuration(), absl::ZeroDuration());
    service_.SetRevocationChecker(revocations_);
  }

  void SetTenant(absl::Duration session_cap, absl::Duration grace) {
    JwtProfileConfig config;
    config.issuer = "https://tokend.test";
    config.audiences = {"svc"};
    config.signing_key = (*GenerateKey(Algorithm::kHS256))->WithKid("h1");
    config.ttl = {absl::Minutes(10), absl::Hours(1)};
    auto profile = NewJwtProfile(config);
    ASSERT_TRUE(profile.ok()) << profile.status();
    Tenant tenant{"demo", *profile, session_cap, grace};
    auto set = TenantSet::Create({tenant});
    ASSERT_TRUE(set.ok());
    service_.SetTenants(std::make_shared<const TenantSet>(*std::move(set)));
  }

  TokenInfo IssueAlice() {
    IssueInput in;
    in.subject = "alice";
    JwtGrants grants;
    grants.extra_claims.Set("room", json::Value("r1"));
    in.grants = grants;
    auto issued = service_.Issue("demo", in);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return *issued;
  }

  FakeClock clock_{kStart};
  TokenService service_{clock_};
  std::shared_ptr<FakeRevocations> revocations_ =
      std::make_shared<FakeRevocations>();
};

TEST_F(TokenServiceTest, UnknownOrMissingTenantNamesTheField) {
  auto issued = service_.Issue("nope", {});
  EXPECT_EQ(GetReason(issued.status()), Reason::kInvalidArgument);
  EXPECT_EQ(GetField(issued.status()), "tenant");
  EXPECT_EQ(GetField(service_.Verify("", "x.y.z", {}).status()), "tenant");
}

TEST_F(TokenServiceTest, VerifyChecksRevocationByIdAndSubject) {
  TokenInfo a = IssueAlice();
  EXPECT_TRUE(service_.Verify("demo", a.token, {}).ok());
  revocations_->RevokeId(a.token_id);
  auto v = service_.Verify("demo", a.token, {});
  EXPECT_EQ(GetReason(v.status()), Reason::kRevoked);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kPermissionDenied);

  TokenInfo b = IssueAlice();
  revocations_->RevokeSubject("alice");
  EXPECT_EQ(GetReason(service_.Verify("demo", b.token, {}).status()),
            Reason::kRevoked);
}

TEST_F(TokenServiceTest, RenewKeepsSubjectAndGrantsWithFreshTimesAndId) {
  TokenInfo first = IssueAlice();
  clock_.Advance(absl::Minutes(8));
  auto renewed = service_.Renew("demo", first.token, absl::ZeroDuration());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_NE(renewed->token_id, first.token_id);
  EXPECT_EQ(renewed->subject, "alice");
  EXPECT_EQ(renewed->issued_at, kStart + absl::Minutes(8));
  EXPECT_EQ(renewed->expires_at, kStart + absl::Minutes(18));
  EXPECT_EQ(renewed->session_started, kStart);
  auto verified = service_.Verify("demo", renewed->token, {});
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(std::get<JwtGrants>(verified->grants)
                .extra_claims.Find("room")
                ->as_string(),
            "r1");
  EXPECT_EQ(verified->session_started, kStart);  // carried in tokend_sst
}

TEST_F(TokenServiceTest, RenewRefusesRevokedTokens) {
  TokenInfo first = IssueAlice();
  revocations_->RevokeId(first.token_id);
  auto renewed = service_.Renew("demo", first.token, absl::ZeroDuration());
  EXPECT_EQ(GetReason(renewed.status()), Reason::kRevoked);
}

TEST_F(TokenServiceTest, RenewAfterExpiryNeedsTheGraceWindow) {
  TokenInfo first = IssueAlice();
  // Past exp plus the 60 s leeway, no grace configured.
  clock_.Set(first.expires_at + absl::Seconds(90));
  EXPECT_EQ(
      GetReason(
          service_.Renew("demo", first.token, absl::ZeroDuration()).status()),
      Reason::kTokenExpired);
}

TEST_F(TokenServiceTest, SessionCapClampsTheLastRenewalThenRefuses) {
  SetTenant(absl::Minutes(25), absl::ZeroDuration());
  TokenInfo t = IssueAlice();  // 10 min token, session ends at +25 min
  clock_.Advance(absl::Minutes(9));
  auto second = service_.Renew("demo", t.token, absl::ZeroDuration());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->expires_at, kStart + absl::Minutes(19));
  clock_.Advance(absl::Minutes(9));  // +18 min: only 7 min of session left
  auto third = service_.Renew("demo", second->token, absl::ZeroDuration());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->expires_at, kStart + absl::Minutes(25));
  clock_.Set(kStart + absl::Minutes(25));
  auto fourth = service_.Renew("demo", third->token, absl::ZeroDuration());
  EXPECT_EQ(GetReason(fourth.status()), Reason::kSessionLimit);
  EXPECT_EQ(fourth.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TokenServiceTest, TenantSwapTakesEffectForNewCalls) {
  TokenInfo before = IssueAlice();
  SetTenant(absl::InfiniteDuration(), absl::ZeroDuration());  // new key
  EXPECT_EQ(GetReason(service_.Verify("demo", before.token, {}).status()),
            Reason::kBadSignature);
}

// Token times are whole seconds, so a subject or tenant revoked at 0.3 s
// covers a token minted at 0.6 s (iat 0). Whatever the profile (the JWT
// iat, Agora's issue_ts in 007 and 006), Issue, Renew and Refresh never
// hand such a token out: they fail kUnavailable until the second is over,
// then mint tokens that verify. The checker is the real index.
TEST(TokenServiceRevocationTest, NoProfileHandsOutATokenItsCheckRefuses) {
  JwtProfileConfig jwt;
  jwt.issuer = "https://tokend.test";
  jwt.signing_key = (*GenerateKey(Algorithm::kHS256))->WithKid("h1");
  jwt.ttl = {absl::Minutes(10), absl::Hours(1)};
  AgoraProfileConfig agora;
  agora.app_id = "970CA35de60c44645bbae8a215061b33";
  agora.app_certificate = "5CFd2fd1755d40ecb72977518be15d3b";
  agora.ttl = {absl::Hours(1), absl::Hours(24)};
  auto set = TenantSet::Create({{"jwt", *NewJwtProfile(jwt)},
                                {"agora", *NewAgoraProfile(agora)},
                                {"agora006", *NewAgoraProfile(agora)}});
  ASSERT_TRUE(set.ok()) << set.status();
  FakeClock clock(kStart);
  TokenService service(clock);
  service.SetTenants(std::make_shared<const TenantSet>(*std::move(set)));
  auto index = std::make_shared<RevocationIndex>();
  service.SetRevocationChecker(index);

  const auto agora_input = [](bool legacy) {
    AgoraService rtc;
    rtc.type = kAgoraRtc;
    rtc.channel = "room";
    rtc.account = "alice";
    rtc.privileges = {{1, 0}};
    AgoraGrants grants;
    grants.legacy_006 = legacy;
    grants.services = {rtc};
    IssueInput in;
    in.subject = "alice";
    in.grants = grants;
    return in;
  };
  IssueInput jwt_input;
  jwt_input.subject = "alice";
  jwt_input.grants = JwtGrants{};
  struct Case {
    std::string tenant;
    IssueInput input;
    Revocation::Kind kind;
    // 006 tokens verify only against their channel and account, and are
    // not renewed through Renew (which has neither).
    bool legacy = false;
  };
  const std::vector<Case> cases = {
      {"jwt", jwt_input, Revocation::Kind::kSubject},
      {"jwt", jwt_input, Revocation::Kind::kTenant},
      {"agora", agora_input(false), Revocation::Kind::kSubject},
      {"agora", agora_input(false), Revocation::Kind::kTenant},
      // Its own tenant: a 006 token carries no issue time, so a revocation
      // covers every one that can predate it (expiry less Agora's 24 h).
      {"agora006", agora_input(true), Revocation::Kind::kSubject, true},
  };
  absl::Time second = kStart + absl::Seconds(10);
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.tenant, c.legacy ? " 006" : "", " kind ",
                              static_cast<int>(c.kind)));
    VerifyExpectations expect;
    if (c.legacy) {
      expect.channel = "room";
      expect.account = "alice";
    }
    clock.Set(second - absl::Seconds(5));
    auto old = service.Issue(c.tenant, c.input);
    ASSERT_TRUE(old.ok()) << old.status();
    // Revoked at .3 of a second; it is .6 now.
    Revocation r{c.kind, c.tenant,
                 c.kind == Revocation::Kind::kSubject ? old->subject : "",
                 second + absl::Milliseconds(300), second + absl::Hours(48)};
    index->Add(r);
    clock.Set(second + absl::Milliseconds(600));

    // The token issued before the revocation is refused.
    EXPECT_EQ(GetReason(service.Verify(c.tenant, old->token, expect).status()),
              Reason::kRevoked);
    auto issued = service.Issue(c.tenant, c.input);
    EXPECT_EQ(GetReason(issued.status()), Reason::kUnavailable)
        << issued.status();
    EXPECT_EQ(issued.status().code(), absl::StatusCode::kUnavailable);
    if (c.legacy) {
      // A 1 h token issued from .6 on counts as issued 23 h earlier: it
      // is uncovered from the next second plus 23 h.
      EXPECT_THAT(std::string(issued.status().message()),
                  ::testing::HasSubstr("retry in 82801 s"));
      clock.Set(second + absl::Hours(23) + absl::Seconds(1) -
                absl::Milliseconds(1));
      EXPECT_EQ(GetReason(service.Issue(c.tenant, c.input).status()),
                Reason::kUnavailable);
      clock.Set(second + absl::Hours(23) + absl::Seconds(1));
      issued = service.Issue(c.tenant, c.input);
      ASSERT_TRUE(issued.ok()) << issued.status();
      EXPECT_TRUE(service.Verify(c.tenant, issued->token, expect).ok());
      continue;
    }
    EXPECT_THAT(std::string(issued.status().message()),
                ::testing::HasSubstr("retry in 400 ms"));
    // Refresh from a state minted in this second before the revocation:
    // that token is revoked, so the refresh ends rather than retries.
    TokenInfo early = *old;
    early.issued_at = second;
    EXPECT_EQ(GetReason(service.Refresh(c.tenant, early, {}).status()),
              Reason::kRevoked);

    clock.Set(second + absl::Seconds(1));
    issued = service.Issue(c.tenant, c.input);
    ASSERT_TRUE(issued.ok()) << issued.status();
    EXPECT_TRUE(service.Verify(c.tenant, issued->token, expect).ok());
    second += absl::Minutes(1);
    if (c.legacy) continue;
    auto renewed = service.Renew(c.tenant, issued->token, {});
    ASSERT_TRUE(renewed.ok()) << renewed.status();
    EXPECT_TRUE(service.Verify(c.tenant, renewed->token, {}).ok());
  }
}

TEST(TenantSetTest, RefusesDuplicatesEmptyNamesAndMissingProfiles) {
  JwtProfileConfig config;
  config.issuer = "i";
  config.signing_key = *GenerateKey(Algorithm::kHS256);
  auto profile = *NewJwtProfile(config);
  auto dup = TenantSet::Create({{"a", profile}, {"a", profile}});
  EXPECT_EQ(GetReason(dup.status()), Reason::kInvalidArgument);
  EXPECT_EQ(GetField(TenantSet::Create({{"", profile}}).status()),
            "tenants[0].name");
  EXPECT_EQ(GetField(TenantSet::Create({{"a", nullptr}}).status()),
            "tenants[0].profile");
  auto ok = TenantSet::Create({{"b", profile}, {"a", profile}});
  ASSERT_TRUE(ok.ok());
  EXPECT_NE(ok->Find("a"), nullptr);
  EXPECT_EQ(ok->Find("A"), nullptr);
}

}  // namespace
}  // namespace tokend
