// tenants[].verify_cache: parsing (bad values refused naming the field) and
// what the tenant is built with (server/runtime/tenant_builder.cc): the
// bounds given, the defaults when absent, no cache when any bound is 0.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/cache/verified_token_cache.h"
#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;

// A jwt tenant whose verify_cache block is `cache` (YAML, indented under
// the tenant; empty: none).
std::string Yaml(const std::string& cache) {
  return absl::StrCat(R"(
tenants:
  - name: demo
    profile: jwt
    issuer: https://cache.test
    algorithm: HS256
    credentials: {secret: "env:VERIFY_CACHE_CONFIG_TEST_SECRET"}
)",
                      cache, R"(
callers:
  - name: test
    uid: 4242
    verify: ["*"]
)");
}

class VerifyCacheConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("VERIFY_CACHE_CONFIG_TEST_SECRET",
           "0123456789abcdef0123456789abcdef", 1);
  }
  // The demo tenant's cache as built from `cache`.
  std::shared_ptr<VerifiedTokenCache> Built(const std::string& cache) {
    absl::StatusOr<Config> config = ParseConfig(Yaml(cache), "/tmp/c.yaml");
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return nullptr;
    auto snapshot = ConfigSnapshot::Build(*config);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return nullptr;
    const Tenant* tenant = (*snapshot)->tenants()->Find("demo");
    EXPECT_NE(tenant, nullptr);
    return tenant != nullptr ? tenant->verify_cache : nullptr;
  }
  absl::Status Error(const std::string& cache) {
    return ParseConfig(Yaml(cache), "/tmp/c.yaml").status();
  }
};

TEST_F(VerifyCacheConfigTest, DefaultsWhenAbsent) {
  std::shared_ptr<VerifiedTokenCache> cache = Built("");
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->limits().max_entries, 10000u);
  EXPECT_EQ(cache->limits().max_bytes, size_t{16} << 20);
  EXPECT_EQ(cache->limits().max_age, absl::Minutes(10));
}

TEST_F(VerifyCacheConfigTest, BoundsAsGiven) {
  std::shared_ptr<VerifiedTokenCache> cache = Built(
      "    verify_cache: {max_entries: 5, max_bytes: 4096, max_age: 30s}");
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->limits().max_entries, 5u);
  EXPECT_EQ(cache->limits().max_bytes, 4096u);
  EXPECT_EQ(cache->limits().max_age, absl::Seconds(30));
}

TEST_F(VerifyCacheConfigTest, AnyZeroBoundTurnsTheCacheOff) {
  EXPECT_EQ(Built("    verify_cache: {max_entries: 0}"), nullptr);
  EXPECT_EQ(Built("    verify_cache: {max_bytes: 0}"), nullptr);
  EXPECT_EQ(Built("    verify_cache: {max_age: 0s}"), nullptr);
}

TEST_F(VerifyCacheConfigTest, BadValuesNameTheField) {
  struct Case {
    std::string cache;
    std::string field;
  };
  const Case cases[] = {
      {"    verify_cache: {max_entries: -1}", "verify_cache.max_entries"},
      {"    verify_cache: {max_entries: 10000001}", "verify_cache.max_entries"},
      {"    verify_cache: {max_entries: lots}", "verify_cache.max_entries"},
      {"    verify_cache: {max_bytes: -5}", "verify_cache.max_bytes"},
      {"    verify_cache: {max_age: 25h}", "verify_cache.max_age"},
      {"    verify_cache: {max_age: soon}", "verify_cache.max_age"},
      {"    verify_cache: {max_size: 5}", "verify_cache.max_size"},
  };
  for (const Case& c : cases) {
    absl::Status status = Error(c.cache);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.cache;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.field)) << c.cache;
  }
}

}  // namespace
}  // namespace tokend
