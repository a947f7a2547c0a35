// DoGetJwks (server/api/key_service_impl.h) in process: the public keys a
// verifier fetches, from a ConfigSnapshot built in the test (one tenant with
// generated asymmetric keys, one with an HMAC secret that must never be
// published). The HTTP and WatchJwks paths are keys_server_test, end to
// end.
#include <cstdlib>
#include <memory>
#include <string>

#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/call_gate.h"
#include "server/api/key_service_impl.h"
#include "server/config/config.h"
#include "server/runtime/config_snapshot.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-jwks";

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
    credentials: {secret: "env:GET_JWKS_TEST_SECRET"}
)";

class GetJwksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("GET_JWKS_TEST_SECRET", kSecret, 1);
    absl::StatusOr<Config> config = ParseConfig(kConfig, "/tmp/jwks.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> snapshot =
        ConfigSnapshot::Build(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    call_.snapshot = *snapshot;
  }

  absl::Status Get(const std::string& tenant) {
    v1::GetJwksRequest request;
    request.set_tenant(tenant);
    response_.Clear();
    return DoGetJwks(call_, request, &response_);
  }

  CallContext call_;  // keys are public: no caller identity is needed
  v1::GetJwksResponse response_;
};

TEST_F(GetJwksTest, TenantsKeysWithEtagAndMaxAge) {
  ASSERT_TRUE(Get("signed").ok());
  ASSERT_GE(response_.keys_size(), 1);
  for (const v1::PublishedKey& key : response_.keys()) {
    EXPECT_EQ(key.tenant(), "signed");
    EXPECT_FALSE(key.kid().empty());
    EXPECT_THAT(response_.jwks_json(), HasSubstr(key.kid()));
  }
  EXPECT_FALSE(response_.etag().empty());
  EXPECT_EQ(response_.max_age().seconds(), 90);
  // Public members only: no private EC/RSA parameter.
  EXPECT_THAT(response_.jwks_json(), Not(HasSubstr("\"d\"")));
}

TEST_F(GetJwksTest, AllTenantsNeverPublishAnHmacSecret) {
  ASSERT_TRUE(Get("").ok());
  ASSERT_GE(response_.keys_size(), 1);
  for (const v1::PublishedKey& key : response_.keys()) {
    EXPECT_EQ(key.tenant(), "signed");
  }
  EXPECT_THAT(response_.jwks_json(), Not(HasSubstr("\"oct\"")));
  EXPECT_THAT(response_.jwks_json(), Not(HasSubstr(kSecret)));

  ASSERT_TRUE(Get("hmac").ok());
  EXPECT_EQ(response_.keys_size(), 0);
  EXPECT_THAT(response_.jwks_json(), Not(HasSubstr(kSecret)));
}

// Keys are public, so the error lists the jwt tenants to any caller (today
// including an HMAC tenant, which publishes no key).
TEST_F(GetJwksTest, UnknownTenantIsNamedWithTheJwtTenants) {
  const absl::Status s = Get("singed");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonName(GetReason(s)), "INVALID_ARGUMENT");
  EXPECT_EQ(GetField(s), "tenant");
  EXPECT_THAT(s.message(), HasSubstr("unknown tenant 'singed'"));
  EXPECT_THAT(s.message(), HasSubstr("tenants with published keys: signed"));
  EXPECT_EQ(response_.keys_size(), 0);
}

}  // namespace
}  // namespace tokend
