// The renewal section against the real tokend binary: a reload that
// changes a tenant re-issues its open streams (POLICY_CHANGED), a removed
// tenant ends them, the per-caller and global subscription caps, the
// renewal metrics, and refused renewal values naming their field.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// One HS256 tenant "app" with the given ttl lines, plus `renewal` (a YAML
// flow mapping, or "").
std::string Config(const TempDir& dir, int http, const std::string& ttl,
                   const std::string& renewal, bool with_app = true) {
  const std::string app = with_app ? absl::StrCat(R"(
  - name: app
    profile: jwt
    issuer: https://issuer.test
    algorithm: HS256
    credentials: {secret: hs.secret}
    ttl: )",
                                                  ttl)
                                   : "";
  return absl::StrCat(
      R"(
listeners: {unix_socket: )",
      dir.File("s.sock"), R"(, http: 127.0.0.1:)", http,
      R"(}
tenants:)",
      app, R"(
  - name: other
    profile: jwt
    issuer: https://other.test
    algorithm: HS256
    credentials: {secret: hs.secret}
)",
      renewal.empty() ? "" : absl::StrCat("renewal: ", renewal, "\n"), R"(
limits: {rate_limit: {qps: 0}}
callers:
  - {uid: )",
      getuid(), R"(, issue: ["*"]}
)");
}

class Tokend {
 public:
  // Starts tokend on the config `yaml` makes for its directory; check ok()
  // before use.
  explicit Tokend(const std::function<std::string(const TempDir&)>& yaml) {
    dir_.Write("hs.secret", "0123456789abcdef0123456789abcdef-renewal");
    dir_.Write("tokend.yaml", yaml(dir_));
    process_ = std::make_unique<TokendProcess>(
        std::vector<std::string>{"--config=" + dir_.File("tokend.yaml")},
        dir_.File("log"));
    ok_ = WaitServing("unix:" + dir_.File("s.sock"));
    if (ok_) {
      stub_ = v1::TokenService::NewStub(Connect("unix:" + dir_.File("s.sock")));
    }
  }
  ~Tokend() {
    process_->Signal(SIGTERM);
    process_->WaitExit();
  }

  bool ok() const { return ok_; }
  const TempDir& dir() const { return dir_; }
  TokendProcess& process() { return *process_; }
  v1::TokenService::Stub& stub() { return *stub_; }

 private:
  TempDir dir_;
  std::unique_ptr<TokendProcess> process_;
  std::unique_ptr<v1::TokenService::Stub> stub_;
  bool ok_ = false;
};

// An open SubscribeToken stream with a generous deadline.
struct Subscription {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::TokenEvent>> reader;

  Subscription(v1::TokenService::Stub& stub, const std::string& tenant) {
    AddMarker(&context);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    v1::SubscribeTokenRequest request;
    request.set_tenant(tenant);
    request.mutable_spec()->set_tenant(tenant);
    request.mutable_spec()->mutable_subject()->set_user_id("renewal-test");
    reader = stub.SubscribeToken(&context, request);
  }
  ~Subscription() {
    if (finished) return;
    context.TryCancel();
    reader->Finish();
  }
  grpc::Status Finish() {
    finished = true;
    return reader->Finish();
  }
  bool finished = false;
};

// The first sample of `name` (with its labels, e.g. `x{a="b"}`) in the
// exposition text, or -1 when absent.
double Sample(int http, const std::string& name) {
  const std::string text = HttpGet(http, "/metrics");
  const std::string key = "\n" + name + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + key.size(), nullptr);
}

TEST(RenewalServerTest, ReloadChangingTheTtlSendsPolicyChanged) {
  const int http = FreePort();
  Tokend tokend([&](const TempDir& d) {
    return Config(d, http, "{default: 60s, max: 10m}", "{rotation_window: 1s}");
  });
  ASSERT_TRUE(tokend.ok()) << tokend.process().Log();
  Subscription sub(tokend.stub(), "app");
  v1::TokenEvent first;
  ASSERT_TRUE(sub.reader->Read(&first));
  EXPECT_EQ(first.reason(), v1::EVENT_REASON_INITIAL);
  EXPECT_EQ(TimeOf(first.expires_at()) - TimeOf(first.issued_at()),
            absl::Seconds(60));

  tokend.dir().Write("tokend.yaml",
                     Config(tokend.dir(), http, "{default: 90s, max: 10m}",
                            "{rotation_window: 1s}"));
  v1::TokenEvent next;
  ASSERT_TRUE(sub.reader->Read(&next)) << tokend.process().Log();
  EXPECT_EQ(next.reason(), v1::EVENT_REASON_POLICY_CHANGED);
  EXPECT_EQ(next.sequence(), 2u);
  EXPECT_NE(next.token_id(), first.token_id());
  EXPECT_EQ(TimeOf(next.expires_at()) - TimeOf(next.issued_at()),
            absl::Seconds(90));
  EXPECT_EQ(
      Sample(http,
             "tokend_renewals_delivered_total{reason=\"policy_changed\"}"),
      1);
}

TEST(RenewalServerTest, ReloadWithoutTheTenantEndsItsStreams) {
  const int http = FreePort();
  Tokend tokend([&](const TempDir& d) {
    return Config(d, http, "{default: 60s, max: 10m}", "");
  });
  ASSERT_TRUE(tokend.ok()) << tokend.process().Log();
  Subscription gone(tokend.stub(), "app");
  Subscription stays(tokend.stub(), "other");
  v1::TokenEvent event;
  ASSERT_TRUE(gone.reader->Read(&event));
  ASSERT_TRUE(stays.reader->Read(&event));

  tokend.dir().Write("tokend.yaml",
                     Config(tokend.dir(), http, "", "", /*with_app=*/false));
  EXPECT_FALSE(gone.reader->Read(&event));
  const grpc::Status status = gone.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "INVALID_ARGUMENT");
  EXPECT_THAT(status.error_message(), HasSubstr("'app' was removed"));
  // The other tenant's stream is untouched.
  EXPECT_EQ(Sample(http, "tokend_subscriptions_active"), 1);
}

TEST(RenewalServerTest, PerCallerCapIsResourceExhausted) {
  const int http = FreePort();
  Tokend tokend([&](const TempDir& d) {
    return Config(d, http, "{default: 60s, max: 10m}",
                  "{max_subscriptions_per_caller: 2}");
  });
  ASSERT_TRUE(tokend.ok()) << tokend.process().Log();
  Subscription a(tokend.stub(), "app");
  Subscription b(tokend.stub(), "other");
  v1::TokenEvent event;
  ASSERT_TRUE(a.reader->Read(&event));
  ASSERT_TRUE(b.reader->Read(&event));
  Subscription c(tokend.stub(), "app");
  EXPECT_FALSE(c.reader->Read(&event));
  const grpc::Status status = c.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "RESOURCE_EXHAUSTED");
  EXPECT_THAT(status.error_message(),
              HasSubstr("caller holds its maximum of 2"));
  EXPECT_EQ(Sample(http, "tokend_subscriptions_refused_total{cap=\"caller\"}"),
            1);
  EXPECT_EQ(Sample(http, "tokend_subscriptions_refused_total{cap=\"global\"}"),
            0);
}

TEST(RenewalServerTest, GlobalCapIsResourceExhausted) {
  const int http = FreePort();
  Tokend tokend([&](const TempDir& d) {
    return Config(d, http, "{default: 60s, max: 10m}",
                  "{max_subscriptions: 1}");
  });
  ASSERT_TRUE(tokend.ok()) << tokend.process().Log();
  Subscription a(tokend.stub(), "app");
  v1::TokenEvent event;
  ASSERT_TRUE(a.reader->Read(&event));
  Subscription b(tokend.stub(), "other");
  EXPECT_FALSE(b.reader->Read(&event));
  const grpc::Status status = b.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).reason, "RESOURCE_EXHAUSTED");
  EXPECT_THAT(status.error_message(),
              HasSubstr("server holds its maximum of 1 subscriptions"));
  EXPECT_EQ(Sample(http, "tokend_subscriptions_refused_total{cap=\"global\"}"),
            1);
}

TEST(RenewalServerTest, MetricsShowARenewal) {
  const int http = FreePort();
  Tokend tokend([&](const TempDir& d) {
    return Config(d, http, "{default: 3s, max: 10m}", "");
  });
  ASSERT_TRUE(tokend.ok()) << tokend.process().Log();
  Subscription sub(tokend.stub(), "app");
  v1::TokenEvent first;
  v1::TokenEvent renewed;
  ASSERT_TRUE(sub.reader->Read(&first));
  ASSERT_TRUE(sub.reader->Read(&renewed)) << tokend.process().Log();
  EXPECT_EQ(renewed.reason(), v1::EVENT_REASON_SCHEDULED);
  EXPECT_LT(TimeOf(renewed.issued_at()), TimeOf(first.expires_at()));

  EXPECT_EQ(Sample(http, "tokend_subscriptions_active"), 1);
  EXPECT_EQ(Sample(http, "tokend_renewals_delivered_total{reason=\"initial\"}"),
            1);
  EXPECT_EQ(
      Sample(http, "tokend_renewals_delivered_total{reason=\"scheduled\"}"), 1);
  // The lag histogram counts renewals, not first events.
  EXPECT_EQ(Sample(http, "tokend_renewal_lag_seconds_count"), 1);
  EXPECT_GE(Sample(http, "tokend_renewal_lag_seconds_sum"), 0);
  EXPECT_EQ(Sample(http, "tokend_renewal_retries_total"), 0);
  EXPECT_EQ(Sample(http, "tokend_subscriptions_ended_revoked_total"), 0);
  EXPECT_EQ(Sample(http, "tokend_subscription_writes_coalesced_total"), 0);
}

struct BadValue {
  std::string renewal;
  std::string field;
};

class BadRenewalConfigTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadRenewalConfigTest, RefusedAtStartNamingTheField) {
  TempDir dir;
  dir.Write("hs.secret", "0123456789abcdef0123456789abcdef-renewal");
  dir.Write("bad.yaml",
            Config(dir, FreePort(), "{default: 60s}", GetParam().renewal));
  TokendProcess p({"--config=" + dir.File("bad.yaml")}, dir.File("log"));
  EXPECT_EQ(p.WaitExit(), 1);
  EXPECT_THAT(p.Log(), HasSubstr(absl::StrCat(dir.File("bad.yaml"), ": ",
                                              GetParam().field, ": ")));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, BadRenewalConfigTest,
    ::testing::Values(
        BadValue{"{refresh_fraction: 1.2}", "renewal.refresh_fraction"},
        BadValue{"{jitter: 0.5}", "renewal.jitter"},
        BadValue{"{max_lead_fraction: 0}", "renewal.max_lead_fraction"},
        BadValue{"{retry_initial: 0s}", "renewal.retry_initial"},
        BadValue{"{retry_initial: 10s, retry_max: 5s}", "renewal.retry_max"},
        BadValue{"{min_lead: soon}", "renewal.min_lead"},
        BadValue{"{max_subscriptions_per_caller: 0}",
                 "renewal.max_subscriptions_per_caller"},
        BadValue{"{max_subscriptions: -1}", "renewal.max_subscriptions"},
        BadValue{"{rotation_window: -5s}", "renewal.rotation_window"},
        BadValue{"{refresh_fractoin: 0.7}", "renewal.refresh_fractoin"}));

TEST(RenewalServerTest, BadRenewalReloadKeepsTheOldSchedule) {
  const int http = FreePort();
  Tokend tokend([&](const TempDir& d) {
    return Config(d, http, "{default: 60s, max: 10m}", "");
  });
  ASSERT_TRUE(tokend.ok()) << tokend.process().Log();
  Subscription sub(tokend.stub(), "app");
  v1::TokenEvent event;
  ASSERT_TRUE(sub.reader->Read(&event));
  tokend.dir().Write(
      "tokend.yaml",
      Config(tokend.dir(), http, "{default: 60s, max: 10m}", "{jitter: 0.9}"));
  ASSERT_TRUE(WaitFor([&] {
    return Sample(http, "tokend_config_reloads_total{result=\"failed\"}") >= 1;
  })) << tokend.process().Log();
  EXPECT_THAT(tokend.process().Log(), HasSubstr("renewal.jitter"));
  EXPECT_EQ(Sample(http, "tokend_subscriptions_active"), 1);
}

}  // namespace
}  // namespace tokend::testing
