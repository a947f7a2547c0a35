// CurlFetcher (server/transport/curl_fetcher.h) against the real local
// OIDC issuer (tests/harness/oidc_issuer.py) over real sockets: a normal
// answer with lower-cased headers, each limit (body cap, whole timeout,
// redirects and their schemes), HTML caught by the engine's document check,
// the bearer token file (re-read per request), and HTTPS with a CA bundle
// made here by `openssl req` (trusted only through ca_file; a redirect
// from it to http refused).
#include "server/transport/curl_fetcher.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/clock.h"
#include "core/identity/fetcher.h"
#include "core/identity/trusted_issuers.h"
#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/oidc_issuer_process.h"
#include "tests/server/e2e/tokend_process.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

identity::FetchRequest Request(const std::string& url) {
  identity::FetchRequest request;
  request.url = url;
  request.allow_http = true;
  request.timeout = absl::Seconds(5);
  return request;
}

class CurlFetcherTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(issuer_.ok()); }
  OidcIssuerProcess issuer_;
  CurlFetcher fetcher_;
};

TEST_F(CurlFetcherTest, FetchesTheJwksWithLowerCasedHeaders) {
  ASSERT_TRUE(issuer_.SetCacheControl("Max-Age=120"));
  absl::StatusOr<identity::FetchResponse> response =
      fetcher_.Fetch(Request(issuer_.jwks_url()));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->final_url, issuer_.jwks_url());
  EXPECT_EQ(response->Header("cache-control"), "Max-Age=120");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_THAT(response->body, HasSubstr("\"keys\""));
  EXPECT_TRUE(identity::CheckFetchedDocument(Request(issuer_.jwks_url()),
                                             *response, "JWKS")
                  .ok());
  EXPECT_EQ(issuer_.Count("/jwks"), 1);
}

TEST_F(CurlFetcherTest, AHugeBodyIsRefusedAtTheCap) {
  ASSERT_TRUE(issuer_.SetMode("jwks", "huge", R"("bytes": 4194304)"));
  identity::FetchRequest request = Request(issuer_.jwks_url());
  request.max_body_bytes = 64 * 1024;
  absl::StatusOr<identity::FetchResponse> response = fetcher_.Fetch(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(GetReason(response.status()), Reason::kResourceExhausted);
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("exceeds 65536 bytes"));
}

TEST_F(CurlFetcherTest, AStalledIssuerHitsTheTimeout) {
  ASSERT_TRUE(issuer_.SetMode("jwks", "stall", R"("seconds": 30)"));
  identity::FetchRequest request = Request(issuer_.jwks_url());
  request.timeout = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  absl::StatusOr<identity::FetchResponse> response = fetcher_.Fetch(request);
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(GetReason(response.status()), Reason::kUnavailable);
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("timed out"));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST_F(CurlFetcherTest, HtmlIsAnAnswerTheDocumentCheckRefuses) {
  ASSERT_TRUE(issuer_.SetMode("jwks", "html"));
  const identity::FetchRequest request = Request(issuer_.jwks_url());
  absl::StatusOr<identity::FetchResponse> response = fetcher_.Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status();
  const absl::Status check =
      identity::CheckFetchedDocument(request, *response, "JWKS");
  EXPECT_EQ(GetReason(check), Reason::kKeySetInvalid) << check;
}

TEST_F(CurlFetcherTest, AnErrorStatusIsAResponse) {
  ASSERT_TRUE(issuer_.SetMode("jwks", "fail", R"("status": 503)"));
  absl::StatusOr<identity::FetchResponse> response =
      fetcher_.Fetch(Request(issuer_.jwks_url()));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
}

TEST_F(CurlFetcherTest, HttpIsRefusedWithoutAllowHttp) {
  identity::FetchRequest request = Request(issuer_.jwks_url());
  request.allow_http = false;
  absl::StatusOr<identity::FetchResponse> response = fetcher_.Fetch(request);
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("not an https URL"));
  EXPECT_EQ(issuer_.Count("/jwks"), 0);
}

TEST_F(CurlFetcherTest, RedirectsAreFollowedWithinTheLimitAndSchemes) {
  // To the discovery document: followed, final_url says where.
  ASSERT_TRUE(issuer_.SetMode(
      "jwks", "redirect",
      absl::StrCat(R"("location": ")", issuer_.discovery_url(), "\"")));
  absl::StatusOr<identity::FetchResponse> followed =
      fetcher_.Fetch(Request(issuer_.jwks_url()));
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_EQ(followed->status, 200);
  EXPECT_EQ(followed->final_url, issuer_.discovery_url());

  // max_redirects 0: the 302 is the answer.
  identity::FetchRequest none = Request(issuer_.jwks_url());
  none.max_redirects = 0;
  absl::StatusOr<identity::FetchResponse> not_followed = fetcher_.Fetch(none);
  ASSERT_TRUE(not_followed.ok()) << not_followed.status();
  EXPECT_EQ(not_followed->status, 302);

  // A loop: past max_redirects.
  ASSERT_TRUE(issuer_.SetMode(
      "jwks", "redirect",
      absl::StrCat(R"("location": ")", issuer_.jwks_url(), "\"")));
  absl::StatusOr<identity::FetchResponse> loop =
      fetcher_.Fetch(Request(issuer_.jwks_url()));
  ASSERT_FALSE(loop.ok());
  EXPECT_THAT(std::string(loop.status().message()), HasSubstr("redirects"));

  // To a local file: never.
  ASSERT_TRUE(issuer_.SetMode("jwks", "redirect",
                              R"("location": "file:///etc/passwd")"));
  absl::StatusOr<identity::FetchResponse> file =
      fetcher_.Fetch(Request(issuer_.jwks_url()));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr("scheme is not allowed"));
}

TEST_F(CurlFetcherTest, TheBearerTokenFileIsSentAndReReadEachTime) {
  TempDir dir;
  dir.Write("token", "first-token\n");
  identity::FetchRequest request = Request(issuer_.jwks_url());
  request.bearer_token_file = dir.File("token");
  ASSERT_TRUE(fetcher_.Fetch(request).ok());
  EXPECT_EQ(issuer_.LastAuthorization(), "Bearer first-token");
  dir.Write("token", "rotated-token");
  ASSERT_TRUE(fetcher_.Fetch(request).ok());
  EXPECT_EQ(issuer_.LastAuthorization(), "Bearer rotated-token");
  // An unreadable file fails the request; its content is never in errors.
  request.bearer_token_file = dir.File("missing");
  absl::StatusOr<identity::FetchResponse> missing = fetcher_.Fetch(request);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              Not(HasSubstr("rotated-token")));
}

// The whole chain the server runs: discovery and JWKS through this fetcher
// into a trusted issuer, then a token PyJWT minted at the issuer verifies;
// after a rotation the new kid is unknown until the next fetch.
TEST_F(CurlFetcherTest, TokensMintedByTheIssuerVerifyThroughItsFetchedKeys) {
  identity::IssuerSpec spec =
      identity::OidcIssuer("corp", issuer_.base_url(), {"tokend"});
  spec.keys.allow_http = true;
  identity::IssuerDeps deps;
  deps.http = &fetcher_;
  deps.clock = &RealClock::Get();
  absl::StatusOr<std::shared_ptr<const identity::TrustedIssuers>> issuers =
      identity::TrustedIssuers::Create({spec}, deps);
  ASSERT_TRUE(issuers.ok()) << issuers.status();
  (*issuers)->key_sets()[0]->Fetch();
  ASSERT_TRUE((*issuers)->Ready());
  const std::string token =
      issuer_.Mint(R"({"sub": "alice", "aud": "tokend", "team": "red"})");
  ASSERT_FALSE(token.empty());
  absl::StatusOr<identity::VerifiedIdentity> identity =
      (*issuers)->Verify(token, absl::Now());
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->issuer_name, "corp");
  EXPECT_EQ(identity->subject, "alice");
  // Another audience is refused.
  EXPECT_FALSE((*issuers)
                   ->Verify(issuer_.Mint(R"({"sub": "alice", "aud": "other"})"),
                            absl::Now())
                   .ok());
  // Rotated: unknown until fetched again.
  const std::string kid = issuer_.Rotate(/*keep_old=*/false);
  ASSERT_FALSE(kid.empty());
  const std::string rotated =
      issuer_.Mint(R"({"sub": "bob", "aud": "tokend"})");
  absl::StatusOr<identity::VerifiedIdentity> unknown =
      (*issuers)->Verify(rotated, absl::Now());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(GetReason(unknown.status()), Reason::kUnknownKid);
  (*issuers)->key_sets()[0]->Fetch();
  absl::StatusOr<identity::VerifiedIdentity> known =
      (*issuers)->Verify(rotated, absl::Now());
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_EQ(known->kid, kid);
}

// HTTPS: a throwaway CA-less self-signed certificate for 127.0.0.1.
class CurlFetcherTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Shell(absl::StrCat(
                  "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                  "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                  "-keyout ",
                  dir_.File("key.pem"), " -out ", dir_.File("cert.pem"),
                  " 2>/dev/null")),
              0);
    issuer_ = std::make_unique<OidcIssuerProcess>(
        0, std::vector<std::string>{"--tls-cert", dir_.File("cert.pem"),
                                    "--tls-key", dir_.File("key.pem")});
    ASSERT_TRUE(issuer_->ok());
  }
  // The control API over TLS, through curl.
  int Control(const std::string& path, const std::string& body) {
    return Shell(absl::StrCat("curl -sf --cacert ", dir_.File("cert.pem"),
                              " -X POST -d '", body, "' ", issuer_->base_url(),
                              path, " >/dev/null"));
  }
  TempDir dir_;
  std::unique_ptr<OidcIssuerProcess> issuer_;
  CurlFetcher fetcher_;
};

TEST_F(CurlFetcherTlsTest, TrustsTheCaFileOnly) {
  identity::FetchRequest request;
  request.url = issuer_->jwks_url();
  absl::StatusOr<identity::FetchResponse> untrusted = fetcher_.Fetch(request);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(GetReason(untrusted.status()), Reason::kUnavailable);
  request.ca_file = dir_.File("cert.pem");
  absl::StatusOr<identity::FetchResponse> trusted = fetcher_.Fetch(request);
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ(trusted->status, 200);
  EXPECT_THAT(trusted->body, HasSubstr("\"keys\""));
}

TEST_F(CurlFetcherTlsTest, ARedirectFromHttpsToHttpIsRefused) {
  OidcIssuerProcess plain;
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(Control("/control/mode",
                    absl::StrCat(R"({"path": "jwks", "mode": "redirect", )",
                                 R"("location": ")", plain.jwks_url(), "\"}")),
            0);
  identity::FetchRequest request;
  request.url = issuer_->jwks_url();
  request.ca_file = dir_.File("cert.pem");
  absl::StatusOr<identity::FetchResponse> response = fetcher_.Fetch(request);
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("scheme is not allowed"));
  EXPECT_EQ(plain.Count("/jwks"), 0);
}

}  // namespace
}  // namespace tokend::testing
