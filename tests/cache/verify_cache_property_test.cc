// The verified-token cache never answers differently from a cold verify:
// random sequences of verify (valid, expired, wrong audience, tampered,
// other tenant), revoke (id, subject, tenant), key rotation and retirement,
// reload and clock moves, run against two TokenServices over the same
// profiles, revocations and clock, one with a cache per tenant and one
// without, must give identical answers at every step. The tenants are two
// jwt ones (HS256, ES256), a LiveKit one (a vendor JWT profile) and an
// Agora 007 one; for the last two a rotation is a new secret or
// certificate.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/cache/verified_token_cache.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/keys/key_set.h"
#include "core/profiles/agora/agora_grants.h"
#include "core/profiles/agora/agora_profile.h"
#include "core/profiles/jwt_grants.h"
#include "core/profiles/jwt_profile.h"
#include "core/profiles/livekit_profile.h"
#include "core/reason.h"
#include "core/revocation/revocation.h"
#include "core/revocation/revocation_index.h"
#include "core/token_service.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1767225600);

enum class Kind { kJwt, kLiveKit, kAgora };

struct TenantKeys {
  std::string name;
  Algorithm alg;
  Kind kind = Kind::kJwt;
  std::vector<std::shared_ptr<const Key>> keys;  // last one signs
  int next_kid = 0;
  std::shared_ptr<const Profile> profile;
};

class VerifyCacheProperty : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    tenants_.push_back({"a", Algorithm::kHS256});
    tenants_.push_back({"b", Algorithm::kES256});
    tenants_.push_back({"lk", Algorithm::kHS256, Kind::kLiveKit});
    tenants_.push_back({"ag", Algorithm::kHS256, Kind::kAgora});
    for (TenantKeys& t : tenants_) {
      AddKey(t);
      Rebuild(t);
    }
    Reload();
    cold_.SetRevocationChecker(revocations_);
    warm_.SetRevocationChecker(revocations_);
  }

  void AddKey(TenantKeys& t) {
    t.keys.push_back(
        (*GenerateKey(t.alg))->WithKid(absl::StrCat(t.name, t.next_kid++)));
  }

  void Rebuild(TenantKeys& t) {
    if (t.kind == Kind::kLiveKit) {
      LiveKitProfileConfig config;
      config.api_key = "APIprop";
      config.api_secret = absl::StrCat("livekit-secret-", t.next_kid,
                                       "-0123456789abcdefghijklmnop");
      config.ttl = {absl::Minutes(5), absl::Hours(1)};
      config.leeway = absl::Seconds(30);
      absl::StatusOr<std::shared_ptr<const Profile>> profile =
          NewLiveKitProfile(config);
      ASSERT_TRUE(profile.ok()) << profile.status();
      t.profile = *profile;
      return;
    }
    if (t.kind == Kind::kAgora) {
      AgoraProfileConfig config;
      config.app_id = "0123456789abcdef0123456789abcdef";
      // 32 hex characters, different for every rotation.
      config.app_certificate = absl::StrCat(
          absl::Hex(t.next_kid, absl::kZeroPad8), "89abcdef0123456789abcdef");
      config.ttl = {absl::Minutes(5), absl::Hours(1)};
      config.leeway = absl::Seconds(30);
      absl::StatusOr<std::shared_ptr<const Profile>> profile =
          NewAgoraProfile(config);
      ASSERT_TRUE(profile.ok()) << profile.status();
      t.profile = *profile;
      return;
    }
    JwtProfileConfig config;
    config.issuer = "https://tokend.test";
    config.audiences = {"svc", "api"};
    config.signing_key = t.keys.back();
    config.verification_keys =
        std::make_shared<const KeySet>(*KeySet::Create(t.keys));
    config.ttl = {absl::Minutes(5), absl::Hours(1)};
    config.leeway = absl::Seconds(30);
    absl::StatusOr<std::shared_ptr<const Profile>> profile =
        NewJwtProfile(config);
    ASSERT_TRUE(profile.ok()) << profile.status();
    t.profile = *profile;
  }

  // New TenantSets for both services; the cached one gets new caches.
  void Reload() {
    std::vector<Tenant> cold, warm;
    for (const TenantKeys& t : tenants_) {
      cold.push_back(
          {t.name, t.profile, absl::InfiniteDuration(), absl::Minutes(2)});
      Tenant cached{t.name, t.profile, absl::InfiniteDuration(),
                    absl::Minutes(2)};
      VerifyCacheLimits limits;
      limits.max_entries = 8;  // small, so eviction happens too
      limits.max_age = absl::Minutes(7);
      cached.verify_cache = std::make_shared<VerifiedTokenCache>(limits);
      caches_.push_back(cached.verify_cache);
      warm.push_back(std::move(cached));
    }
    cold_.SetTenants(
        std::make_shared<const TenantSet>(*TenantSet::Create(cold)));
    warm_.SetTenants(
        std::make_shared<const TenantSet>(*TenantSet::Create(warm)));
  }

  static void ExpectSame(const absl::StatusOr<TokenInfo>& cold,
                         const absl::StatusOr<TokenInfo>& warm,
                         const std::string& step) {
    ASSERT_EQ(cold.status().code(), warm.status().code())
        << step << ": " << cold.status() << " vs " << warm.status();
    ASSERT_EQ(GetReason(cold.status()), GetReason(warm.status())) << step;
    ASSERT_EQ(cold.status().message(), warm.status().message()) << step;
    if (!cold.ok()) return;
    EXPECT_EQ(cold->token_id, warm->token_id) << step;
    EXPECT_EQ(cold->subject, warm->subject) << step;
    EXPECT_EQ(cold->issued_at, warm->issued_at) << step;
    EXPECT_EQ(cold->expires_at, warm->expires_at) << step;
    EXPECT_EQ(cold->session_started, warm->session_started) << step;
    EXPECT_EQ(cold->earliest_issue, warm->earliest_issue) << step;
    EXPECT_TRUE(cold->claims == warm->claims) << step;
    ASSERT_EQ(cold->grants.index(), warm->grants.index()) << step;
    if (const auto* cg = std::get_if<JwtGrants>(&cold->grants)) {
      const auto& wg = std::get<JwtGrants>(warm->grants);
      EXPECT_EQ(cg->audiences, wg.audiences) << step;
      EXPECT_TRUE(cg->extra_claims == wg.extra_claims) << step;
    }
    if (const auto* cg = std::get_if<LiveKitGrants>(&cold->grants)) {
      const auto& wg = std::get<LiveKitGrants>(warm->grants);
      EXPECT_EQ(cg->video.has_value(), wg.video.has_value()) << step;
      if (cg->video.has_value() && wg.video.has_value()) {
        EXPECT_EQ(cg->video->room, wg.video->room) << step;
      }
    }
    if (const auto* cg = std::get_if<AgoraGrants>(&cold->grants)) {
      const auto& wg = std::get<AgoraGrants>(warm->grants);
      EXPECT_EQ(cg->app_id, wg.app_id) << step;
      EXPECT_EQ(cg->salt, wg.salt) << step;
      ASSERT_EQ(cg->services.size(), wg.services.size()) << step;
      for (size_t i = 0; i < cg->services.size(); ++i) {
        EXPECT_EQ(cg->services[i].type, wg.services[i].type) << step;
        EXPECT_EQ(cg->services[i].channel, wg.services[i].channel) << step;
        EXPECT_EQ(cg->services[i].account, wg.services[i].account) << step;
        EXPECT_EQ(cg->services[i].uid, wg.services[i].uid) << step;
        EXPECT_EQ(cg->services[i].privileges, wg.services[i].privileges)
            << step;
      }
    }
  }

  FakeClock clock_{kStart};
  TokenService cold_{clock_};
  TokenService warm_{clock_};
  std::shared_ptr<RevocationIndex> revocations_ =
      std::make_shared<RevocationIndex>();
  std::vector<TenantKeys> tenants_;
  std::vector<std::shared_ptr<VerifiedTokenCache>> caches_;
};

TEST_P(VerifyCacheProperty, CachedAnswersEqualColdAnswers) {
  std::mt19937 rng(GetParam());
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  struct Issued {
    size_t tenant;
    std::string token;
    std::string id;
    std::string subject;
  };
  std::vector<Issued> pool;
  const std::vector<std::string> subjects = {"alice", "bob", "carol"};
  const std::vector<std::optional<std::string>> audiences = {
      std::nullopt, "svc", "api", "other"};
  const std::vector<std::string> rooms = {"room1", "room2"};
  int oks = 0;

  for (int step = 0; step < 3000; ++step) {
    const std::string where = absl::StrCat("seed ", GetParam(), " step ", step);
    const size_t op = pick(100);
    if (op < 12 || pool.empty()) {  // issue
      const size_t t = pick(tenants_.size());
      IssueInput input;
      input.subject = subjects[pick(subjects.size())];
      input.ttl = absl::Seconds(60 * (1 + pick(10)));
      if (tenants_[t].kind == Kind::kLiveKit && pick(2) == 0) {
        LiveKitGrants grants;
        grants.video.emplace();
        grants.video->room_join = true;
        grants.video->room = rooms[pick(2)];
        input.grants = grants;
      } else if (tenants_[t].kind == Kind::kAgora) {
        AgoraGrants grants;
        AgoraService rtc;
        rtc.type = 1;
        rtc.channel = rooms[pick(2)];
        // Join (1) for the token's life, publish audio (2) for 2 minutes.
        rtc.privileges = {{1, 0}, {2, 120}};
        grants.services.push_back(rtc);
        input.grants = grants;
      }
      absl::StatusOr<TokenInfo> issued = cold_.Issue(tenants_[t].name, input);
      if (issued.ok()) {
        pool.push_back({t, issued->token, issued->token_id, input.subject});
      }
    } else if (op < 75) {  // verify, mostly repeated tokens
      const Issued& it = pool[pick(std::min<size_t>(pool.size(), 6)) +
                              (pool.size() > 6 ? pool.size() - 6 : 0)];
      std::string token = it.token;
      std::string tenant = tenants_[it.tenant].name;
      const size_t variant = pick(10);
      if (variant == 0) {  // tampered: one payload character changed
        const size_t at = token.find('.') + 1 + pick(8);
        token[at] = token[at] == 'A' ? 'B' : 'A';
      } else if (variant == 1) {  // the other tenant
        tenant = tenants_[(it.tenant + 1) % tenants_.size()].name;
      }
      VerifyExpectations expect;
      // Mostly none for the vendors (which refuse or ignore an audience).
      if (tenants_[it.tenant].kind == Kind::kJwt || pick(4) == 0) {
        expect.audience = audiences[pick(audiences.size())];
      }
      if (tenants_[it.tenant].kind != Kind::kJwt) {
        if (pick(3) == 0) expect.channel = rooms[pick(2)];
        if (pick(4) == 0) expect.account = subjects[pick(subjects.size())];
        if (tenants_[it.tenant].kind == Kind::kAgora && pick(3) == 0) {
          expect.privileges = {{1, static_cast<uint16_t>(1 + pick(2))}};
        }
        if (pick(5) == 0) expect.expiry_grace = absl::Minutes(2);
      }
      absl::StatusOr<TokenInfo> c = cold_.Verify(tenant, token, expect);
      absl::StatusOr<TokenInfo> w = warm_.Verify(tenant, token, expect);
      ExpectSame(c, w, where);
      if (::testing::Test::HasFatalFailure()) return;
      oks += c.ok();
    } else if (op < 82) {  // clock
      if (pick(4) == 0) {
        clock_.Advance(-absl::Seconds(pick(40)));
      } else {
        clock_.Advance(absl::Seconds(pick(240)));
      }
    } else if (op < 88) {  // revoke
      const Issued& it = pool[pick(pool.size())];
      Revocation r;
      r.tenant = tenants_[it.tenant].name;
      r.revoked_at = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now()));
      r.expires_at = clock_.Now() + absl::Hours(24);
      const size_t kind = pick(10);
      if (kind < 6) {
        r.kind = Revocation::Kind::kTokenId;
        r.value = it.id;
      } else if (kind < 9) {
        r.kind = Revocation::Kind::kSubject;
        r.value = it.subject;
      } else {
        r.kind = Revocation::Kind::kTenant;
      }
      revocations_->Add(r);
    } else if (op < 94) {  // rotate: a new signing key beside the old ones
      TenantKeys& t = tenants_[pick(tenants_.size())];
      AddKey(t);
      Rebuild(t);
      Reload();
    } else if (op < 97) {  // retire the oldest key
      TenantKeys& t = tenants_[pick(tenants_.size())];
      if (t.keys.size() > 1) {
        t.keys.erase(t.keys.begin());
        Rebuild(t);
        Reload();
      }
    } else {  // reload with nothing changed
      Reload();
    }
  }
  uint64_t hits = 0;
  // Reload appends one cache per tenant, in tenants_ order.
  std::vector<uint64_t> tenant_hits(tenants_.size());
  for (size_t i = 0; i < caches_.size(); ++i) {
    hits += caches_[i]->hits();
    tenant_hits[i % tenants_.size()] += caches_[i]->hits();
  }
  // Every profile, the vendors' included, answered from its cache.
  for (size_t t = 0; t < tenants_.size(); ++t) {
    EXPECT_GT(tenant_hits[t], 10u) << tenants_[t].name;
  }
  // The comparison means something only if both answers were exercised.
  EXPECT_GT(hits, 100u);
  EXPECT_GT(oks, 100);
}

INSTANTIATE_TEST_SUITE_P(Seeds, VerifyCacheProperty,
                         ::testing::Values(1u, 2u, 3u, 4u));

}  // namespace
}  // namespace tokend
