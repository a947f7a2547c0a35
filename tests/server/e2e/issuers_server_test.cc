// Trusted issuers in a real tokend, against the real local OIDC issuer
// (tests/harness/oidc_issuer.py): /readyz waits for the first successful
// fetch and names each issuer; an issuer down at start keeps tokend unready
// until it comes up; a rotation at the issuer is picked up on its
// Cache-Control schedule; a failing refetch keeps the last good keys (and
// the metrics show the failures); a reload with the same issuers fetches
// nothing; a bad issuers config stops tokend at start naming the field,
// and a bad reload keeps the running issuers. Every wait polls an
// observable outcome with a deadline.
#include <signal.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/oidc_issuer_process.h"
#include "tests/server/e2e/tokend_process.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;

// `refresh` is the issuer's refresh section (YAML flow mapping).
std::string Config(
    const TempDir& dir, int http_port, int issuer_port,
    const std::string& refresh = "{backoff_initial: 100ms, backoff_max: 200ms}",
    const std::string& extra = "") {
  return absl::StrCat(R"(
listeners:
  unix_socket: )",
                      dir.File("run/tokend.sock"), R"(
  http: 127.0.0.1:)",
                      http_port, R"(
state_dir: )",
                      dir.File("state"), R"(
tenants:
  - name: app
    profile: jwt
    issuer: https://tokend.test
    audience: svc
    keys: {generate: true}
issuers:
  - name: corp
    issuer: http://127.0.0.1:)",
                      issuer_port, R"(
    audiences: [tokend]
    keys:
      discovery: http://127.0.0.1:)",
                      issuer_port, R"(/.well-known/openid-configuration
      allow_http: true
    refresh: )",
                      refresh, R"(
exchange:
  rules:
    - name: corp-app
      match: {issuers: [corp]}
      tenant: app
      grants: {jwt: {audiences: [svc]}}
)",
                      extra);
}

HttpAnswer Get(int port, const std::string& path) {
  return HttpRequest(port, "GET", path);
}

std::optional<double> Metric(int port, const std::string& series) {
  return MetricSample(Get(port, "/metrics").body, series);
}

bool Ready(int port) {
  const HttpAnswer readyz = Get(port, "/readyz");
  return readyz.status == 200 &&
         absl::StrContains(readyz.body, "issuer corp: ready");
}

class IssuersServerTest : public ::testing::Test {
 protected:
  void Start(const std::string& config) {
    dir_.Write("tokend.yaml", config);
    tokend_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config", dir_.File("tokend.yaml")},
        dir_.File("tokend.log"));
    ASSERT_TRUE(WaitFor([&] { return Get(http_, "/healthz").status == 200; }))
        << tokend_->Log();
  }
  // SIGHUP, then wait for the outcome's log line (the n-th of its kind).
  void Reload(const std::string& config, const std::string& line, int nth) {
    dir_.Write("tokend.yaml", config);
    tokend_->Signal(SIGHUP);
    ASSERT_TRUE(WaitFor([&] {
      const std::string log = tokend_->Log();
      int count = 0;
      for (size_t at = log.find(line); at != std::string::npos;
           at = log.find(line, at + 1)) {
        ++count;
      }
      return count >= nth;
    })) << tokend_->Log();
  }

  TempDir dir_;
  int http_ = FreePort();
  std::unique_ptr<TokendProcess> tokend_;
};

TEST_F(IssuersServerTest, ReadyOnlyOnceTheIssuerHasAnsweredAndAfterAnOutage) {
  // The issuer is down at start: tokend serves, /readyz says why it is not
  // ready.
  const int issuer_port = FreePort();
  Start(Config(dir_, http_, issuer_port));
  ASSERT_TRUE(WaitFor([&] {
    const HttpAnswer readyz = Get(http_, "/readyz");
    return readyz.status == 503 &&
           absl::StrContains(readyz.body, "issuer corp: NOT READY") &&
           absl::StrContains(readyz.body, "failed fetch");
  })) << Get(http_, "/readyz").body;
  EXPECT_EQ(Metric(http_, R"(tokend_issuer_jwks_ready{issuer="corp"})"), 0);

  // It comes up: ready, with the issuer's line, keys and success time.
  OidcIssuerProcess issuer(issuer_port);
  ASSERT_TRUE(issuer.ok());
  ASSERT_TRUE(WaitFor([&] { return Ready(http_); }))
      << Get(http_, "/readyz").body;
  EXPECT_THAT(Get(http_, "/readyz").body,
              HasSubstr("issuer corp: ready (1 key"));
  EXPECT_EQ(Metric(http_, R"(tokend_issuer_jwks_keys{issuer="corp"})"), 1);
  EXPECT_GT(
      Metric(
          http_,
          R"(tokend_issuer_jwks_last_success_timestamp_seconds{issuer="corp"})")
          .value_or(0),
      0);
  EXPECT_GE(
      Metric(
          http_,
          R"(tokend_issuer_jwks_fetch_failures_total{issuer="corp",reason="unavailable"})")
          .value_or(0),
      1);
  EXPECT_EQ(issuer.Count("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(issuer.Count("/jwks"), 1);
}

// An issuer with required_for_readiness: false is reported but does not
// hold readiness up.
TEST_F(IssuersServerTest, AnOptionalIssuerDownLeavesTokendReady) {
  std::string config = Config(dir_, http_, FreePort());
  const std::string audiences = "    audiences: [tokend]\n";
  config.replace(config.find(audiences), audiences.size(),
                 audiences + "    required_for_readiness: false\n");
  Start(config);
  ASSERT_TRUE(WaitFor([&] {
    const HttpAnswer readyz = Get(http_, "/readyz");
    return readyz.status == 200 &&
           absl::StrContains(readyz.body, "issuer corp: NOT READY") &&
           absl::StrContains(readyz.body, "failed fetch");
  })) << Get(http_, "/readyz").body;
}

TEST_F(IssuersServerTest, ARotationIsPickedUpOnTheCacheControlSchedule) {
  OidcIssuerProcess issuer;
  ASSERT_TRUE(issuer.ok());
  ASSERT_TRUE(issuer.SetCacheControl("max-age=1"));
  Start(Config(dir_, http_, issuer.port(),
               "{min_refresh_interval: 1s, refresh_jitter: 0}"));
  ASSERT_TRUE(WaitFor([&] { return Ready(http_); }));
  ASSERT_FALSE(issuer.Rotate(/*keep_old=*/true).empty());
  ASSERT_TRUE(WaitFor([&] {
    return Metric(http_, R"(tokend_issuer_jwks_keys{issuer="corp"})") == 2;
  }));
  // On schedule, not in a storm: about one JWKS fetch per second.
  const int fetches = issuer.Count("/jwks");
  EXPECT_GE(fetches, 2);
  EXPECT_LE(fetches, 20);
}

TEST_F(IssuersServerTest, AFailingRefetchKeepsTheLastGoodKeys) {
  OidcIssuerProcess issuer;
  ASSERT_TRUE(issuer.ok());
  ASSERT_TRUE(issuer.SetCacheControl("max-age=1"));
  Start(Config(dir_, http_, issuer.port(),
               "{min_refresh_interval: 1s, backoff_initial: 100ms, "
               "backoff_max: 200ms}"));
  ASSERT_TRUE(WaitFor([&] { return Ready(http_); }));
  ASSERT_TRUE(issuer.SetMode("jwks", "fail", R"("status": 500)"));
  ASSERT_TRUE(WaitFor([&] {
    return Metric(
               http_,
               R"(tokend_issuer_jwks_fetch_failures_total{issuer="corp",reason="unavailable"})")
               .value_or(0) >= 2;
  })) << Get(http_, "/metrics").body;
  // HTML (a login page served with 200) and a body over the cap fail with
  // their own reasons.
  ASSERT_TRUE(issuer.SetMode("jwks", "html"));
  ASSERT_TRUE(WaitFor([&] {
    return Metric(
               http_,
               R"(tokend_issuer_jwks_fetch_failures_total{issuer="corp",reason="key_set_invalid"})")
               .value_or(0) >= 1;
  })) << Get(http_, "/metrics").body;
  ASSERT_TRUE(issuer.SetMode("jwks", "huge", R"("bytes": 1048576)"));
  ASSERT_TRUE(WaitFor([&] {
    return Metric(
               http_,
               R"(tokend_issuer_jwks_fetch_failures_total{issuer="corp",reason="resource_exhausted"})")
               .value_or(0) >= 1;
  })) << Get(http_, "/metrics").body;
  // Garbage and an empty set are failures too; nothing is installed.
  for (const char* mode : {"garbage", "empty"}) {
    ASSERT_TRUE(issuer.SetMode("jwks", mode));
    const double before =
        Metric(http_, R"(tokend_issuer_jwks_fetches_total{issuer="corp"})")
            .value_or(0);
    ASSERT_TRUE(WaitFor([&] {
      return Metric(http_, R"(tokend_issuer_jwks_fetches_total{issuer="corp"})")
                 .value_or(0) >= before + 2;
    })) << mode;
    EXPECT_EQ(Metric(http_, R"(tokend_issuer_jwks_keys{issuer="corp"})"), 1)
        << mode;
  }
  EXPECT_EQ(Metric(http_, R"(tokend_issuer_jwks_keys{issuer="corp"})"), 1);
  const HttpAnswer readyz = Get(http_, "/readyz");
  EXPECT_EQ(readyz.status, 200);
  EXPECT_THAT(readyz.body, HasSubstr("issuer corp: ready"));
  EXPECT_THAT(readyz.body, HasSubstr("failed fetches"));
}

TEST_F(IssuersServerTest, AReloadWithTheSameIssuersFetchesNothing) {
  OidcIssuerProcess issuer;
  ASSERT_TRUE(issuer.ok());
  const std::string config = Config(dir_, http_, issuer.port());
  Start(config);
  ASSERT_TRUE(WaitFor([&] { return Ready(http_); }));
  const int jwks = issuer.Count("/jwks");
  const int discovery = issuer.Count("/.well-known/openid-configuration");
  ASSERT_EQ(jwks, 1);
  // Another section changes; the issuer does not.
  Reload(absl::StrCat(config, "logging: {level: debug}\n"), "config reloaded",
         1);
  EXPECT_TRUE(Ready(http_)) << Get(http_, "/readyz").body;
  Reload(config, "config reloaded", 2);
  EXPECT_TRUE(Ready(http_));
  EXPECT_EQ(issuer.Count("/jwks"), jwks);
  EXPECT_EQ(issuer.Count("/.well-known/openid-configuration"), discovery);
}

TEST_F(IssuersServerTest, ABadReloadKeepsTheRunningIssuers) {
  OidcIssuerProcess issuer;
  ASSERT_TRUE(issuer.ok());
  const std::string config = Config(dir_, http_, issuer.port());
  Start(config);
  ASSERT_TRUE(WaitFor([&] { return Ready(http_); }));
  std::string bad = config;
  bad.replace(bad.find("match: {issuers: [corp]}"),
              std::string("match: {issuers: [corp]}").size(),
              "match: {issuers: [nobody]}");
  Reload(bad, "config reload refused", 1);
  EXPECT_THAT(tokend_->Log(), HasSubstr("exchange.rules[0].match.issuers[0]"));
  EXPECT_TRUE(Ready(http_)) << Get(http_, "/readyz").body;
  EXPECT_EQ(Metric(http_, "tokend_config_last_reload_successful"), 0);
  EXPECT_EQ(issuer.Count("/jwks"), 1);
}

TEST_F(IssuersServerTest, ABadIssuersConfigStopsTokendNamingTheField) {
  std::string config = Config(dir_, http_, FreePort());
  config.replace(config.find("      allow_http: true\n"),
                 std::string("      allow_http: true\n").size(), "");
  dir_.Write("tokend.yaml", config);
  TokendProcess tokend({"--config", dir_.File("tokend.yaml")},
                       dir_.File("tokend.log"));
  EXPECT_NE(tokend.WaitExit(), 0);
  EXPECT_THAT(tokend.Log(), HasSubstr("issuers[0].keys"));
  // --check-config says the same.
  TokendProcess check({"--check-config", "--config", dir_.File("tokend.yaml")},
                      dir_.File("check.log"));
  EXPECT_NE(check.WaitExit(), 0);
  EXPECT_THAT(check.Log(), HasSubstr("issuers[0].keys"));
}

}  // namespace
}  // namespace tokend::testing
