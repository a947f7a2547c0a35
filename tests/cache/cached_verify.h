// Runs a VerifyJwt case through a real TokenService with a verified-token
// cache as well: the core hostile-input and mutation tests call it so every
// case is answered cold (VerifyJwt), then twice through the cache (a miss,
// then a hit when the token is valid), and all three answers must agree.
//
// PolicyProfile is a test profile: the tests pin VerifyJwt under their own
// ValidationPolicy, which no production profile exposes as such, so it maps
// that policy onto the two-phase Profile interface (AuthenticateJwt,
// CheckJwtClaims) exactly as the jwt profile does.
#ifndef TOKEND_TESTS_CACHE_CACHED_VERIFY_H_
#define TOKEND_TESTS_CACHE_CACHED_VERIFY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "core/cache/verified_token_cache.h"
#include "core/clock.h"
#include "core/jose/jwt.h"
#include "core/keys/key_set.h"
#include "core/reason.h"
#include "core/tenant_set.h"
#include "core/token_service.h"
#include "gtest/gtest.h"

namespace tokend::testing {

class PolicyProfile final : public Profile {
 public:
  PolicyProfile(const KeySet& keys, ValidationPolicy policy)
      : keys_(keys), policy_(std::move(policy)) {}
  absl::string_view name() const override { return "test-policy"; }
  absl::StatusOr<TokenInfo> Issue(const IssueInput&,
                                  absl::Time) const override {
    return Error(Reason::kInternal, "test profile issues nothing");
  }
  absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                   const VerifyExpectations& expect,
                                   absl::Time now) const override {
    absl::StatusOr<VerifiedToken> verified = Authenticate(token);
    if (!verified.ok()) return verified.status();
    return Check(*verified, expect, now);
  }
  bool SupportsAuthenticate() const override { return true; }
  absl::StatusOr<VerifiedToken> Authenticate(
      absl::string_view token) const override {
    absl::StatusOr<VerifiedJwt> jwt = AuthenticateJwt(token, keys_, policy_);
    if (!jwt.ok()) return jwt.status();
    VerifiedToken out;
    out.info.token_id = jwt->jti;
    out.info.subject = jwt->subject;
    out.info.issued_at = jwt->issued_at;
    out.info.expires_at = jwt->expires_at;
    out.key = jwt->key;
    out.jwt = *std::move(jwt);
    return out;
  }
  absl::StatusOr<TokenInfo> Check(const VerifiedToken& verified,
                                  const VerifyExpectations&,
                                  absl::Time now) const override {
    absl::Status status = CheckJwtClaims(verified.jwt, policy_, now);
    if (!status.ok()) return status;
    return verified.info;
  }
  bool Trusts(const VerifiedToken& verified) const override {
    return verified.key != nullptr &&
           keys_.FindByKid(verified.key->kid()) == verified.key.get();
  }

 private:
  const KeySet& keys_;
  const ValidationPolicy policy_;
};

// VerifyJwt's status for `token`, after checking that a cached TokenService
// answers the same (code, reason, message) cold and warm, and that the warm
// call was a cache hit exactly when the token is valid.
inline absl::Status VerifyColdAndWarm(absl::string_view token,
                                      const KeySet& keys,
                                      const ValidationPolicy& policy,
                                      absl::Time now) {
  absl::Status cold = VerifyJwt(token, keys, policy, now).status();
  FakeClock clock(now);
  TokenService service(clock);
  Tenant tenant{"t", std::make_shared<const PolicyProfile>(keys, policy)};
  tenant.verify_cache = std::make_shared<VerifiedTokenCache>(
      VerifyCacheLimits{64, 1 << 20, absl::InfiniteDuration()});
  for (int run = 0; run < 2; ++run) {
    absl::Status cached = service.Verify(tenant, token, {}).status();
    EXPECT_EQ(cached.code(), cold.code()) << "run " << run << ": " << cached;
    EXPECT_EQ(GetReason(cached), GetReason(cold)) << "run " << run;
    EXPECT_EQ(cached.message(), cold.message()) << "run " << run;
  }
  EXPECT_EQ(tenant.verify_cache->hits(), cold.ok() ? 1u : 0u);
  return cold;
}

// `profile`'s own Verify of `token`, after checking that a TokenService
// with a verify cache answers the same (code, reason, message and, on
// success, the token's id, subject, times and session start) cold (a miss)
// and warm (a hit exactly when the token is valid and before its expiry).
// `profile` is any pointer-like handle to a Profile (shared_ptr, unique_ptr,
// raw); the profile tests call it wherever they verify so each case runs all
// ways.
template <typename ProfilePtr>
absl::StatusOr<TokenInfo> VerifyAllWays(const ProfilePtr& profile,
                                        absl::string_view token,
                                        const VerifyExpectations& expect,
                                        absl::Time now) {
  absl::StatusOr<TokenInfo> cold = profile->Verify(token, expect, now);
  if (!profile->SupportsAuthenticate()) return cold;
  FakeClock clock(now);
  TokenService service(clock);
  // Not owned: the caller's profile outlives this call.
  Tenant tenant{
      "t", std::shared_ptr<const Profile>(&*profile, [](const Profile*) {})};
  tenant.verify_cache = std::make_shared<VerifiedTokenCache>(
      VerifyCacheLimits{64, 1 << 20, absl::InfiniteDuration()});
  for (int run = 0; run < 2; ++run) {
    absl::StatusOr<TokenInfo> cached = service.Verify(tenant, token, expect);
    const absl::Status& c = cached.status();
    const absl::Status& want = cold.status();
    EXPECT_EQ(c.code(), want.code()) << "run " << run << ": " << c;
    EXPECT_EQ(GetReason(c), GetReason(want)) << "run " << run;
    EXPECT_EQ(c.message(), want.message()) << "run " << run;
    if (cached.ok() && cold.ok()) {
      EXPECT_EQ(cached->token_id, cold->token_id) << "run " << run;
      EXPECT_EQ(cached->subject, cold->subject) << "run " << run;
      EXPECT_EQ(cached->issued_at, cold->issued_at) << "run " << run;
      EXPECT_EQ(cached->expires_at, cold->expires_at) << "run " << run;
      EXPECT_EQ(cached->session_started, cold->session_started)
          << "run " << run;
      EXPECT_EQ(cached->grants.index(), cold->grants.index()) << "run " << run;
    }
  }
  // Stored (so the second call hits) when valid and not yet past its
  // expiry: one valid only within the leeway after exp is not stored.
  // Agora 006 tokens are verified in full on every call, never stored.
  const bool stored =
      cold.ok() && cold->expires_at > now &&
      !(profile->name() == "agora" && absl::StartsWith(token, "006"));
  EXPECT_EQ(tenant.verify_cache->hits(), stored ? 1u : 0u);
  return cold;
}

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_CACHE_CACHED_VERIFY_H_
