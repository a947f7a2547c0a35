// DoSubscribeToken and SubscribeError (server/api/subscribe_token.h) in
// process: what decides whether a SubscribeToken stream starts and what it
// re-issues, without a stream or a server. The stream itself (first event,
// renewals, end) is renewal_server_test, end to end.
#include "server/api/subscribe_token.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/api/handler_test_env.h"

namespace tokend {
namespace {

using ::testing::HasSubstr;

class SubscribeTokenTest : public HandlerTestEnv {
 protected:
  absl::Status Subscribe(const v1::SubscribeTokenRequest& request,
                         uint32_t uid = kIssuerUid) {
    plan_ = SubscribePlan();
    return DoSubscribeToken(core_, *revocations_, Call(uid), request, &plan_);
  }
  static v1::SubscribeTokenRequest Spec(const std::string& tenant,
                                        const std::string& subject) {
    v1::SubscribeTokenRequest request;
    request.set_tenant(tenant);
    request.mutable_spec()->mutable_subject()->set_user_id(subject);
    return request;
  }
  static v1::SubscribeTokenRequest Resume(const std::string& token) {
    v1::SubscribeTokenRequest request;
    request.set_tenant("demo");
    request.set_current_token(token);
    return request;
  }
  static void ExpectInvalid(const absl::Status& s, const std::string& field) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(GetField(s), field);
  }

  SubscribePlan plan_;
};

TEST_F(SubscribeTokenTest, SpecBecomesASubscriptionOnTheCallsSnapshot) {
  v1::SubscribeTokenRequest request = Spec("demo", "alice");
  request.mutable_spec()->mutable_ttl()->set_seconds(300);
  ASSERT_TRUE(Subscribe(request).ok());
  const SubscriptionRequest& sub = plan_.request;
  EXPECT_EQ(sub.tenant, "demo");
  EXPECT_EQ(sub.caller, "uid:4242");
  ASSERT_TRUE(sub.spec.has_value());
  EXPECT_EQ(sub.spec->subject, "alice");
  EXPECT_EQ(sub.ttl, absl::Minutes(5));
  EXPECT_TRUE(sub.current_token.empty());
  EXPECT_EQ(sub.tenants, snapshot_->tenants());
  EXPECT_FALSE(sub.refresh_fraction.has_value());
  EXPECT_EQ(plan_.session_cap, absl::Hours(2));
}

TEST_F(SubscribeTokenTest, TenantMayComeFromTheSpecButMustNotDiffer) {
  v1::SubscribeTokenRequest request = Spec("", "alice");
  request.mutable_spec()->set_tenant("demo");
  ASSERT_TRUE(Subscribe(request).ok());
  EXPECT_EQ(plan_.request.tenant, "demo");

  request.set_tenant("demo");
  request.mutable_spec()->set_tenant("other");
  ExpectInvalid(Subscribe(request), "spec.tenant");
}

TEST_F(SubscribeTokenTest, EachBadFieldIsNamed) {
  ExpectInvalid(Subscribe(Spec("", "alice")), "tenant");
  v1::SubscribeTokenRequest no_source;
  no_source.set_tenant("demo");
  ExpectInvalid(Subscribe(no_source), "source");
  v1::SubscribeTokenRequest bad_ttl = Spec("demo", "alice");
  bad_ttl.mutable_spec()->mutable_ttl()->set_seconds(-1);
  ExpectInvalid(Subscribe(bad_ttl), "spec.ttl");
  v1::SubscribeTokenRequest bad_nbf = Spec("demo", "alice");
  bad_nbf.mutable_spec()->mutable_not_before()->set_nanos(-3);
  ExpectInvalid(Subscribe(bad_nbf), "spec.not_before");
}

TEST_F(SubscribeTokenTest, CallerWithoutIssueRightIsRefused) {
  const absl::Status s = Subscribe(Spec("demo", "alice"), kReaderUid);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "PERMISSION_DENIED");
  EXPECT_EQ(Subscribe(Resume(Issue().token), kReaderUid).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(SubscribeTokenTest, UnknownTenantIsRefusedNamingTenant) {
  const absl::Status s = Subscribe(Spec("dmeo", "alice"), kAdminUid);
  ExpectInvalid(s, "tenant");
  EXPECT_THAT(s.message(), HasSubstr("unknown tenant 'dmeo'"));
}

TEST_F(SubscribeTokenTest, StoreDownFailClosedStartsNoSubscription) {
  const std::string token = Issue().token;
  revocations_->SetStoreDown();
  for (const v1::SubscribeTokenRequest& request :
       {Spec("demo", "alice"), Resume(token)}) {
    const absl::Status s = Subscribe(request);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(ReasonOf(s), "UNAVAILABLE");
  }
}

TEST_F(SubscribeTokenTest, ResumeKeepsTheTokenForSubscribeToCheck) {
  const std::string token = Issue().token;
  ASSERT_TRUE(Subscribe(Resume(token)).ok());
  EXPECT_EQ(plan_.request.current_token, token);
  EXPECT_FALSE(plan_.request.spec.has_value());
  // A token that does not verify is Subscribe's to refuse, with its reason
  // (SubscribeError below).
  ASSERT_TRUE(Subscribe(Resume("garbage")).ok());
  EXPECT_EQ(plan_.request.current_token, "garbage");
}

TEST_F(SubscribeTokenTest, OversizedCurrentTokenIsRefused) {
  const absl::Status s = Subscribe(Resume(std::string(1 << 20, 'a')));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "TOKEN_TOO_LARGE");
}

TEST_F(SubscribeTokenTest, RefreshFractionIsClampedToTheConfiguredBounds) {
  const RenewalConfig& renewal = snapshot_->config().renewal;
  v1::SubscribeTokenRequest request = Spec("demo", "alice");
  request.set_refresh_fraction(1.0);
  ASSERT_TRUE(Subscribe(request).ok());
  EXPECT_EQ(plan_.request.refresh_fraction, renewal.max_refresh_fraction);
  request.set_refresh_fraction(0.0);
  ASSERT_TRUE(Subscribe(request).ok());
  EXPECT_EQ(plan_.request.refresh_fraction, renewal.min_refresh_fraction);
}

TEST_F(SubscribeTokenTest, SubscribeErrorsNameTheInputAtFault) {
  // A bad current token: a verdict naming current_token.
  absl::Status s =
      SubscribeError(Resume("garbage"), Error(Reason::kMalformed, "not a JWT"));
  ExpectInvalid(s, "current_token");
  EXPECT_EQ(ReasonOf(s), "MALFORMED");
  s = SubscribeError(Resume("t"), Error(Reason::kRevoked, "revoked"));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "REVOKED");
  // A spec core refuses (a TTL over the maximum): the request's fault.
  s = SubscribeError(Spec("demo", "a"),
                     Error(Reason::kLifetimeExceeded, "ttl over max", "ttl"));
  ExpectInvalid(s, "ttl");
  EXPECT_EQ(ReasonOf(s), "LIFETIME_EXCEEDED");
}

}  // namespace
}  // namespace tokend
