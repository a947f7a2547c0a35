// Vendor fidelity of the JWT profiles (issue 12) against the real tokend
// binary: the generic JWT typ, Zoom's user_key, LiveKit server-API tokens
// and what revocation can target for them, the token's facts on an invalid
// verdict, the vendors' lengths and character sets, lifetime caps and
// required claims on verify, app-level tokens per caller, and token ids that
// a re-encoded signature does not change. The vendors'
// own libraries (tests/interop: livekit-server-sdk, the Zoom sample's claim
// set through jsonwebtoken, jose) build and check tokens on the other side.
//
// Tokens a library cannot build (an expired one, a claim out of the
// vendor's range) are signed here with the tenant's own secret or key, so
// each refusal below is tokend's rule and not a bad signature.
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/keys/pem.h"
#include "gtest/gtest.h"
#include "openssl/bn.h"
#include "tests/profiles/interop_util.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-hs-secret";
constexpr char kOtherSecret[] = "fedcba9876543210fedcba9876543210-other";
constexpr char kIssuer[] = "https://issuer.test";
constexpr char kLiveKitKey[] = "test-livekit-key";
constexpr char kZoomKey[] = "test-zoom-key";
constexpr char kAccountSid[] = "AC0123456789abcdef0123456789abcdef";
constexpr char kKeySid[] = "SK0123456789abcdef0123456789abcdef";
constexpr char kDailyDomain[] = "0b0e2a2c-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr char kVonageApp[] = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
constexpr char kApiRtcKey[] = "test-api-key";
constexpr char kHs256Header[] = R"({"alg":"HS256","typ":"JWT"})";
constexpr char kTwilioHeader[] =
    R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"})";

int64_t Now() { return absl::ToUnixSeconds(absl::Now()); }

std::string Quoted(absl::string_view s) {
  return json::Serialize(json::Value(std::string(s)));
}

// header.payload.signature, signed with `key` over the exact bytes given.
std::string Sign(const Key& key, absl::string_view header,
                 absl::string_view payload) {
  std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  absl::StatusOr<std::string> signature = key.Sign(input);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return absl::StrCat(input, ".", Base64UrlEncode(signature.value_or("")));
}

// An HS256 key for `secret` (the tenants' own, or another).
std::shared_ptr<const Key> HsKey(absl::string_view secret) {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(Algorithm::kHS256, std::string(secret));
  EXPECT_TRUE(key.ok()) << key.status();
  return *std::move(key);
}

// Signed with the tenants' secret.
std::string Hs256(absl::string_view payload,
                  absl::string_view header = kHs256Header) {
  static const auto* key = new std::shared_ptr<const Key>(HsKey(kSecret));
  return Sign(**key, header, payload);
}

// The decoded JSON of segment `index` (0 header, 1 payload) of a token.
json::Object Part(const std::string& token, int index) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  if (parts.size() != 3) return json::Object();
  absl::StatusOr<std::string> raw = Base64UrlDecode(parts[index]);
  EXPECT_TRUE(raw.ok());
  absl::StatusOr<json::Object> object = json::ParseObject(raw.value_or("{}"));
  EXPECT_TRUE(object.ok());
  return object.value_or(json::Object());
}

std::string StringMember(const json::Object& object, absl::string_view name) {
  const json::Value* v = object.Find(name);
  return v != nullptr && v->is_string() ? v->as_string() : "<absent>";
}

// Runs tests/interop/<script> <mode> with `input` on stdin; its stdout,
// trimmed. Fails the test when the script fails.
std::string Node(const std::string& script, const std::string& mode,
                 const std::string& input) {
  absl::StatusOr<ProcessResult> run = RunNodeScript(script, {mode}, input);
  EXPECT_TRUE(run.ok()) << run.status();
  if (!run.ok()) return "";
  EXPECT_EQ(run->exit_code, 0) << run->out << run->err;
  return std::string(absl::StripAsciiWhitespace(run->out));
}

class VendorFidelityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    tcp_port_ = FreePort();
    ASSERT_EQ(Shell("openssl genpkey -algorithm RSA -pkeyopt "
                    "rsa_keygen_bits:2048 -out " +
                    dir_->File("vonage.pem") + " 2>/dev/null"),
              0);
    ASSERT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                    "ec_paramgen_curve:P-256 -out " +
                    dir_->File("es256.pem") + " 2>/dev/null"),
              0);
    dir_->Write("hs.secret", kSecret);
    const std::string hs = R"(credentials: {secret: "file:hs.secret"})";
    dir_->Write("tokend.yaml",
                absl::StrCat(R"(
listeners:
  unix_socket: )",
                             dir_->File("tokend.sock"), R"(
  tcp: 127.0.0.1:)",
                             tcp_port_, R"(
tenants:
  - name: jwt
    profile: jwt
    issuer: )",
                             kIssuer, R"(
    audience: [svc]
    algorithm: HS256
    )",
                             hs, R"(
  - name: jwt-at
    profile: jwt
    issuer: )",
                             kIssuer, R"(
    algorithm: HS256
    typ: at+jwt
    )",
                             hs, R"(
  - name: jwt-es
    profile: jwt
    issuer: )",
                             kIssuer, R"(
    algorithm: ES256
    credentials: {private_key: "file:es256.pem"}
  - name: lk
    profile: livekit
    params: {api_key: )",
                             kLiveKitKey, R"(}
    credentials: {api_secret: "file:hs.secret"}
  - name: lk-whole
    profile: livekit
    params: {api_key: )",
                             kLiveKitKey, R"(}
    credentials: {api_secret: "file:hs.secret"}
  - name: zk
    profile: zoom
    params: {app_key: )",
                             kZoomKey, R"(}
    )",
                             hs, R"(
    ttl: {default: 1h, max: 2h}
  - name: zi
    profile: zoom
    params: {app_key: )",
                             kZoomKey, R"(, user_claim: user_identity}
    )",
                             hs, R"(
    ttl: {default: 1h, max: 2h}
  - name: tw
    profile: twilio
    params: {account_sid: )",
                             kAccountSid, ", api_key_sid: ", kKeySid, R"(}
    credentials: {api_key_secret: "file:hs.secret"}
  - name: dly
    profile: daily
    params: {domain_id: )",
                             kDailyDomain, R"(}
    credentials: {api_key: "file:hs.secret"}
  - name: vg
    profile: vonage
    params: {application_id: )",
                             kVonageApp, R"(}
    credentials: {private_key: "file:vonage.pem"}
  - name: rtc
    profile: apirtc
    params: {api_key: )",
                             kApiRtcKey, R"(, allow_wildcard: "true"}
    )",
                             hs, R"(
    ttl: {default: 1h, max: 2h}
limits:
  max_token_bytes: 32768
callers:
  - name: me
    uid: )",
                             getuid(), R"(
    issue: ["*"]
    issue_app_level: [lk, lk-whole, vg, rtc]
    revoke: ["*"]
    verify: ["*"]
  - name: tcp
    loopback: true
    issue: ["*"]
)"));
    process_ = new TokendProcess({"--config=" + dir_->File("tokend.yaml")},
                                 dir_->File("tokend.log"));
    ASSERT_TRUE(WaitServing(Unix())) << process_->Log();
    absl::StatusOr<std::shared_ptr<const Key>> vonage =
        KeyFromPem(Algorithm::kRS256, ReadFile(dir_->File("vonage.pem")));
    ASSERT_TRUE(vonage.ok()) << vonage.status();
    vonage_key_ = new std::shared_ptr<const Key>(*std::move(vonage));
  }
  static void TearDownTestSuite() {
    delete vonage_key_;
    delete process_;
    delete dir_;
  }

  static std::string Unix() { return "unix:" + dir_->File("tokend.sock"); }
  static std::string Tcp() { return absl::StrCat("127.0.0.1:", tcp_port_); }

  static std::unique_ptr<v1::TokenService::Stub> Tokens(
      const std::string& target) {
    return v1::TokenService::NewStub(Connect(target));
  }

  static grpc::Status Issue(const v1::IssueTokenRequest& request,
                            v1::IssueTokenResponse* response,
                            const std::string& target = Unix()) {
    grpc::ClientContext context;
    AddMarker(&context);
    return Tokens(target)->IssueToken(&context, request, response);
  }

  // Issues and fails the test unless it succeeds; the token.
  static std::string IssueOk(const v1::IssueTokenRequest& request) {
    v1::IssueTokenResponse response;
    const grpc::Status status = Issue(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.token();
  }

  static v1::VerifyTokenResponse Verify(
      const std::string& tenant, const std::string& token,
      const v1::VerifyExpectations& expectations = {}) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    *request.mutable_expectations() = expectations;
    v1::VerifyTokenResponse response;
    const grpc::Status status =
        Tokens(Unix())->VerifyToken(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static grpc::Status Renew(const std::string& tenant, const std::string& token,
                            const std::string& target,
                            v1::RenewTokenResponse* response) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RenewTokenRequest request;
    request.set_tenant(tenant);
    request.set_token(token);
    return Tokens(target)->RenewToken(&context, request, response);
  }

  static grpc::Status Revoke(const v1::RevokeTokenRequest& request,
                             v1::RevokeTokenResponse* response = nullptr) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::RevokeTokenResponse ignored;
    return Tokens(Unix())->RevokeToken(
        &context, request, response != nullptr ? response : &ignored);
  }

  // A verdict that refuses the token with `reason` on `field` (the detail
  // must name the field's rule: it is checked by the callers that care).
  static void ExpectInvalid(const v1::VerifyTokenResponse& verdict,
                            const std::string& reason) {
    EXPECT_FALSE(verdict.valid());
    EXPECT_EQ(verdict.reason(), reason) << verdict.detail();
  }

  static void ExpectValid(const v1::VerifyTokenResponse& verdict) {
    EXPECT_TRUE(verdict.valid())
        << verdict.reason() << ": " << verdict.detail();
  }

  static v1::IssueTokenRequest Request(const std::string& tenant,
                                       const std::string& subject) {
    v1::IssueTokenRequest request;
    request.set_tenant(tenant);
    if (!subject.empty()) request.mutable_subject()->set_user_id(subject);
    return request;
  }

  static const Key& VonageKey() { return **vonage_key_; }

  static TempDir* dir_;
  static TokendProcess* process_;
  static int tcp_port_;
  static std::shared_ptr<const Key>* vonage_key_;
};

TempDir* VendorFidelityTest::dir_ = nullptr;
TokendProcess* VendorFidelityTest::process_ = nullptr;
int VendorFidelityTest::tcp_port_ = 0;
std::shared_ptr<const Key>* VendorFidelityTest::vonage_key_ = nullptr;

// ---------------------------------------------------------------------------
// Claim sets of each vendor, valid but for what a test changes.

std::string JwtClaims(int64_t iat, int64_t exp, const std::string& jti) {
  return absl::StrCat(
      R"({"iss":")", kIssuer, R"(","sub":"alice","aud":"svc",)", R"("iat":)",
      iat, R"(,"exp":)", exp,
      jti.empty() ? "" : absl::StrCat(R"(,"jti":)", Quoted(jti)), "}");
}

std::string LiveKitClaims(int64_t iat, int64_t exp, const std::string& jti,
                          const std::string& extra = "") {
  return absl::StrCat(R"({"iss":")", kLiveKitKey, R"(","sub":"alice",)",
                      R"("video":{"roomJoin":true,"room":"standup"},"iat":)",
                      iat, R"(,"exp":)", exp, R"(,"jti":)", Quoted(jti), extra,
                      "}");
}

std::string ZoomClaims(int64_t iat, int64_t exp, const std::string& jti,
                       const std::string& extra = "") {
  return absl::StrCat(R"({"app_key":")", kZoomKey,
                      R"(","role_type":0,"tpc":"standup","version":1,"iat":)",
                      iat, R"(,"exp":)", exp, R"(,"jti":)", Quoted(jti), extra,
                      "}");
}

std::string TwilioClaims(
    int64_t iat, int64_t exp, const std::string& jti,
    const std::string& grants = R"({"identity":"alice"})") {
  return absl::StrCat(
      "{", jti.empty() ? "" : absl::StrCat(R"("jti":)", Quoted(jti), ","),
      R"("grants":)", grants, R"(,"iat":)", iat, R"(,"exp":)", exp,
      R"(,"iss":")", kKeySid, R"(","sub":")", kAccountSid, R"("})");
}

std::string DailyClaims(int64_t iat, int64_t exp, const std::string& jti,
                        const std::string& room = "standup") {
  return absl::StrCat(R"({"r":)", Quoted(room), R"(,"d":")", kDailyDomain,
                      R"(","ud":"alice","iat":)", iat, R"(,"exp":)", exp,
                      R"(,"jti":)", Quoted(jti), "}");
}

std::string ApiRtcClaims(int64_t iat, int64_t exp, const std::string& jti,
                         const std::string& user = "alice") {
  return absl::StrCat(R"({"grants":{"apiRTC_UserAgent_Id":)", Quoted(user),
                      R"(},"iat":)", iat, R"(,"exp":)", exp,
                      R"(,"aud":"apiRTC","sub":")", kApiRtcKey, R"(","jti":)",
                      Quoted(jti), "}");
}

std::string VonageClaims(int64_t iat, int64_t exp, const std::string& jti,
                         const std::string& extra = "") {
  return absl::StrCat(R"({"jti":)", Quoted(jti), R"(,"iat":)", iat,
                      R"(,"exp":)", exp, R"(,"sub":"alice")", extra,
                      R"(,"application_id":")", kVonageApp, R"("})");
}

constexpr char kUuid[] = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

std::string WithNbf(std::string claims, int64_t nbf) {
  if (nbf == 0) return claims;
  claims.pop_back();
  return absl::StrCat(claims, R"(,"nbf":)", nbf, "}");
}

// ===================================================================== 5 ==
// An invalid verdict keeps the token's id and times whenever its signature
// was good: expired, not yet valid, or refused by a vendor rule.

class FactsTest : public VendorFidelityTest {
 protected:
  // The tenant's token with the given times (nbf 0: none), id kUuid.
  static std::string Token(const std::string& tenant, int64_t iat, int64_t exp,
                           int64_t nbf) {
    if (tenant == "jwt") return Hs256(WithNbf(JwtClaims(iat, exp, kUuid), nbf));
    if (tenant == "lk") {
      return Hs256(WithNbf(LiveKitClaims(iat, exp, kUuid), nbf));
    }
    if (tenant == "zk") return Hs256(WithNbf(ZoomClaims(iat, exp, kUuid), nbf));
    if (tenant == "tw") {
      return Hs256(WithNbf(TwilioClaims(iat, exp, kUuid), nbf), kTwilioHeader);
    }
    if (tenant == "dly") {
      return Hs256(WithNbf(DailyClaims(iat, exp, kUuid), nbf));
    }
    if (tenant == "rtc") {
      return Hs256(WithNbf(ApiRtcClaims(iat, exp, kUuid), nbf));
    }
    return Sign(VonageKey(), R"({"alg":"RS256","typ":"JWT"})",
                WithNbf(VonageClaims(iat, exp, kUuid), nbf));
  }

  static void ExpectFacts(const v1::VerifyTokenResponse& verdict, int64_t iat,
                          int64_t exp) {
    EXPECT_EQ(verdict.token_id(), kUuid);
    EXPECT_TRUE(verdict.has_issued_at());
    EXPECT_EQ(verdict.issued_at().seconds(), iat);
    EXPECT_TRUE(verdict.has_expires_at());
    EXPECT_EQ(verdict.expires_at().seconds(), exp);
  }
};

constexpr const char* kJwtTenants[] = {"jwt", "lk",  "zk", "tw",
                                       "dly", "rtc", "vg"};

TEST_F(FactsTest, ExpiredTokenKeepsItsIdAndTimes) {
  const int64_t now = Now();
  for (const char* tenant : kJwtTenants) {
    SCOPED_TRACE(tenant);
    const int64_t iat = now - 7200;
    const int64_t exp = now - 3600;
    v1::VerifyTokenResponse verdict =
        Verify(tenant, Token(tenant, iat, exp, 0));
    ExpectInvalid(verdict, "TOKEN_EXPIRED");
    ExpectFacts(verdict, iat, exp);
  }
}

TEST_F(FactsTest, NotYetValidTokenKeepsItsIdAndTimes) {
  const int64_t now = Now();
  for (const char* tenant : kJwtTenants) {
    SCOPED_TRACE(tenant);
    const int64_t exp = now + 5400;
    v1::VerifyTokenResponse verdict =
        Verify(tenant, Token(tenant, now, exp, now + 3600));
    ExpectInvalid(verdict, "TOKEN_NOT_YET_VALID");
    ExpectFacts(verdict, now, exp);
  }
}

TEST_F(FactsTest, VendorRuleFailureKeepsItsIdAndTimes) {
  const int64_t now = Now();
  struct Case {
    const char* tenant;
    std::string token;
    const char* reason;
  };
  const Case cases[] = {
      // An audience the tenant does not accept.
      {"jwt",
       Hs256(absl::StrCat(R"({"iss":")", kIssuer,
                          R"(","aud":"elsewhere","iat":)", now, R"(,"exp":)",
                          now + 600, R"(,"jti":")", kUuid, R"("})")),
       "AUDIENCE_MISMATCH"},
      // Another Zoom app.
      {"zk",
       Hs256(absl::StrCat(R"({"app_key":"another","role_type":0,)",
                          R"("tpc":"standup","version":1,"iat":)", now,
                          R"(,"exp":)", now + 3600, R"(,"jti":")", kUuid,
                          R"("})")),
       "BAD_CLAIM"},
      // Another Twilio account.
      {"tw",
       Hs256(absl::StrCat(R"({"jti":")", kUuid,
                          R"(","grants":{"identity":"alice"},"iat":)", now,
                          R"(,"exp":)", now + 600, R"(,"iss":")", kKeySid,
                          R"(","sub":"AC00000000000000000000000000000000"})"),
             kTwilioHeader),
       "BAD_CLAIM"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.tenant);
    v1::VerifyTokenResponse verdict = Verify(c.tenant, c.token);
    ExpectInvalid(verdict, c.reason);
    EXPECT_EQ(verdict.token_id(), kUuid);
    EXPECT_EQ(verdict.issued_at().seconds(), now);
  }
}

TEST_F(FactsTest, BadSignatureCarriesNoFacts) {
  const int64_t now = Now();
  const std::string token = Sign(*HsKey(kOtherSecret), kHs256Header,
                                 JwtClaims(now, now + 600, kUuid));
  v1::VerifyTokenResponse verdict = Verify("jwt", token);
  ExpectInvalid(verdict, "BAD_SIGNATURE");
  EXPECT_EQ(verdict.token_id(), "");
  EXPECT_FALSE(verdict.has_issued_at());
  EXPECT_FALSE(verdict.has_expires_at());
}

// ===================================================================== 2 ==
// typ: optional by default (RFC 7519 §5.1), required when configured.

class TypTest : public VendorFidelityTest {
 protected:
  // jose's SignJWT with only the header given (jose writes no typ itself).
  static std::string JoseToken(const std::string& header_extra,
                               const std::string& claims) {
    return Node("jose_tool.mjs", "sign",
                absl::StrCat(R"({"lib":"jose","alg":"HS256","key":)",
                             Quoted(kSecret), R"(,"header":{)", header_extra,
                             R"(},"claims":)", claims, "}"));
  }
  static std::string Claims() {
    return absl::StrCat(R"({"iss":")", kIssuer, R"(","sub":"alice",)",
                        R"("aud":"svc","exp":)", Now() + 600, "}");
  }
};

TEST_F(TypTest, GenericTenantAcceptsATokenWithoutTyp) {
  const std::string token = JoseToken("", Claims());
  ASSERT_FALSE(Part(token, 0).Find("typ") != nullptr);
  v1::VerifyTokenResponse verdict = Verify("jwt", token);
  ExpectValid(verdict);
  EXPECT_EQ(verdict.subject(), "alice");
}

TEST_F(TypTest, GenericTenantHoldsAPresentTypToJwt) {
  for (const char* typ : {"JWT", "jwt", "application/jwt", "APPLICATION/JWT"}) {
    SCOPED_TRACE(typ);
    ExpectValid(Verify(
        "jwt", JoseToken(absl::StrCat(R"("typ":)", Quoted(typ)), Claims())));
  }
  for (const char* typ : {"at+jwt", "application/at+jwt", "JOSE", ""}) {
    SCOPED_TRACE(typ);
    ExpectInvalid(
        Verify("jwt",
               JoseToken(absl::StrCat(R"("typ":)", Quoted(typ)), Claims())),
        "TYPE_MISMATCH");
  }
}

TEST_F(TypTest, ConfiguredTypIsWrittenAndRequired) {
  const std::string issued = IssueOk(Request("jwt-at", "alice"));
  EXPECT_EQ(StringMember(Part(issued, 0), "typ"), "at+jwt");
  ExpectValid(Verify("jwt-at", issued));
  for (const char* typ : {"at+jwt", "application/AT+JWT"}) {
    SCOPED_TRACE(typ);
    ExpectValid(Verify(
        "jwt-at", JoseToken(absl::StrCat(R"("typ":)", Quoted(typ)), Claims())));
  }
  v1::VerifyTokenResponse missing = Verify("jwt-at", JoseToken("", Claims()));
  ExpectInvalid(missing, "TYPE_MISMATCH");
  EXPECT_NE(missing.detail().find("at+jwt"), std::string::npos)
      << missing.detail();
  ExpectInvalid(Verify("jwt-at", JoseToken(R"("typ":"JWT")", Claims())),
                "TYPE_MISMATCH");
}

TEST_F(TypTest, DefaultTenantStillWritesJwt) {
  EXPECT_EQ(StringMember(Part(IssueOk(Request("jwt", "alice")), 0), "typ"),
            "JWT");
}

TEST_F(TypTest, ConfigRefusesTypOutsideJwtTenantsAndBadTypes) {
  struct Case {
    const char* tenant;
    const char* field;
  };
  const Case cases[] = {
      {R"(
  - name: z
    profile: zoom
    typ: JWT
    params: {app_key: k}
    credentials: {secret: "file:hs.secret"})",
       "tenants[0].typ"},
      {R"(
  - name: j
    profile: jwt
    issuer: i
    algorithm: HS256
    typ: "at jwt"
    credentials: {secret: "file:hs.secret"})",
       "tenants[0].typ"},
      {R"(
  - name: z
    profile: zoom
    params: {app_key: k, user_clam: user_identity}
    credentials: {secret: "file:hs.secret"})",
       "tenants[0].params.user_clam"},
      {R"(
  - name: z
    profile: zoom
    params: {app_key: k, user_claim: userkey}
    credentials: {secret: "file:hs.secret"})",
       "tenants[0].params.user_claim"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    dir_->Write("bad.yaml",
                absl::StrCat("listeners: {unix_socket: ", dir_->File("c.sock"),
                             "}\ntenants:", c.tenant, "\n"));
    const int code = Shell(absl::StrCat(
        TokendBinary(), " --check-config --config=", dir_->File("bad.yaml"),
        " > ", dir_->File("check.out"), " 2>&1"));
    EXPECT_NE(code, 0);
    EXPECT_NE(ReadFile(dir_->File("check.out")).find(c.field),
              std::string::npos)
        << ReadFile(dir_->File("check.out"));
  }
}

// ===================================================================== 3 ==
// Zoom's user claim: user_key (current docs) and user_identity (before).

class ZoomUserTest : public VendorFidelityTest {
 protected:
  // The token Zoom's videosdk-auth-endpoint-sample builds for this request
  // body (tests/interop/zoom.mjs).
  static std::string Sample(const std::string& user_field,
                            const std::string& user) {
    return Node(
        "zoom.mjs", "sign",
        absl::StrCat(R"({"secret":)", Quoted(kSecret), R"(,"appKey":")",
                     kZoomKey, R"(","role":1,"sessionName":"Cool Cars",)",
                     R"("sessionKey":"session123",)", Quoted(user_field), ":",
                     Quoted(user), "}"));
  }
  // The claims Zoom's side reads from a token (jsonwebtoken, HS256 only).
  static json::Object ZoomReads(const std::string& token) {
    const std::string out =
        Node("zoom.mjs", "verify",
             absl::StrCat(R"({"secret":)", Quoted(kSecret), R"(,"token":)",
                          Quoted(token), "}"));
    absl::StatusOr<json::Object> claims = json::ParseObject(out);
    EXPECT_TRUE(claims.ok()) << out;
    return claims.value_or(json::Object());
  }
  static v1::IssueTokenRequest ZoomRequest(const std::string& tenant) {
    v1::IssueTokenRequest request = Request(tenant, "user123");
    request.mutable_zoom()->set_topic("Cool Cars");
    request.mutable_zoom()->set_role_type(v1::ZOOM_ROLE_TYPE_HOST);
    request.mutable_zoom()->set_session_key("session123");
    return request;
  }
};

TEST_F(ZoomUserTest, UserKeyFromTheSampleIsTheSubject) {
  for (const char* tenant : {"zk", "zi"}) {
    SCOPED_TRACE(tenant);
    v1::VerifyTokenResponse verdict =
        Verify(tenant, Sample("userKey", "user123"));
    ExpectValid(verdict);
    EXPECT_EQ(verdict.subject(), "user123");
    EXPECT_EQ(verdict.zoom().topic(), "Cool Cars");
    // The former name still reads the same.
    verdict = Verify(tenant, Sample("userIdentity", "user123"));
    ExpectValid(verdict);
    EXPECT_EQ(verdict.subject(), "user123");
  }
}

TEST_F(ZoomUserTest, TenantWritesTheClaimItIsSetTo) {
  // zk: user_key (the default); zi: params.user_claim user_identity.
  const struct {
    const char* tenant;
    const char* written;
    const char* absent;
    const char* sample_field;
  } cases[] = {{"zk", "user_key", "user_identity", "userKey"},
               {"zi", "user_identity", "user_key", "userIdentity"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.tenant);
    const std::string token = IssueOk(ZoomRequest(c.tenant));
    json::Object ours = ZoomReads(token);
    EXPECT_EQ(StringMember(ours, c.written), "user123");
    EXPECT_EQ(ours.Find(c.absent), nullptr);
    // Every claim the sample writes for the same request, tokend writes
    // with the same value (the times aside).
    json::Object sample = ZoomReads(Sample(c.sample_field, "user123"));
    for (const auto& [name, value] : sample.members()) {
      if (name == "iat" || name == "exp") continue;
      SCOPED_TRACE(name);
      const json::Value* mine = ours.Find(name);
      ASSERT_NE(mine, nullptr);
      EXPECT_EQ(json::Serialize(*mine), json::Serialize(value));
    }
  }
}

TEST_F(ZoomUserTest, TwoDifferentUsersAreRefused) {
  const int64_t now = Now();
  v1::VerifyTokenResponse verdict = Verify(
      "zk", Hs256(ZoomClaims(now, now + 3600, kUuid,
                             R"(,"user_key":"alice","user_identity":"bob")")));
  ExpectInvalid(verdict, "BAD_CLAIM");
  EXPECT_NE(verdict.detail().find("different users"), std::string::npos);
  verdict = Verify(
      "zk",
      Hs256(ZoomClaims(now, now + 3600, kUuid,
                       R"(,"user_key":"alice","user_identity":"alice")")));
  ExpectValid(verdict);
  EXPECT_EQ(verdict.subject(), "alice");
}

TEST_F(ZoomUserTest, EachClaimHasZoomsLength) {
  const int64_t now = Now();
  const std::string key36(36, 'k');
  const std::string key37(37, 'k');
  ExpectValid(Verify(
      "zk", Hs256(ZoomClaims(now, now + 3600, kUuid,
                             absl::StrCat(R"(,"user_key":")", key36, "\"")))));
  v1::VerifyTokenResponse verdict = Verify(
      "zk", Hs256(ZoomClaims(now, now + 3600, kUuid,
                             absl::StrCat(R"(,"user_key":")", key37, "\""))));
  ExpectInvalid(verdict, "BAD_CLAIM");
  EXPECT_NE(verdict.detail().find("Zoom's limit of 36"), std::string::npos)
      << verdict.detail();
  // On issue: 36 for user_key, 35 for user_identity.
  v1::IssueTokenRequest request = ZoomRequest("zk");
  request.mutable_subject()->set_user_id(key36);
  IssueOk(request);
  request.set_tenant("zi");
  v1::IssueTokenResponse response;
  const grpc::Status status = Issue(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "subject");
  EXPECT_NE(status.error_message().find("Zoom's limit of 35"),
            std::string::npos)
      << status.error_message();
}

// ===================================================================== 4 ==
// LiveKit server-API tokens: no identity, room-admin grants.

class LiveKitServerApiTest : public VendorFidelityTest {
 protected:
  static std::string Secrets() {
    return absl::StrCat(R"("api_key":")", kLiveKitKey, R"(","api_secret":)",
                        Quoted(kSecret));
  }
  // What RoomServiceClient mints for its own calls.
  static std::string ServiceToken(const std::string& video) {
    return Node("livekit.mjs", "service",
                absl::StrCat("{", Secrets(), R"(,"video":)", video, "}"));
  }
  // What AccessToken mints for an identity (or none) and a video grant.
  static std::string SdkToken(const std::string& identity,
                              const std::string& video) {
    return Node("livekit.mjs", "generate",
                absl::StrCat("{", Secrets(),
                             identity.empty() ? ""
                                              : absl::StrCat(R"(,"identity":)",
                                                             Quoted(identity)),
                             R"(,"video":)", video, "}"));
  }
  // The claims livekit-server-sdk's TokenVerifier accepts the token with.
  static json::Object SdkVerifies(const std::string& token) {
    const std::string out =
        Node("livekit.mjs", "verify",
             absl::StrCat("{", Secrets(), R"(,"token":)", Quoted(token), "}"));
    absl::StatusOr<json::Object> claims = json::ParseObject(out);
    EXPECT_TRUE(claims.ok()) << out;
    return claims.value_or(json::Object());
  }
};

TEST_F(LiveKitServerApiTest, RoomServiceClientTokensVerify) {
  struct Case {
    const char* video;
    v1::LiveKitVideoGrant grant;
  };
  std::vector<Case> cases(5);
  cases[0].video = R"({"roomCreate":true})";
  cases[0].grant.set_room_create(true);
  cases[1].video = R"({"roomList":true})";
  cases[1].grant.set_room_list(true);
  cases[2].video = R"({"roomAdmin":true,"room":"standup"})";
  cases[2].grant.set_room_admin(true);
  cases[2].grant.set_room("standup");
  cases[3].video = R"({"roomRecord":true})";
  cases[3].grant.set_room_record(true);
  cases[4].video = R"({"ingressAdmin":true})";
  cases[4].grant.set_ingress_admin(true);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.video);
    const std::string token = ServiceToken(c.video);
    ASSERT_EQ(Part(token, 1).Find("sub"), nullptr);
    v1::VerifyTokenResponse verdict = Verify("lk", token);
    ExpectValid(verdict);
    EXPECT_EQ(verdict.subject(), "");
    EXPECT_EQ(verdict.token_id(), "");
    ASSERT_TRUE(verdict.has_livekit());
    EXPECT_EQ(verdict.livekit().video().SerializeAsString(),
              c.grant.SerializeAsString())
        << verdict.livekit().DebugString();
  }
}

TEST_F(LiveKitServerApiTest, TokendIssuesWhatTheSdkWrites) {
  v1::IssueTokenRequest request = Request("lk", "");
  request.mutable_livekit()->mutable_video()->set_room_create(true);
  request.mutable_livekit()->mutable_video()->set_room_list(true);
  const std::string token = IssueOk(request);
  json::Object ours = SdkVerifies(token);
  json::Object theirs =
      SdkVerifies(SdkToken("", R"({"roomCreate":true,"roomList":true})"));
  EXPECT_EQ(ours.Find("sub"), nullptr);
  EXPECT_EQ(theirs.Find("sub"), nullptr);
  ASSERT_NE(ours.Find("video"), nullptr);
  ASSERT_NE(theirs.Find("video"), nullptr);
  EXPECT_EQ(json::Serialize(*ours.Find("video")),
            json::Serialize(*theirs.Find("video")));
  // And tokend reads its own token back the same way.
  v1::VerifyTokenResponse verdict = Verify("lk", token);
  ExpectValid(verdict);
  EXPECT_EQ(verdict.subject(), "");
  EXPECT_TRUE(verdict.livekit().video().room_create());
}

TEST_F(LiveKitServerApiTest, JoiningStillNeedsAnIdentity) {
  const int64_t now = Now();
  v1::VerifyTokenResponse verdict = Verify(
      "lk",
      Hs256(absl::StrCat(R"({"iss":")", kLiveKitKey,
                         R"(","video":{"roomJoin":true,"room":"standup"},)",
                         R"("nbf":0,"exp":)", now + 600, "}")));
  ExpectInvalid(verdict, "BAD_CLAIM");
  v1::IssueTokenRequest request = Request("lk", "");
  request.mutable_livekit()->mutable_video()->set_room_join(true);
  request.mutable_livekit()->mutable_video()->set_room("standup");
  v1::IssueTokenResponse response;
  const grpc::Status status = Issue(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "subject");
}

TEST_F(LiveKitServerApiTest, AppLevelTokensNeedTheCallersRight) {
  // The tcp caller may issue for lk, but not app-level tokens.
  v1::IssueTokenRequest service = Request("lk", "");
  service.mutable_livekit()->mutable_video()->set_room_create(true);
  v1::IssueTokenRequest admin = Request("lk", "alice");
  admin.mutable_livekit()->mutable_video()->set_room_list(true);
  v1::IssueTokenRequest join = Request("lk", "alice");
  join.mutable_livekit()->mutable_video()->set_room_join(true);
  join.mutable_livekit()->mutable_video()->set_room("standup");
  for (const v1::IssueTokenRequest* request : {&service, &admin}) {
    v1::IssueTokenResponse response;
    grpc::Status status = Issue(*request, &response, Tcp());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << status.error_message();
    EXPECT_EQ(DetailsOf(status).reason, "PERMISSION_DENIED");
    status = Issue(*request, &response, Unix());
    EXPECT_TRUE(status.ok()) << status.error_message();
    // Renewing it is issuing it again.
    v1::RenewTokenResponse renewed;
    status = Renew("lk", response.token(), Tcp(), &renewed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  v1::IssueTokenResponse response;
  const grpc::Status status = Issue(join, &response, Tcp());
  EXPECT_TRUE(status.ok()) << status.error_message();
  // A service token renewed by a caller with the right stays subject-less.
  ASSERT_TRUE(Issue(service, &response, Unix()).ok());
  v1::RenewTokenResponse renewed;
  ASSERT_TRUE(Renew("lk", response.token(), Unix(), &renewed).ok());
  EXPECT_EQ(Part(renewed.token(), 1).Find("sub"), nullptr);
  EXPECT_EQ(Verify("lk", renewed.token()).subject(), "");
}

TEST_F(LiveKitServerApiTest, RevocationTargetsSubjectAndTenant) {
  // livekit-server-sdk writes no jti and no iat.
  const std::string before =
      SdkToken("revoked-user", R"({"roomJoin":true,"room":"standup"})");
  ASSERT_EQ(Part(before, 1).Find("jti"), nullptr);
  ASSERT_EQ(Part(before, 1).Find("iat"), nullptr);
  v1::VerifyTokenResponse verdict = Verify("lk", before);
  ExpectValid(verdict);
  EXPECT_FALSE(verdict.has_issued_at());  // it has none

  // Nothing names this token alone.
  v1::RevokeTokenRequest by_token;
  by_token.set_tenant("lk");
  by_token.set_token(before);
  grpc::Status status = Revoke(by_token);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).field, "token");
  ExpectValid(Verify("lk", before));

  // Its subject: the token, and any such token minted later while the
  // revocation is in force (none can show it came after it).
  v1::RevokeTokenRequest by_subject;
  by_subject.set_tenant("lk");
  by_subject.set_subject("revoked-user");
  v1::RevokeTokenResponse revoked;
  ASSERT_TRUE(Revoke(by_subject, &revoked).ok());
  ExpectInvalid(Verify("lk", before), "REVOKED");
  ExpectInvalid(Verify("lk", SdkToken("revoked-user",
                                      R"({"roomJoin":true,"room":"standup"})")),
                "REVOKED");
  // tokend's own tokens carry iat: one issued after the revocation is good.
  // iat is whole seconds, so wait for the clock to pass the revocation's
  // second first.
  const absl::Time revoked_at =
      absl::FromUnixSeconds(revoked.revoked_at().seconds());
  ASSERT_TRUE(
      WaitFor([&] { return absl::Now() >= revoked_at + absl::Seconds(1); },
              absl::Seconds(5)));
  v1::IssueTokenRequest request = Request("lk", "revoked-user");
  ExpectValid(Verify("lk", IssueOk(request)));
  ExpectValid(Verify(
      "lk", SdkToken("someone-else", R"({"roomJoin":true,"room":"standup"})")));

  // A server-API token has no subject either: only the tenant covers it.
  const std::string service = ServiceToken(R"({"roomList":true})");
  ExpectValid(Verify("lk-whole", service));
  v1::RevokeTokenRequest whole;
  whole.set_tenant("lk-whole");
  whole.set_whole_tenant(true);
  ASSERT_TRUE(Revoke(whole).ok());
  ExpectInvalid(Verify("lk-whole", service), "REVOKED");
}

// ================================================================= 4, 7 ==
// Other app-level tokens, and revoking a token that has no id.

TEST_F(VendorFidelityTest, VonageApplicationJwtWithoutSubjectIsAppLevel) {
  v1::IssueTokenRequest app = Request("vg", "");
  v1::IssueTokenResponse response;
  grpc::Status status = Issue(app, &response, Tcp());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Issue(app, &response, Unix()).ok());
  // A user's login token and a video token are not.
  EXPECT_TRUE(Issue(Request("vg", "alice"), &response, Tcp()).ok());
  v1::IssueTokenRequest video = Request("vg", "");
  video.mutable_vonage()->mutable_video()->set_session_id(
      "1_MX4xMjM0NTY3OH5-fg");
  status = Issue(video, &response, Tcp());
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(VendorFidelityTest, ApiRtcWildcardIsAppLevel) {
  v1::IssueTokenRequest wildcard = Request("rtc", "");
  wildcard.mutable_apirtc()->set_all_users(true);
  v1::IssueTokenResponse response;
  const grpc::Status status = Issue(wildcard, &response, Tcp());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Issue(wildcard, &response, Unix()).ok());
  EXPECT_TRUE(Issue(Request("rtc", "alice"), &response, Tcp()).ok());
}

TEST_F(VendorFidelityTest, RevokingATokenWithoutIdSaysWhatCan) {
  const int64_t now = Now();
  const std::string token = Hs256(JwtClaims(now, now + 600, ""));
  ExpectValid(Verify("jwt", token));
  v1::RevokeTokenRequest request;
  request.set_tenant("jwt");
  request.set_token(token);
  const grpc::Status status = Revoke(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_EQ(DetailsOf(status).field, "token");
  EXPECT_NE(status.error_message().find("revoke its subject"),
            std::string::npos)
      << status.error_message();
  ExpectValid(Verify("jwt", token));
}

// ===================================================================== 7 ==
// A token's id comes from its signed claims, never from bytes its holder can
// re-encode. Anyone can turn an ES256 signature (r, s) into (r, n − s)
// without the key, and the token still verifies; it must keep its jti, and
// so its revocation.

// The token with its ES256 signature's s replaced by n − s (P-256's n).
std::string WithNegatedS(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  absl::StatusOr<std::string> signature = Base64UrlDecode(parts[2]);
  EXPECT_TRUE(signature.ok() && signature->size() == 64);
  if (!signature.ok() || signature->size() != 64) return token;
  BIGNUM* n = nullptr;
  BN_hex2bn(&n,
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  BIGNUM* s =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(signature->data()) + 32,
                32, nullptr);
  BIGNUM* negated = BN_new();
  BN_sub(negated, n, s);
  unsigned char out[32];
  EXPECT_EQ(BN_bn2binpad(negated, out, sizeof(out)), 32);
  BN_free(negated);
  BN_free(s);
  BN_free(n);
  std::string twin = signature->substr(0, 32);
  twin.append(reinterpret_cast<const char*>(out), sizeof(out));
  return absl::StrCat(parts[0], ".", parts[1], ".", Base64UrlEncode(twin));
}

TEST_F(VendorFidelityTest, ReencodedSignatureKeepsTheIdAndTheRevocation) {
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue(Request("jwt-es", "alice"), &issued).ok());
  const std::string twin = WithNegatedS(issued.token());
  ASSERT_NE(twin, issued.token());
  v1::VerifyTokenResponse verdict = Verify("jwt-es", twin);
  ExpectValid(verdict);  // ECDSA accepts s and n − s alike
  EXPECT_EQ(verdict.token_id(), issued.token_id());

  v1::RevokeTokenRequest request;
  request.set_tenant("jwt-es");
  request.set_token(issued.token());
  ASSERT_TRUE(Revoke(request).ok());
  ExpectInvalid(Verify("jwt-es", issued.token()), "REVOKED");
  verdict = Verify("jwt-es", twin);
  ExpectInvalid(verdict, "REVOKED");
  EXPECT_EQ(verdict.token_id(), issued.token_id());
}

// ===================================================================== 6 ==
// The vendors' documented lengths and character sets, on issue and verify.

TEST_F(VendorFidelityTest, DailyRoomNamesAreDailys) {
  const int64_t now = Now();
  for (const std::string& room :
       {std::string("stand up"), std::string("room.1"),
        std::string(129, 'r')}) {
    SCOPED_TRACE(room);
    v1::IssueTokenRequest request = Request("dly", "alice");
    request.mutable_daily()->set_room_name(room);
    v1::IssueTokenResponse response;
    const grpc::Status status = Issue(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(DetailsOf(status).field, "grants.daily.room_name");
    EXPECT_NE(status.error_message().find("Daily"), std::string::npos);
    v1::VerifyTokenResponse verdict =
        Verify("dly", Hs256(DailyClaims(now, now + 600, kUuid, room)));
    ExpectInvalid(verdict, "BAD_CLAIM");
    EXPECT_NE(verdict.detail().find("Daily"), std::string::npos)
        << verdict.detail();
  }
  ExpectValid(Verify("dly", Hs256(DailyClaims(now, now + 600, kUuid,
                                              std::string(126, 'r') + "-_"))));
}

TEST_F(VendorFidelityTest, VonageSessionIdsHaveVonagesShape) {
  const int64_t now = Now();
  v1::IssueTokenRequest request = Request("vg", "");
  request.mutable_vonage()->mutable_video()->set_session_id("1_MX4 <script>");
  v1::IssueTokenResponse response;
  const grpc::Status status = Issue(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "grants.vonage.session_id");
  const std::string video = absl::StrCat(
      R"({"scope":"session.connect","session_id":"1_MX4 <script>",)",
      R"("role":"publisher","initial_layout_class_list":"","exp":)", now + 600,
      R"(,"sub":"video","acl":{"paths":{"/session/**":{}}},)", R"("jti":")",
      kUuid, R"(","iat":)", now, R"(,"application_id":")", kVonageApp, R"("})");
  v1::VerifyTokenResponse verdict =
      Verify("vg", Sign(VonageKey(), R"({"alg":"RS256","typ":"JWT"})", video));
  ExpectInvalid(verdict, "BAD_CLAIM");
  EXPECT_NE(verdict.detail().find("session id"), std::string::npos);
}

TEST_F(VendorFidelityTest, TwilioIdentitiesFollowEachProduct) {
  const int64_t now = Now();
  // Twilio Video: at most 128 characters.
  v1::IssueTokenRequest request = Request("tw", std::string(129, 'a'));
  request.mutable_twilio()->mutable_video()->set_room("standup");
  v1::IssueTokenResponse response;
  grpc::Status status = Issue(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(status).field, "subject");
  EXPECT_NE(status.error_message().find("Twilio Video"), std::string::npos);
  ExpectInvalid(
      Verify("tw", Hs256(TwilioClaims(now, now + 600, kUuid,
                                      absl::StrCat(R"({"identity":")",
                                                   std::string(129, 'a'),
                                                   R"(","video":{}})")),
                         kTwilioHeader)),
      "BAD_CLAIM");
  // Twilio Voice: letters, digits and '_' only.
  ExpectInvalid(
      Verify("tw", Hs256(TwilioClaims(now, now + 600, kUuid,
                                      R"({"identity":"a-b","voice":{}})"),
                         kTwilioHeader)),
      "BAD_CLAIM");
  ExpectValid(
      Verify("tw", Hs256(TwilioClaims(now, now + 600, kUuid,
                                      R"({"identity":"a_b","voice":{}})"),
                         kTwilioHeader)));
}

TEST_F(VendorFidelityTest, LiveKitAndApiRtcCapsHoldOnVerify) {
  const int64_t now = Now();
  std::string attributes = R"(,"attributes":{)";
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(&attributes, i == 0 ? "" : ",", "\"k", i, "\":\"",
                    std::string(1000, 'v'), "\"");
  }
  attributes += "}";
  v1::VerifyTokenResponse verdict =
      Verify("lk", Hs256(LiveKitClaims(now, now + 600, kUuid, attributes)));
  ExpectInvalid(verdict, "BAD_CLAIM");
  EXPECT_NE(verdict.detail().find("tokend's cap"), std::string::npos);
  verdict = Verify(
      "rtc", Hs256(ApiRtcClaims(now, now + 600, kUuid, std::string(257, 'u'))));
  ExpectInvalid(verdict, "BAD_CLAIM");
}

// ===================================================================== 9 ==
// Lifetime caps on verify, as on issue.

TEST_F(VendorFidelityTest, LifetimeCapsHoldOnVerify) {
  const int64_t now = Now();
  struct Case {
    const char* tenant;
    std::string token;
  };
  const Case cases[] = {
      // Tenant ttl.max 2h (Zoom's own cap is 48 h, ApiRTC's 24 h).
      {"zk", Hs256(ZoomClaims(now, now + 3 * 3600, kUuid))},
      {"rtc", Hs256(ApiRtcClaims(now, now + 3 * 3600, kUuid))},
      // Twilio's and Vonage's 24 h; LiveKit's and Daily's tenant 24 h.
      {"tw", Hs256(TwilioClaims(now, now + 25 * 3600, kUuid), kTwilioHeader)},
      {"vg", Sign(VonageKey(), R"({"alg":"RS256","typ":"JWT"})",
                  VonageClaims(now, now + 25 * 3600, kUuid))},
      {"lk", Hs256(LiveKitClaims(now, now + 25 * 3600, kUuid))},
      {"dly", Hs256(DailyClaims(now, now + 25 * 3600, kUuid))},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.tenant);
    v1::VerifyTokenResponse verdict = Verify(c.tenant, c.token);
    ExpectInvalid(verdict, "LIFETIME_EXCEEDED");
    EXPECT_EQ(verdict.token_id(), kUuid);
  }
}

// ==================================================================== 10 ==
// Required claims.

TEST_F(VendorFidelityTest, TwilioTokenWithoutJtiIsRefused) {
  const int64_t now = Now();
  v1::VerifyTokenResponse verdict =
      Verify("tw", Hs256(TwilioClaims(now, now + 600, ""), kTwilioHeader));
  ExpectInvalid(verdict, "BAD_CLAIM");
  EXPECT_NE(verdict.detail().find("jti"), std::string::npos);
  ExpectValid(
      Verify("tw", Hs256(TwilioClaims(now, now + 600, "SK-1"), kTwilioHeader)));
}

}  // namespace
}  // namespace tokend::testing
