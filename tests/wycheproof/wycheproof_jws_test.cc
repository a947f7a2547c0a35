// Wycheproof json_web_signature_test.json end to end: each group's JWK
// (private members stripped, algorithm bound from the JWK) verifies each
// test's compact JWS through the signature layer of VerifyJwt. The payloads
// are not JWT claims sets, so VerifyJwsSignature is used.
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::ReadJsonFileOrDie;
using ::tokend::testing::SharedTestdataPath;

// Vectors where tokend's verdict differs from the label, each on purpose.
// `at_key_load` means the group's key is refused when loaded (with
// `reason`); otherwise `reason` is VerifyJwsSignature's verdict.
struct Divergence {
  Reason reason;
  bool at_key_load;
  const char* why;
};

const std::map<int64_t, Divergence>& Divergences() {
  static const auto* divergences = new std::map<int64_t, Divergence>{
      // The MAC covers the string with the '?' removed; a strict RFC 7515
      // verifier checks the received bytes (jwt-verification.md §3 row 25).
      // In the header the base64url decode fails first; in the payload the
      // MAC over the received bytes does.
      {372, {Reason::kBadBase64, false, "MAC over a different string"}},
      {373, {Reason::kBadSignature, false, "MAC over a different string"}},
      // RFC 7520 Figure 20: the JWK says "alg":"PS256" but the header is
      // PS384. RFC 8725 §3.1: a key is used with exactly one algorithm.
      {346,
       {Reason::kAlgNotAllowed, false, "key bound to PS256, header PS384"}},
      {350,
       {Reason::kAlgNotAllowed, false, "key bound to PS256, header PS384"}},
      // RFC 7520 Figure 27: the JWK says "alg":"ES521", not a JWS algorithm.
      {347, {Reason::kKeyAlgMismatch, true, "JWK alg ES521 is not registered"}},
      {351, {Reason::kKeyAlgMismatch, true, "JWK alg ES521 is not registered"}},
      // RFC 7520 with key_ops ["sign, verify"]: one string, not two, so the
      // key allows neither operation (RFC 7517 §4.3).
      {349, {Reason::kKeyUseInvalid, true, "key_ops is one bogus string"}},
      // Upstream data bug: these "invalid" vectors are byte-identical to the
      // valid tcId 357 (the '=' padding they are named after is missing), so
      // no verifier can reject them while accepting 357. The padded forms
      // are checked separately in PaddedFormsOf367And370AreRejected.
      {367, {Reason::kOk, false, "identical to valid tcId 357"}},
      {370, {Reason::kOk, false, "identical to valid tcId 357"}},
  };
  return *divergences;
}

// JWK members that only a private key has.
constexpr const char* kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi"};

absl::StatusOr<KeySet> LoadVerificationKeys(const json::Object& private_jwk) {
  json::Object jwk = private_jwk;
  for (const char* name : kPrivateMembers) jwk.Erase(name);
  JwkOptions options;
  options.allow_private = false;
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwk(jwk, options);
  if (!key.ok()) return key.status();
  return KeySet::Create({*key});
}

TEST(WycheproofJws, AllVectors) {
  const json::Object root = ReadJsonFileOrDie(
      SharedTestdataPath("wycheproof/json_web_signature_test.json"));
  ValidationPolicy policy;
  policy.require_exp = false;

  int valid_accepted = 0;
  int invalid_rejected = 0;
  int divergences = 0;
  int key_refused = 0;
  int total = 0;
  for (const json::Value& group : root.Find("testGroups")->as_array()) {
    const json::Object& g = group.as_object();
    absl::StatusOr<KeySet> keys =
        LoadVerificationKeys(g.Find("private")->as_object());
    for (const json::Value& test : g.Find("tests")->as_array()) {
      const json::Object& t = test.as_object();
      const int64_t tc_id = t.Find("tcId")->as_int();
      const std::string& result = t.Find("result")->as_string();
      const json::Value& jws = *t.Find("jws");
      ++total;
      SCOPED_TRACE(
          absl::StrCat("tcId ", tc_id, " ", t.Find("comment")->as_string()));

      auto divergence = Divergences().find(tc_id);
      const bool diverges = divergence != Divergences().end();
      if (!keys.ok()) {
        if (diverges) {
          EXPECT_TRUE(divergence->second.at_key_load);
          EXPECT_EQ(GetReason(keys.status()), divergence->second.reason)
              << divergence->second.why << ": " << keys.status();
          ++divergences;
        } else {
          // Groups whose key is not a signing key (use "enc", key_ops
          // without verify) must not verify anything.
          EXPECT_EQ(result, "invalid") << keys.status();
          ++key_refused;
        }
        continue;
      }
      // A JSON-serialised JWS (an object) is never a compact token.
      const std::string token =
          jws.is_string() ? jws.as_string() : json::Serialize(jws);
      absl::Status status = VerifyJwsSignature(token, *keys, policy).status();
      if (!jws.is_string()) {
        EXPECT_EQ(GetReason(status), Reason::kMalformed);
        EXPECT_EQ(result, "invalid");
        ++invalid_rejected;
      } else if (diverges) {
        EXPECT_FALSE(divergence->second.at_key_load);
        EXPECT_EQ(GetReason(status), divergence->second.reason)
            << divergence->second.why << ": " << status;
        ++divergences;
      } else if (result == "valid") {
        EXPECT_TRUE(status.ok()) << status;
        ++valid_accepted;
      } else {
        EXPECT_FALSE(status.ok());
        ++invalid_rejected;
      }
    }
  }
  std::printf(
      "json_web_signature_test.json: %d vectors: %d valid accepted, %d "
      "invalid rejected (%d of them by key refusal), %d documented "
      "divergences\n",
      total, valid_accepted, invalid_rejected + key_refused, key_refused,
      divergences);
  EXPECT_EQ(total, root.Find("numberOfTests")->as_int());
  EXPECT_EQ(divergences, static_cast<int>(Divergences().size()));
  EXPECT_EQ(valid_accepted + invalid_rejected + key_refused + divergences,
            total);
}

TEST(WycheproofJws, EmptyPayloadVectorsAreValidJwsButNotJwts) {
  // RFC 7515 allows "h..s"; RFC 7519 needs a claims set, so VerifyJwt keeps
  // refusing the same tokens as malformed.
  const std::set<int64_t> kEmptyPayload = {259, 264, 268, 272, 320, 325};
  const json::Object root = ReadJsonFileOrDie(
      SharedTestdataPath("wycheproof/json_web_signature_test.json"));
  ValidationPolicy policy;
  policy.require_exp = false;
  std::set<int64_t> seen;
  for (const json::Value& group : root.Find("testGroups")->as_array()) {
    const json::Object& g = group.as_object();
    for (const json::Value& test : g.Find("tests")->as_array()) {
      const json::Object& t = test.as_object();
      const int64_t tc_id = t.Find("tcId")->as_int();
      if (kEmptyPayload.count(tc_id) == 0) continue;
      SCOPED_TRACE(absl::StrCat("tcId ", tc_id));
      seen.insert(tc_id);
      EXPECT_EQ(t.Find("result")->as_string(), "valid");
      absl::StatusOr<KeySet> keys =
          LoadVerificationKeys(g.Find("private")->as_object());
      ASSERT_TRUE(keys.ok()) << keys.status();
      const std::string& token = t.Find("jws")->as_string();
      ASSERT_NE(token.find(".."), std::string::npos);
      absl::StatusOr<VerifiedJws> jws =
          VerifyJwsSignature(token, *keys, policy);
      ASSERT_TRUE(jws.ok()) << jws.status();
      EXPECT_EQ(jws->payload, "");
      EXPECT_EQ(GetReason(VerifyJwt(token, *keys, policy,
                                    absl::FromUnixSeconds(1700000000))
                              .status()),
                Reason::kMalformed);
    }
  }
  EXPECT_EQ(seen, kEmptyPayload);
}

TEST(WycheproofJws, TheTwoDivergencesNamedInTheReadmeAreRejected) {
  // Stated explicitly, independent of the sweep above.
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwkText(
      R"({"kty":"oct","kid":"hs256-key","use":"sig","alg":"HS256",)"
      R"("k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})");
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  ASSERT_TRUE(keys.ok());
  ValidationPolicy policy;
  policy.require_exp = false;
  const std::string valid_357 =
      "eyJraWQiOiJoczI1Ni1rZXkiLCJhbGciOiJIUzI1NiJ9.VGVzdA."
      "c1LROH7eNQwUT8KMVEO52VC3WZ9e_AnDWbZ7aMmowV8";
  EXPECT_TRUE(VerifyJwsSignature(valid_357, *keys, policy).ok());
  // tcId 372 ('?' in the header) and 373 ('?' in the payload).
  EXPECT_EQ(GetReason(VerifyJwsSignature(
                          "eyJraWQiOiJoczI1Ni1rZXkiLCJhbGciOiJIUzI1NiJ?9."
                          "VGVzdA.c1LROH7eNQwUT8KMVEO52VC3WZ9e_AnDWbZ7aMmowV8",
                          *keys, policy)
                          .status()),
            Reason::kBadBase64);
  EXPECT_EQ(GetReason(VerifyJwsSignature(
                          "eyJraWQiOiJoczI1Ni1rZXkiLCJhbGciOiJIUzI1NiJ9."
                          "VGVzdA?.c1LROH7eNQwUT8KMVEO52VC3WZ9e_AnDWbZ7aMmowV8",
                          *keys, policy)
                          .status()),
            Reason::kBadSignature);
}

TEST(WycheproofJws, PaddedFormsOf367And370AreRejected) {
  absl::StatusOr<std::shared_ptr<const Key>> key = KeyFromJwkText(
      R"({"kty":"oct","kid":"hs256-key","use":"sig","alg":"HS256",)"
      R"("k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})");
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  ASSERT_TRUE(keys.ok());
  ValidationPolicy policy;
  policy.require_exp = false;
  const std::string header = "eyJraWQiOiJoczI1Ni1rZXkiLCJhbGciOiJIUzI1NiJ9";
  const std::string mac = "c1LROH7eNQwUT8KMVEO52VC3WZ9e_AnDWbZ7aMmowV8";
  // Padding in the payload, with the original MAC and with a MAC that
  // covers the padded bytes.
  const std::string padded_input = absl::StrCat(header, ".VGVzdA==");
  absl::StatusOr<std::string> padded_mac = (*key)->Sign(padded_input);
  ASSERT_TRUE(padded_mac.ok());
  EXPECT_EQ(GetReason(VerifyJwsSignature(absl::StrCat(padded_input, ".", mac),
                                         *keys, policy)
                          .status()),
            Reason::kBadSignature);
  EXPECT_EQ(
      GetReason(VerifyJwsSignature(absl::StrCat(padded_input, ".",
                                                Base64UrlEncode(*padded_mac)),
                                   *keys, policy)
                    .status()),
      Reason::kBadBase64);
  // Padding on the MAC itself (32 bytes = 43 characters + "=").
  EXPECT_EQ(
      GetReason(VerifyJwsSignature(absl::StrCat(header, ".VGVzdA.", mac, "="),
                                   *keys, policy)
                    .status()),
      Reason::kBadBase64);
}

}  // namespace
}  // namespace tokend
