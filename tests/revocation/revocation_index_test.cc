#include "core/revocation/revocation_index.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

Revocation Entry(Revocation::Kind kind, std::string value,
                 absl::Time revoked_at = kT0,
                 absl::Time expires_at = kT0 + absl::Hours(1)) {
  return {kind, "demo", std::move(value), revoked_at, expires_at};
}

TEST(RevocationIndexTest, TokenIdIsExactAndPerTenant) {
  RevocationIndex index;
  index.Add(Entry(Revocation::Kind::kTokenId, "jti-1"));
  EXPECT_TRUE(index.IsRevoked("demo", "jti-1", "alice", kT0));
  EXPECT_FALSE(index.IsRevoked("demo", "JTI-1", "alice", kT0));
  EXPECT_FALSE(index.IsRevoked("other", "jti-1", "alice", kT0));
}

TEST(RevocationIndexTest, SubjectCoversTokensIssuedUpToTheRevocation) {
  RevocationIndex index;
  index.Add(Entry(Revocation::Kind::kSubject, "alice"));
  EXPECT_TRUE(index.IsRevoked("demo", "any", "alice", kT0 - absl::Minutes(5)));
  EXPECT_TRUE(index.IsRevoked("demo", "any", "alice", kT0));
  EXPECT_FALSE(index.IsRevoked("demo", "any", "alice", kT0 + absl::Seconds(1)));
  EXPECT_FALSE(index.IsRevoked("demo", "any", "bob", kT0));
}

TEST(RevocationIndexTest, TenantCoversEverySubject) {
  RevocationIndex index;
  index.Add(Entry(Revocation::Kind::kTenant, ""));
  EXPECT_TRUE(index.IsRevoked("demo", "x", "bob", kT0));
  EXPECT_FALSE(index.IsRevoked("demo", "x", "bob", kT0 + absl::Seconds(1)));
  EXPECT_FALSE(index.IsRevoked("other", "x", "bob", kT0));
}

TEST(RevocationIndexTest, RevokedThroughIsTheLatestCoveringEntry) {
  RevocationIndex index;
  EXPECT_EQ(index.RevokedThrough("demo", "alice"), absl::InfinitePast());
  // Nothing revoked: not even a token without an issue time is covered.
  EXPECT_FALSE(index.IsRevoked("demo", "", "alice", absl::InfinitePast()));
  index.Add(Entry(Revocation::Kind::kSubject, "alice"));
  EXPECT_EQ(index.RevokedThrough("demo", "alice"), kT0);
  EXPECT_EQ(index.RevokedThrough("demo", "bob"), absl::InfinitePast());
  EXPECT_TRUE(index.IsRevoked("demo", "", "alice", absl::InfinitePast()));
  const absl::Time later = kT0 + absl::Milliseconds(1500);
  index.Add(Entry(Revocation::Kind::kTenant, "", later));
  EXPECT_EQ(index.RevokedThrough("demo", "alice"), later);
  EXPECT_EQ(index.RevokedThrough("demo", "bob"), later);
  EXPECT_EQ(index.RevokedThrough("demo", ""), later);
  EXPECT_EQ(index.RevokedThrough("other", "alice"), absl::InfinitePast());
  // Token times are whole seconds: the first token not covered is issued
  // in the next one.
  EXPECT_EQ(FirstUncoveredIssue(later), kT0 + absl::Seconds(2));
  EXPECT_EQ(FirstUncoveredIssue(kT0), kT0 + absl::Seconds(1));
}

TEST(RevocationIndexTest, PruneDropsOnlyExpiredEntries) {
  RevocationIndex index;
  index.Add(
      Entry(Revocation::Kind::kTokenId, "a", kT0, kT0 + absl::Minutes(1)));
  index.Add(Entry(Revocation::Kind::kTokenId, "b", kT0, kT0 + absl::Hours(1)));
  EXPECT_EQ(index.Prune(kT0 + absl::Minutes(1)), 1u);
  EXPECT_FALSE(index.IsRevoked("demo", "a", "", kT0));
  EXPECT_TRUE(index.IsRevoked("demo", "b", "", kT0));
  EXPECT_EQ(index.size(), 1u);
}

TEST(RevocationIndexTest, ReAddingKeepsTheLaterTimes) {
  RevocationIndex index;
  index.Add(Entry(Revocation::Kind::kSubject, "alice", kT0));
  index.Add(Entry(Revocation::Kind::kSubject, "alice", kT0 + absl::Minutes(5),
                  kT0 + absl::Hours(2)));
  EXPECT_TRUE(index.IsRevoked("demo", "", "alice", kT0 + absl::Minutes(4)));
  EXPECT_EQ(index.Prune(kT0 + absl::Hours(1)), 0u);
  EXPECT_EQ(index.size(), 1u);
}

TEST(RevocationIndexTest, ReplaceSwapsTheWholeView) {
  RevocationIndex index;
  index.Add(Entry(Revocation::Kind::kTokenId, "old"));
  index.Replace({Entry(Revocation::Kind::kTokenId, "new")});
  EXPECT_FALSE(index.IsRevoked("demo", "old", "", kT0));
  EXPECT_TRUE(index.IsRevoked("demo", "new", "", kT0));
}

TEST(RevocationIndexTest, HundredThousandEntriesAddedOneByOneStayExact) {
  RevocationIndex index;
  for (int i = 0; i < 100000; ++i) {
    index.Add(Entry(Revocation::Kind::kTokenId, absl::StrCat("jti-", i), kT0,
                    kT0 + absl::Minutes(1 + i % 2)));
  }
  EXPECT_EQ(index.size(), 100000u);
  EXPECT_TRUE(index.IsRevoked("demo", "jti-0", "alice", kT0));
  EXPECT_TRUE(index.IsRevoked("demo", "jti-99999", "alice", kT0));
  EXPECT_FALSE(index.IsRevoked("demo", "jti-100000", "alice", kT0));
  EXPECT_FALSE(index.IsRevoked("other", "jti-5", "alice", kT0));
  // Half expire after one minute.
  EXPECT_EQ(index.Prune(kT0 + absl::Minutes(1)), 50000u);
  EXPECT_EQ(index.size(), 50000u);
  EXPECT_FALSE(index.IsRevoked("demo", "jti-0", "", kT0));
  EXPECT_TRUE(index.IsRevoked("demo", "jti-1", "", kT0));
}

TEST(RevocationIndexTest, KindsWithoutEntriesAreSkippedButStillFound) {
  RevocationIndex index;
  EXPECT_FALSE(index.IsRevoked("demo", "j", "alice", kT0));
  index.Add(Entry(Revocation::Kind::kSubject, "alice"));
  EXPECT_TRUE(index.IsRevoked("demo", "j", "alice", kT0));
  index.Replace({Entry(Revocation::Kind::kTenant, "")});
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.IsRevoked("demo", "j", "bob", kT0));
  EXPECT_FALSE(index.IsRevoked("demo", "j", "alice", kT0 + absl::Seconds(1)));
}

}  // namespace
}  // namespace tokend
