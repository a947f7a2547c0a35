// The verified-token cache on its own: bounds, eviction order, collisions,
// max age and expiry, and which profile may hit. Real profiles and keys
// authenticate the entries; nothing is mocked.
#include "core/cache/verified_token_cache.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/profiles/jwt_profile.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767225600);

std::shared_ptr<const Profile> MakeProfile() {
  JwtProfileConfig config;
  config.issuer = "https://tokend.test";
  config.audiences = {"svc"};
  config.signing_key = (*GenerateKey(Algorithm::kHS256))->WithKid("h1");
  config.ttl = {absl::Minutes(10), absl::Hours(1)};
  absl::StatusOr<std::shared_ptr<const Profile>> profile =
      NewJwtProfile(config);
  EXPECT_TRUE(profile.ok()) << profile.status();
  return *profile;
}

struct Minted {
  std::string token;
  std::shared_ptr<const VerifiedToken> verified;
};

Minted Mint(const Profile& profile, absl::Duration ttl = absl::Minutes(10),
            std::string subject = "alice") {
  IssueInput input;
  input.subject = std::move(subject);
  input.ttl = ttl;
  absl::StatusOr<TokenInfo> issued = profile.Issue(input, kNow);
  EXPECT_TRUE(issued.ok()) << issued.status();
  absl::StatusOr<VerifiedToken> verified = profile.Authenticate(issued->token);
  EXPECT_TRUE(verified.ok()) << verified.status();
  return {issued->token,
          std::make_shared<const VerifiedToken>(*std::move(verified))};
}

uint64_t ConstantHash(absl::string_view) { return 42; }

TEST(VerifiedTokenCache, HitsOnlyTheExactBytes) {
  std::shared_ptr<const Profile> profile = MakeProfile();
  VerifiedTokenCache cache({});
  Minted a = Mint(*profile);
  EXPECT_EQ(cache.Lookup(a.token, *profile, kNow), nullptr);
  cache.Insert(a.token, profile, a.verified, kNow);
  EXPECT_EQ(cache.Lookup(a.token, *profile, kNow), a.verified);
  std::string other = a.token;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(cache.Lookup(other, *profile, kNow), nullptr);
  EXPECT_EQ(cache.Lookup(a.token + "x", *profile, kNow), nullptr);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_EQ(cache.entries(), 1);
  EXPECT_EQ(cache.bytes(), static_cast<int64_t>(VerifiedTokenCache::EntryBytes(
                               a.token, *a.verified)));
}

TEST(VerifiedTokenCache, EqualHashesNeverForgeAHit) {
  std::shared_ptr<const Profile> profile = MakeProfile();
  VerifiedTokenCache cache({});
  cache.SetHashForTesting(&ConstantHash);
  Minted a = Mint(*profile, absl::Minutes(10), "alice");
  Minted b = Mint(*profile, absl::Minutes(10), "bob");
  cache.Insert(a.token, profile, a.verified, kNow);
  EXPECT_EQ(cache.Lookup(b.token, *profile, kNow), nullptr);
  cache.Insert(b.token, profile, b.verified, kNow);
  EXPECT_EQ(cache.Lookup(a.token, *profile, kNow), a.verified);
  EXPECT_EQ(cache.Lookup(b.token, *profile, kNow), b.verified);
  EXPECT_EQ(cache.entries(), 2);
}

TEST(VerifiedTokenCache, BoundedByEntriesLeastRecentlyUsedFirst) {
  std::shared_ptr<const Profile> profile = MakeProfile();
  VerifyCacheLimits limits;
  limits.max_entries = 3;
  VerifiedTokenCache cache(limits);
  std::vector<Minted> minted;
  for (int i = 0; i < 4; ++i) {
    minted.push_back(Mint(*profile, absl::Minutes(10), absl::StrCat("u", i)));
  }
  for (int i = 0; i < 3; ++i) {
    cache.Insert(minted[i].token, profile, minted[i].verified, kNow);
  }
  // u0 is used again, so u1 is the least recently used.
  ASSERT_NE(cache.Lookup(minted[0].token, *profile, kNow), nullptr);
  cache.Insert(minted[3].token, profile, minted[3].verified, kNow);
  EXPECT_EQ(cache.entries(), 3);
  EXPECT_EQ(cache.evictions(), 1u);
  EXPECT_EQ(cache.Lookup(minted[1].token, *profile, kNow), nullptr);
  EXPECT_NE(cache.Lookup(minted[0].token, *profile, kNow), nullptr);
  EXPECT_NE(cache.Lookup(minted[2].token, *profile, kNow), nullptr);
  EXPECT_NE(cache.Lookup(minted[3].token, *profile, kNow), nullptr);
}

TEST(VerifiedTokenCache, BoundedByBytes) {
  std::shared_ptr<const Profile> profile = MakeProfile();
  Minted a = Mint(*profile, absl::Minutes(10), "a");
  Minted b = Mint(*profile, absl::Minutes(10), "b");
  Minted c = Mint(*profile, absl::Minutes(10), "c");
  const size_t one = VerifiedTokenCache::EntryBytes(a.token, *a.verified);
  VerifyCacheLimits limits;
  limits.max_bytes = 2 * one + one / 2;  // room for two
  VerifiedTokenCache cache(limits);
  cache.Insert(a.token, profile, a.verified, kNow);
  cache.Insert(b.token, profile, b.verified, kNow);
  cache.Insert(c.token, profile, c.verified, kNow);
  EXPECT_EQ(cache.entries(), 2);
  EXPECT_LE(cache.bytes(), static_cast<int64_t>(limits.max_bytes));
  EXPECT_EQ(cache.evictions(), 1u);
  EXPECT_EQ(cache.Lookup(a.token, *profile, kNow), nullptr);
  EXPECT_NE(cache.Lookup(c.token, *profile, kNow), nullptr);

  // An entry larger than the whole bound is not stored at all.
  VerifyCacheLimits tiny;
  tiny.max_bytes = one - 1;
  VerifiedTokenCache small(tiny);
  small.Insert(a.token, profile, a.verified, kNow);
  EXPECT_EQ(small.entries(), 0);
  EXPECT_EQ(small.bytes(), 0);
}

TEST(VerifiedTokenCache, MaxAgeEndsAnEntry) {
  std::shared_ptr<const Profile> profile = MakeProfile();
  VerifyCacheLimits limits;
  limits.max_age = absl::Minutes(1);
  VerifiedTokenCache cache(limits);
  Minted a = Mint(*profile, absl::Hours(1));
  cache.Insert(a.token, profile, a.verified, kNow);
  EXPECT_NE(cache.Lookup(a.token, *profile, kNow + absl::Seconds(59)), nullptr);
  EXPECT_EQ(cache.Lookup(a.token, *profile, kNow + absl::Seconds(60)), nullptr);
  EXPECT_EQ(cache.entries(), 0);
  EXPECT_EQ(cache.bytes(), 0);
  EXPECT_EQ(cache.evictions(), 1u);
}

TEST(VerifiedTokenCache, TokenExpiryEndsAnEntry) {
  std::shared_ptr<const Profile> profile = MakeProfile();
  VerifiedTokenCache cache({});
  Minted a = Mint(*profile, absl::Seconds(30));
  cache.Insert(a.token, profile, a.verified, kNow);
  EXPECT_NE(cache.Lookup(a.token, *profile, kNow + absl::Seconds(29)), nullptr);
  EXPECT_EQ(cache.Lookup(a.token, *profile, kNow + absl::Seconds(30)), nullptr);
  // Already expired: not stored.
  cache.Insert(a.token, profile, a.verified, kNow + absl::Seconds(30));
  EXPECT_EQ(cache.entries(), 0);
}

TEST(VerifiedTokenCache, AnotherProfileNeverHits) {
  // A reload builds new profiles (and a key rotation new key sets): an
  // entry authenticated by the old one is dropped, not served.
  std::shared_ptr<const Profile> old_profile = MakeProfile();
  std::shared_ptr<const Profile> new_profile = MakeProfile();
  VerifiedTokenCache cache({});
  Minted a = Mint(*old_profile);
  cache.Insert(a.token, old_profile, a.verified, kNow);
  EXPECT_EQ(cache.Lookup(a.token, *new_profile, kNow), nullptr);
  EXPECT_EQ(cache.entries(), 0);
  EXPECT_EQ(cache.Lookup(a.token, *old_profile, kNow), nullptr);
}

}  // namespace
}  // namespace tokend
