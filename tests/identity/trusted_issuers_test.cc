// Incoming identity tokens as users send them and as attackers would try:
// an OIDC provider, the Kubernetes service-account issuer and a SPIFFE
// trust domain, each verified by the strict core against its own key set,
// plus tokens signed by PyJWT and npm jose in each shape.
#include "core/identity/trusted_issuers.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/clock.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/identity/identity_test_util.h"
#include "tests/profiles/interop_util.h"

namespace tokend::identity {
namespace {

using testing::FakeFetcher;
using testing::Jwks;
using testing::NewKey;
using testing::ParseOrDie;
using testing::Sign;
using testing::SignRaw;

const absl::Time kNow = absl::FromUnixSeconds(1735689600);
constexpr char kOidcIss[] = "https://idp.test/realms/corp";
constexpr char kOidcDiscovery[] =
    "https://idp.test/realms/corp/.well-known/openid-configuration";
constexpr char kOidcJwks[] = "https://idp.test/realms/corp/certs";
constexpr char kK8sIss[] = "https://kubernetes.default.svc.cluster.local";
constexpr char kK8sJwks[] = "https://k8s.test/openid/v1/jwks";
constexpr char kSpireBundle[] = "https://spire.test/bundle";

class TrustedIssuersTest : public ::testing::Test {
 protected:
  // Generated once per process (also under --gtest_repeat), never freed.
  static void SetUpTestSuite() {
    if (keys_ != nullptr) return;
    keys_ = new Keys{NewKey(Algorithm::kES256, "corp-1"),
                     NewKey(Algorithm::kRS256, "corp-rsa"),
                     NewKey(Algorithm::kES256, "corp-2"),
                     NewKey(Algorithm::kES256, "k8s-1"),
                     NewKey(Algorithm::kES256, "spire-1")};
  }
  struct Keys {
    std::shared_ptr<const Key> corp, corp_rsa, corp_next, k8s, spire;
  };
  static const Keys& keys() { return *keys_; }

  void SetUp() override {
    fetcher_.SetBody(kOidcDiscovery,
                     absl::StrCat(R"({"issuer":")", kOidcIss,
                                  R"(","jwks_uri":")", kOidcJwks, R"("})"));
    fetcher_.SetBody(kOidcJwks, Jwks({keys().corp, keys().corp_rsa}));
    fetcher_.SetBody(kK8sJwks, Jwks({keys().k8s}));
    json::Object bundle = ParseOrDie(Jwks({keys().spire}));
    json::Array entries = bundle.Find("keys")->as_array();
    entries[0].mutable_object().Set("use", "jwt-svid");
    bundle.Set("keys", entries);
    fetcher_.SetBody(kSpireBundle, json::Serialize(bundle));
  }

  static std::vector<IssuerSpec> Specs() {
    IssuerSpec oidc = OidcIssuer("corp", kOidcIss, {"tokend"});
    oidc.algorithms = {Algorithm::kES256, Algorithm::kRS256};
    IssuerSpec k8s = KubernetesIssuer("cluster", kK8sIss, {"tokend"});
    k8s.keys.location = kK8sJwks;
    k8s.require_bound_pod = true;
    KeySourceSpec bundle;
    bundle.kind = KeySourceKind::kJwksUri;
    bundle.location = kSpireBundle;
    IssuerSpec spiffe = SpiffeIssuer("mesh", "example.org", bundle, {"tokend"});
    return {oidc, k8s, spiffe};
  }

  std::shared_ptr<const TrustedIssuers> Build(
      std::vector<IssuerSpec> specs = Specs(), bool fetch = true) {
    IssuerDeps deps;
    deps.http = &fetcher_;
    deps.clock = &clock_;
    deps.uniform = [] { return 0.0; };
    absl::StatusOr<std::shared_ptr<const TrustedIssuers>> issuers =
        TrustedIssuers::Create(std::move(specs), deps);
    EXPECT_TRUE(issuers.ok()) << issuers.status();
    if (!issuers.ok()) return nullptr;
    if (fetch) {
      for (const auto& set : (*issuers)->key_sets()) set->Fetch();
    }
    return *issuers;
  }

  static json::Object OidcClaims() {
    json::Object claims;
    claims.Set("iss", kOidcIss);
    claims.Set("sub", "f1c2-user-alice");
    claims.Set("aud", "tokend");
    claims.Set("iat", absl::ToUnixSeconds(kNow) - 10);
    claims.Set("exp", absl::ToUnixSeconds(kNow) + 300);
    claims.Set("email", "alice@example.com");
    claims.Set("team", "blue");
    return claims;
  }

  static json::Object K8sClaims() {
    return ParseOrDie(absl::StrCat(
        R"({"aud":["tokend"],"exp":)", absl::ToUnixSeconds(kNow) + 3600,
        R"(,"iat":)", absl::ToUnixSeconds(kNow) - 60, R"(,"nbf":)",
        absl::ToUnixSeconds(kNow) - 60, R"(,"iss":")", kK8sIss,
        R"(","jti":"0f6f2a34-7c1e-4f5e-9a43-3f2b0c8d9e11",)"
        R"("kubernetes.io":{"namespace":"media",)"
        R"("node":{"name":"node-1","uid":"9d2c"},)"
        R"("pod":{"name":"recorder-7d9f","uid":"41b0"},)"
        R"("serviceaccount":{"name":"recorder","uid":"6e1a"},)"
        R"("warnafter":)",
        absl::ToUnixSeconds(kNow) + 3000,
        R"(},"sub":"system:serviceaccount:media:recorder"})"));
  }

  static json::Object SvidClaims() {
    json::Object claims;
    claims.Set("sub", "spiffe://example.org/ns/media/sa/recorder");
    claims.Set("aud", json::Array{"tokend"});
    claims.Set("exp", absl::ToUnixSeconds(kNow) + 300);
    claims.Set("iat", absl::ToUnixSeconds(kNow));
    return claims;
  }

  Reason ReasonOf(const TrustedIssuers& issuers, const std::string& token) {
    return GetReason(issuers.Verify(token, clock_.Now()).status());
  }

  static Keys* keys_;
  FakeClock clock_{kNow};
  FakeFetcher fetcher_;
};
TrustedIssuersTest::Keys* TrustedIssuersTest::keys_ = nullptr;

TEST_F(TrustedIssuersTest, AnOidcTokenVerifies) {
  auto issuers = Build();
  absl::StatusOr<VerifiedIdentity> id =
      issuers->Verify(Sign(*keys().corp, OidcClaims()), kNow);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->issuer_name, "corp");
  EXPECT_EQ(id->kind, IssuerKind::kOidc);
  EXPECT_EQ(id->issuer, kOidcIss);
  EXPECT_EQ(id->subject, "f1c2-user-alice");
  EXPECT_EQ(id->audiences, std::vector<std::string>{"tokend"});
  EXPECT_EQ(id->expires_at, kNow + absl::Seconds(300));
  EXPECT_EQ(id->kid, "corp-1");
  EXPECT_EQ(id->alg, Algorithm::kES256);
  EXPECT_EQ(id->claims.Find("email")->as_string(), "alice@example.com");
  EXPECT_TRUE(id->attributes.empty());
  // The RSA key of the same issuer too.
  EXPECT_TRUE(issuers->Verify(Sign(*keys().corp_rsa, OidcClaims()), kNow).ok());
}

TEST_F(TrustedIssuersTest, AnUnconfiguredIssuerIsRefusedAndNeverContacted) {
  auto issuers = Build();
  for (const char* iss : {"https://evil.test", "https://idp.test/realms/corp/",
                          "https://IDP.test/realms/corp", ""}) {
    json::Object claims = OidcClaims();
    claims.Set("iss", iss);
    EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)),
              Reason::kIssuerMismatch)
        << iss;
  }
  json::Object claims = OidcClaims();
  claims.Erase("iss");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)),
            Reason::kIssuerMismatch);
  EXPECT_EQ(
      fetcher_.count("https://evil.test/.well-known/openid-configuration"), 0);
}

TEST_F(TrustedIssuersTest, OneIssuersKeysNeverVerifyAnothersTokens) {
  auto issuers = Build();
  // Claims of the corp issuer, signed with the cluster's key: its kid is not
  // in corp's set (a refetch is planned, nothing more) ...
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().k8s, OidcClaims())),
            Reason::kUnknownKid);
  // ... and without a kid, corp's own ES256 key does not verify it.
  json::Object header;
  header.Set("alg", "ES256");
  EXPECT_EQ(ReasonOf(*issuers, SignRaw(*keys().k8s, header, OidcClaims())),
            Reason::kBadSignature);
}

TEST_F(TrustedIssuersTest, AudienceConfusionIsRefused) {
  auto issuers = Build();
  json::Object claims = OidcClaims();
  claims.Set("aud", "billing-api");  // a token for another service
  absl::Status status =
      issuers->Verify(Sign(*keys().corp, claims), kNow).status();
  EXPECT_EQ(GetReason(status), Reason::kAudienceMismatch);
  EXPECT_EQ(GetField(status), "aud");
  claims.Erase("aud");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)),
            Reason::kAudienceMismatch);
  claims.Set("aud", "Tokend");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)),
            Reason::kAudienceMismatch);
  claims.Set("aud", json::Array{});
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)), Reason::kBadClaim);
}

TEST_F(TrustedIssuersTest, MultiAudienceTokensFollowAudienceMatch) {
  // corp: any (a Keycloak access token often names several clients).
  auto issuers = Build();
  json::Object claims = OidcClaims();
  claims.Set("aud", json::Array{"account", "tokend"});
  EXPECT_TRUE(issuers->Verify(Sign(*keys().corp, claims), kNow).ok());
  // mesh: single (JWT-SVID §6.2: any audience could replay it to the other).
  json::Object svid = SvidClaims();
  svid.Set("aud", json::Array{"tokend", "reports"});
  absl::Status status =
      issuers->Verify(Sign(*keys().spire, svid), kNow).status();
  EXPECT_EQ(GetReason(status), Reason::kAudienceMismatch);
  EXPECT_TRUE(absl::StrContains(status.message(), "audience_match: single"));
  // all: every audience must be one of ours.
  std::vector<IssuerSpec> specs = Specs();
  specs[0].audiences = {"tokend", "tokend-eu"};
  specs[0].audience_match = AudienceMatch::kAll;
  auto strict = Build(specs);
  claims.Set("aud", json::Array{"tokend", "tokend-eu"});
  EXPECT_TRUE(strict->Verify(Sign(*keys().corp, claims), kNow).ok());
  claims.Set("aud", json::Array{"tokend", "billing-api"});
  EXPECT_EQ(ReasonOf(*strict, Sign(*keys().corp, claims)),
            Reason::kAudienceMismatch);
}

TEST_F(TrustedIssuersTest, TimesWithLeeway) {
  auto issuers = Build();
  const int64_t now = absl::ToUnixSeconds(kNow);
  auto with = [&](const char* name, int64_t value) {
    json::Object claims = OidcClaims();
    claims.Set(name, value);
    return Sign(*keys().corp, claims);
  };
  EXPECT_EQ(ReasonOf(*issuers, with("exp", now - 61)), Reason::kTokenExpired);
  EXPECT_EQ(ReasonOf(*issuers, with("exp", now - 59)), Reason::kOk);
  EXPECT_EQ(ReasonOf(*issuers, with("nbf", now + 120)),
            Reason::kTokenNotYetValid);
  EXPECT_EQ(ReasonOf(*issuers, with("iat", now + 120)), Reason::kIatInFuture);
  json::Object no_exp = OidcClaims();
  no_exp.Erase("exp");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, no_exp)),
            Reason::kExpMissing);
  std::vector<IssuerSpec> specs = Specs();
  specs[0].max_token_lifetime = absl::Minutes(5);
  auto capped = Build(specs);
  EXPECT_EQ(ReasonOf(*capped, with("exp", now + 3600)),
            Reason::kLifetimeExceeded);
}

TEST_F(TrustedIssuersTest, AlgNoneAndKeyConfusionAreRefused) {
  auto issuers = Build();
  const std::string claims = Base64UrlEncode(json::Serialize(OidcClaims()));
  // alg none, unsigned: no empty signature is accepted.
  EXPECT_EQ(
      ReasonOf(*issuers, absl::StrCat(Base64UrlEncode(R"({"alg":"none"})"), ".",
                                      claims, ".")),
      Reason::kMalformed);
  EXPECT_EQ(
      ReasonOf(*issuers,
               absl::StrCat(Base64UrlEncode(R"({"alg":"none","kid":"corp-1"})"),
                            ".", claims, ".c2ln")),
      Reason::kAlgNotAllowed);
  // HS256 "signed" with a published key: the key is bound to ES256/RS256.
  auto hmac = NewKey(Algorithm::kHS256, "corp-rsa");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*hmac, OidcClaims())),
            Reason::kAlgNotAllowed);
  // RS256 header with the ES256 key's kid.
  json::Object header = testing::HeaderFor(*keys().corp);
  header.Set("alg", "RS256");
  EXPECT_EQ(ReasonOf(*issuers, SignRaw(*keys().corp_rsa, header, OidcClaims())),
            Reason::kAlgNotAllowed);
}

TEST_F(TrustedIssuersTest, KeysNamedByTheTokenAreNeverTrustedOrFetched) {
  auto issuers = Build();
  for (const char* member : {"jku", "x5u"}) {
    json::Object header = testing::HeaderFor(*keys().corp);
    header.Set(member, "https://evil.test/keys");
    const std::string token = SignRaw(*keys().corp, header, OidcClaims());
    absl::Status status = issuers->Verify(token, kNow).status();
    EXPECT_EQ(GetReason(status), Reason::kUnsupportedHeader) << member;
    EXPECT_EQ(GetField(status), member);
  }
  json::Object header = testing::HeaderFor(*keys().corp);
  header.Set("jwk", ParseOrDie(R"({"kty":"EC"})"));
  EXPECT_EQ(ReasonOf(*issuers, SignRaw(*keys().corp, header, OidcClaims())),
            Reason::kUnsupportedHeader);
  EXPECT_EQ(fetcher_.count("https://evil.test/keys"), 0);
}

TEST_F(TrustedIssuersTest, AnUnknownKidRefetchesAndTheNextCallSucceeds) {
  auto issuers = Build();
  RemoteKeySet& corp = *issuers->Find("corp")->keys();
  clock_.Advance(absl::Minutes(2));
  // The provider rotated: corp-2 signs and is published.
  fetcher_.SetBody(kOidcJwks, Jwks({keys().corp, keys().corp_next}));
  json::Object claims = OidcClaims();
  claims.Set("exp", absl::ToUnixSeconds(clock_.Now()) + 600);
  const std::string token = Sign(*keys().corp_next, claims);
  absl::Status status = issuers->Verify(token, clock_.Now()).status();
  EXPECT_EQ(GetReason(status), Reason::kUnknownKid);
  EXPECT_TRUE(absl::StrContains(status.message(), "being fetched again"))
      << status;
  // The call did not fetch: the refresher does, off this thread.
  EXPECT_EQ(fetcher_.count(kOidcJwks), 1);
  EXPECT_EQ(corp.NextFetchAt(), clock_.Now());
  corp.Fetch();
  EXPECT_TRUE(issuers->Verify(token, clock_.Now()).ok());

  // A second unknown kid right away waits for the rate limit.
  auto stranger = NewKey(Algorithm::kES256, "corp-3");
  status = issuers->Verify(Sign(*stranger, claims), clock_.Now()).status();
  EXPECT_EQ(GetReason(status), Reason::kUnknownKid);
  EXPECT_TRUE(absl::StrContains(status.message(), "fetched again in 1m"))
      << status;
}

TEST_F(TrustedIssuersTest, NoKeysYetIsUnavailableAndNotReady) {
  auto issuers = Build(Specs(), /*fetch=*/false);
  EXPECT_FALSE(issuers->Ready());
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, OidcClaims())),
            Reason::kUnavailable);
  std::vector<std::string> lines = issuers->ReadinessLines(kNow);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "issuer corp: NOT READY: no key set yet (0 failed fetches)");
  for (const auto& set : issuers->key_sets()) set->Fetch();
  EXPECT_TRUE(issuers->Ready());
  // An optional issuer that is down does not gate readiness.
  std::vector<IssuerSpec> specs = Specs();
  specs[1].required_for_readiness = false;
  fetcher_.SetStatus(kK8sJwks, 503);
  auto partial = Build(specs);
  EXPECT_TRUE(partial->Ready());
  lines = partial->ReadinessLines(kNow);
  EXPECT_EQ(lines[1],
            "issuer cluster: NOT READY: no key set yet (1 failed fetch; last "
            "error: UNAVAILABLE: JWKS answered HTTP 503) [optional]");
}

TEST_F(TrustedIssuersTest, AKubernetesServiceAccountToken) {
  auto issuers = Build();
  absl::StatusOr<VerifiedIdentity> id =
      issuers->Verify(Sign(*keys().k8s, K8sClaims()), kNow);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->issuer_name, "cluster");
  EXPECT_EQ(id->subject, "system:serviceaccount:media:recorder");
  EXPECT_EQ(json::Serialize(id->attributes),
            R"({"k8s":{"namespace":"media","node":"node-1","node_uid":"9d2c",)"
            R"("pod":"recorder-7d9f","pod_uid":"41b0",)"
            R"("service_account":"recorder","service_account_uid":"6e1a"}})");
  EXPECT_EQ(id->token_id, "0f6f2a34-7c1e-4f5e-9a43-3f2b0c8d9e11");
}

TEST_F(TrustedIssuersTest, BrokenKubernetesShapesAreRefused) {
  auto issuers = Build();
  auto expect_bad = [&](json::Object claims, const char* field) {
    absl::Status status =
        issuers->Verify(Sign(*keys().k8s, claims), kNow).status();
    EXPECT_EQ(GetReason(status), Reason::kBadClaim) << field << status;
    EXPECT_EQ(GetField(status), field);
  };
  json::Object claims = K8sClaims();
  claims.Set("sub", "system:serviceaccount:kube-system:admin");
  expect_bad(claims, "sub");
  claims = K8sClaims();
  claims.Erase("kubernetes.io");
  expect_bad(claims, "kubernetes.io");
  claims = ParseOrDie(absl::StrReplaceAll(
      json::Serialize(K8sClaims()),
      {{R"("pod":{"name":"recorder-7d9f","uid":"41b0"},)", ""}}));
  expect_bad(claims, "kubernetes.io.pod");
  claims = ParseOrDie(
      absl::StrReplaceAll(json::Serialize(K8sClaims()),
                          {{R"("namespace":"media")", R"("namespace":7)"}}));
  expect_bad(claims, "kubernetes.io.namespace");
  // A legacy secret-based token: another iss, no exp.
  json::Object legacy =
      ParseOrDie(R"({"iss":"kubernetes/serviceaccount",)"
                 R"("kubernetes.io/serviceaccount/namespace":"media",)"
                 R"("sub":"system:serviceaccount:media:recorder"})");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().k8s, legacy)),
            Reason::kIssuerMismatch);
}

TEST_F(TrustedIssuersTest, ASpiffeJwtSvid) {
  auto issuers = Build();
  absl::StatusOr<VerifiedIdentity> id =
      issuers->Verify(Sign(*keys().spire, SvidClaims()), kNow);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->issuer_name, "mesh");
  EXPECT_EQ(id->issuer, "");
  EXPECT_EQ(json::Serialize(id->attributes),
            R"({"spiffe":{"id":"spiffe://example.org/ns/media/sa/recorder",)"
            R"("path":"/ns/media/sa/recorder","trust_domain":"example.org"}})");
  // typ JOSE is allowed, anything else is not.
  json::Object header = testing::HeaderFor(*keys().spire);
  header.Set("typ", "JOSE");
  EXPECT_TRUE(
      issuers->Verify(SignRaw(*keys().spire, header, SvidClaims()), kNow).ok());
  header.Set("typ", "at+jwt");
  EXPECT_EQ(ReasonOf(*issuers, SignRaw(*keys().spire, header, SvidClaims())),
            Reason::kTypeMismatch);
}

TEST_F(TrustedIssuersTest, SpiffeIdsOutsideTheTrustDomainAreRefused) {
  auto issuers = Build();
  auto with_sub = [&](const char* sub) {
    json::Object claims = SvidClaims();
    claims.Set("sub", sub);
    return ReasonOf(*issuers, Sign(*keys().spire, claims));
  };
  EXPECT_EQ(with_sub("spiffe://other.org/ns/media"), Reason::kIssuerMismatch);
  EXPECT_EQ(with_sub("spiffe://example.org"), Reason::kBadClaim);
  EXPECT_EQ(with_sub("spiffe://example.org/a/../b"), Reason::kIssuerMismatch);
  EXPECT_EQ(with_sub("spiffe://Example.org/a"), Reason::kIssuerMismatch);
  EXPECT_EQ(with_sub("SPIFFE://example.org/a"), Reason::kIssuerMismatch);
  // A token with an iss is chosen by its iss, never by its sub: a SPIFFE id
  // under an OIDC issuer's name must verify with that issuer's keys.
  json::Object claims = SvidClaims();
  claims.Set("iss", kOidcIss);
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().spire, claims)),
            Reason::kUnknownKid);
  // A SPIFFE issuer configured with an iss still holds sub to its trust
  // domain.
  std::vector<IssuerSpec> specs = Specs();
  specs[2].issuer = "https://spire.test";
  auto with_iss = Build(specs);
  claims = SvidClaims();
  claims.Set("iss", "https://spire.test");
  EXPECT_TRUE(with_iss->Verify(Sign(*keys().spire, claims), kNow).ok());
  claims.Set("sub", "spiffe://other.org/ns/media");
  absl::Status status =
      with_iss->Verify(Sign(*keys().spire, claims), kNow).status();
  EXPECT_EQ(GetReason(status), Reason::kBadClaim);
  EXPECT_EQ(status.message(),
            "BAD_CLAIM: sub is not in trust domain example.org");
  // And then a token without iss is not its.
  EXPECT_EQ(ReasonOf(*with_iss, Sign(*keys().spire, SvidClaims())),
            Reason::kIssuerMismatch);
}

TEST_F(TrustedIssuersTest, RequiredClaims) {
  std::vector<IssuerSpec> specs = Specs();
  specs[0].required_claims = {"claims.email"};
  specs[1].required_claims = {"k8s.pod_uid"};
  auto issuers = Build(specs);
  EXPECT_TRUE(issuers->Verify(Sign(*keys().corp, OidcClaims()), kNow).ok());
  EXPECT_TRUE(issuers->Verify(Sign(*keys().k8s, K8sClaims()), kNow).ok());
  json::Object claims = OidcClaims();
  claims.Erase("email");
  absl::Status status =
      issuers->Verify(Sign(*keys().corp, claims), kNow).status();
  EXPECT_EQ(GetReason(status), Reason::kBadClaim);
  EXPECT_EQ(GetField(status), "claims.email");
  claims = OidcClaims();
  claims.Erase("sub");
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)), Reason::kBadClaim);
}

TEST_F(TrustedIssuersTest, TooLargeTokensAreRefusedBeforeDecoding) {
  auto issuers = Build();
  json::Object claims = OidcClaims();
  claims.Set("pad", std::string(20 * 1024, 'x'));
  EXPECT_EQ(ReasonOf(*issuers, Sign(*keys().corp, claims)),
            Reason::kTokenTooLarge);
  EXPECT_EQ(ReasonOf(*issuers, "not.a.token"), Reason::kBadBase64);
  EXPECT_EQ(ReasonOf(*issuers, "garbage"), Reason::kMalformed);
}

// ---- Configuration ---------------------------------------------------------

TEST_F(TrustedIssuersTest, ConfigurationErrorsNameTheField) {
  struct Case {
    const char* field;
    std::function<void(std::vector<IssuerSpec>&)> edit;
  };
  const std::vector<Case> cases = {
      {"issuers[0].audiences", [](auto& s) { s[0].audiences.clear(); }},
      {"issuers[0].audiences[1]",
       [](auto& s) { s[0].audiences.push_back("*"); }},
      {"issuers[0].name", [](auto& s) { s[0].name = "corp idp"; }},
      {"issuers[1].name", [](auto& s) { s[1].name = "corp"; }},
      {"issuers[1].issuer", [](auto& s) { s[1].issuer = kOidcIss; }},
      {"issuers[0].issuer", [](auto& s) { s[0].issuer.clear(); }},
      {"issuers[0].algorithms", [](auto& s) { s[0].algorithms.clear(); }},
      {"issuers[0].algorithms",
       [](auto& s) { s[0].algorithms = {Algorithm::kHS256}; }},
      {"issuers[0].algorithms",
       [](auto& s) {
         s[0].keys.kind = KeySourceKind::kJwksFile;
         s[0].keys.location = "/etc/jwks.json";
         s[0].algorithms = {Algorithm::kHS256, Algorithm::kES256};
       }},
      {"issuers[2].algorithms",
       [](auto& s) { s[2].algorithms = {Algorithm::kEdDSA}; }},
      {"issuers[0].keys",
       [](auto& s) { s[0].keys.location = "http://idp.test/.well-known/x"; }},
      {"issuers[0].keys", [](auto& s) { s[0].keys.location = "https:///x"; }},
      {"issuers[0].keys", [](auto& s) { s[0].keys.location.clear(); }},
      {"issuers[0].leeway", [](auto& s) { s[0].leeway = absl::Hours(1); }},
      {"issuers[0].typ", [](auto& s) { s[0].typ = ""; }},
      {"issuers[0].required_claims[0]",
       [](auto& s) { s[0].required_claims = {"email"}; }},
      {"issuers[2].trust_domain",
       [](auto& s) { s[2].trust_domain = "Ex.org"; }},
      {"issuers[0].trust_domain", [](auto& s) { s[0].trust_domain = "x.org"; }},
      {"issuers[0].require_bound_pod",
       [](auto& s) { s[0].require_bound_pod = true; }},
      {"issuers[0].refresh.backoff_initial",
       [](auto& s) { s[0].refresh.backoff_initial = absl::ZeroDuration(); }},
      {"issuers[0].max_token_bytes",
       [](auto& s) { s[0].max_token_bytes = 1 << 20; }},
  };
  IssuerDeps deps;
  deps.http = &fetcher_;
  deps.clock = &clock_;
  for (const Case& c : cases) {
    std::vector<IssuerSpec> specs = Specs();
    c.edit(specs);
    absl::StatusOr<std::shared_ptr<const TrustedIssuers>> issuers =
        TrustedIssuers::Create(specs, deps);
    EXPECT_EQ(GetReason(issuers.status()), Reason::kInvalidArgument) << c.field;
    EXPECT_EQ(GetField(issuers.status()), c.field) << issuers.status();
  }
  // A SPIFFE issuer may have an iss, and HS256 is fine from a file.
  std::vector<IssuerSpec> specs = Specs();
  specs[2].issuer = "https://spire.test";
  specs[0].keys.kind = KeySourceKind::kJwksFile;
  specs[0].keys.location = "/etc/jwks.json";
  specs[0].algorithms = {Algorithm::kHS256};
  EXPECT_TRUE(TrustedIssuers::Create(specs, deps).ok());
}

// ---- Tokens from other libraries -------------------------------------------

// Signs `claims` with PyJWT (Debian's python3-jwt) or npm jose.
std::string SignWith(bool pyjwt, const Key& key, const json::Object& claims,
                     const json::Object& header) {
  absl::StatusOr<std::string> pem = PrivateKeyToPem(key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  json::Object request;
  request.Set("claims", claims);
  request.Set("key", *pem);
  absl::StatusOr<tokend::testing::ProcessResult> result;
  if (pyjwt) {
    request.Set("headers", header);
    result = tokend::testing::RunPythonScript(
        "pyjwt_tool.py",
        {"sign", "--alg", std::string(AlgorithmName(key.alg()))},
        json::Serialize(request));
  } else {
    request.Set("header", header);
    request.Set("alg", std::string(AlgorithmName(key.alg())));
    request.Set("lib", "jose");
    result = tokend::testing::RunNodeScript("jose_tool.mjs", {"sign"},
                                            json::Serialize(request));
  }
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return "";
  EXPECT_EQ(result->exit_code, 0) << result->out << result->err;
  return std::string(absl::StripAsciiWhitespace(result->out));
}

TEST_F(TrustedIssuersTest, TokensFromPyJwtAndJoseInEveryShape) {
  auto issuers = Build();
  json::Object kid_corp;
  kid_corp.Set("kid", "corp-rsa");
  json::Object kid_k8s;
  kid_k8s.Set("kid", "k8s-1");
  json::Object kid_spire;
  kid_spire.Set("kid", "spire-1");
  kid_spire.Set("typ", "JWT");
  for (bool pyjwt : {true, false}) {
    SCOPED_TRACE(pyjwt ? "PyJWT" : "jose");
    absl::StatusOr<VerifiedIdentity> oidc = issuers->Verify(
        SignWith(pyjwt, *keys().corp_rsa, OidcClaims(), kid_corp), kNow);
    ASSERT_TRUE(oidc.ok()) << oidc.status();
    EXPECT_EQ(oidc->alg, Algorithm::kRS256);
    EXPECT_EQ(oidc->claims.Find("team")->as_string(), "blue");

    absl::StatusOr<VerifiedIdentity> k8s = issuers->Verify(
        SignWith(pyjwt, *keys().k8s, K8sClaims(), kid_k8s), kNow);
    ASSERT_TRUE(k8s.ok()) << k8s.status();
    EXPECT_EQ(k8s->attributes.Find("k8s")->as_object().Find("pod")->as_string(),
              "recorder-7d9f");

    absl::StatusOr<VerifiedIdentity> svid = issuers->Verify(
        SignWith(pyjwt, *keys().spire, SvidClaims(), kid_spire), kNow);
    ASSERT_TRUE(svid.ok()) << svid.status();
    EXPECT_EQ(svid->subject, "spiffe://example.org/ns/media/sa/recorder");

    // The same libraries' tokens for another audience stay refused.
    json::Object other = OidcClaims();
    other.Set("aud", "billing-api");
    EXPECT_EQ(
        ReasonOf(*issuers, SignWith(pyjwt, *keys().corp_rsa, other, kid_corp)),
        Reason::kAudienceMismatch);
  }
}

}  // namespace
}  // namespace tokend::identity
