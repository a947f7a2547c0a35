// DoWatchJwks (server/api/key_service_impl.h) in process: whether a
// WatchJwks stream may start and what it sends first, from a ConfigSnapshot
// built in the test and a StreamRegistry of fake streams. No clock is
// involved (the plan depends on the snapshot and the registry only). The
// stream itself (later changes, shutdown) is keys_server_test, end to end.
#include <cstdlib>
#include <memory>
#include <string>

#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/call_gate.h"
#include "server/api/key_service_impl.h"
#include "server/api/stream_registry.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;

constexpr char kConfig[] = R"(
tenants:
  - name: signed
    profile: jwt
    issuer: https://signed.test
    keys: {generate: true, jwks_max_age: 90s}
  - name: hmac
    profile: jwt
    issuer: https://hmac.test
    algorithm: HS256
    credentials: {secret: "env:WATCH_JWKS_TEST_SECRET"}
limits:
  max_streams: 2
)";

// A stream that only has to exist in the registry.
class FakeStream final : public StreamRegistry::Stream {
 public:
  void End(const grpc::Status&) override { ended = true; }
  bool ended = false;
};

class WatchJwksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("WATCH_JWKS_TEST_SECRET", "0123456789abcdef0123456789abcdef-w", 1);
    absl::StatusOr<Config> config = ParseConfig(kConfig, "/tmp/watch.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    call_.snapshot = *snapshot;
  }

  absl::Status Watch(const std::string& tenant, const std::string& etag = "") {
    v1::WatchJwksRequest request;
    request.set_tenant(tenant);
    request.set_etag(etag);
    plan_ = WatchJwksPlan();
    return DoWatchJwks(call_, streams_, request, &plan_);
  }

  CallContext call_;  // keys are public: no caller identity is needed
  StreamRegistry streams_;
  WatchJwksPlan plan_;
};

TEST_F(WatchJwksTest, ANewWatcherGetsTheCurrentSetFirst) {
  ASSERT_TRUE(Watch("signed").ok());
  EXPECT_TRUE(plan_.send_current);
  ASSERT_GE(plan_.current.keys_size(), 1);
  for (const v1::PublishedKey& key : plan_.current.keys()) {
    EXPECT_EQ(key.tenant(), "signed");
    EXPECT_THAT(plan_.current.jwks_json(), HasSubstr(key.kid()));
  }
  EXPECT_EQ(plan_.current.etag(),
            ConfigSnapshot::Etag(plan_.current.jwks_json()));
  EXPECT_EQ(plan_.current.max_age().seconds(), 90);
  EXPECT_EQ(plan_.current.sequence(), 0u);  // the writer numbers its sends
}

TEST_F(WatchJwksTest, ACurrentEtagWaitsForTheNextChange) {
  ASSERT_TRUE(Watch("signed").ok());
  const std::string etag = plan_.current.etag();
  ASSERT_TRUE(Watch("signed", etag).ok());
  EXPECT_FALSE(plan_.send_current);
  EXPECT_EQ(plan_.current.etag(), etag);  // what a change is compared with

  ASSERT_TRUE(Watch("signed", "\"stale\"").ok());
  EXPECT_TRUE(plan_.send_current);
}

TEST_F(WatchJwksTest, UnknownTenantIsRefusedNamingTheJwtTenants) {
  const absl::Status s = Watch("singed");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonName(GetReason(s)), "INVALID_ARGUMENT");
  EXPECT_EQ(GetField(s), "tenant");
  EXPECT_THAT(s.message(), HasSubstr("unknown tenant 'singed'"));
  EXPECT_THAT(s.message(), HasSubstr("tenants with published keys: signed"));
}

TEST_F(WatchJwksTest, TheStreamCapRefusesWithResourceExhausted) {
  FakeStream a, b;
  ASSERT_TRUE(streams_.Add(&a, 0));
  EXPECT_TRUE(Watch("signed").ok());  // one of two taken
  ASSERT_TRUE(streams_.Add(&b, 0));
  const absl::Status s = Watch("signed");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonName(GetReason(s)), "RESOURCE_EXHAUSTED");
  EXPECT_THAT(s.message(), HasSubstr("too many open streams"));
  EXPECT_EQ(plan_.current.keys_size(), 0);  // nothing planned
  streams_.Remove(&b);
  EXPECT_TRUE(Watch("signed").ok());
  streams_.Remove(&a);
  EXPECT_FALSE(a.ended || b.ended);
}

}  // namespace
}  // namespace tokend
