// Wycheproof json_web_key_test.json: each group holds a private JWK Set (and
// usually its public half) and each test a compact JWS with an expected
// result. A test "passes" for tokend when the key set loads (public half with
// allow_private = false, private set with allow_private = true) and the
// JWS's signature verifies under the key its kid names with the alg the key
// is bound to. "valid" tests must pass; "invalid" ones must be refused,
// either at key load or at verification.
#include <cstdio>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/jose/base64url.h"
#include "core/jose/jws.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace tokend {
namespace {

// Verifies `jws` against `set` the way a JWKS-configured verifier would;
// OK or the reason for refusing.
absl::Status VerifyWithSet(const KeySet& set, absl::string_view jws) {
  absl::StatusOr<CompactParts> parts = SplitCompact(jws, 64 * 1024);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<std::string> header_json = Base64UrlDecode(parts->header);
  if (!header_json.ok()) return header_json.status();
  absl::StatusOr<json::Object> header_object = json::ParseObject(*header_json);
  if (!header_object.ok()) return header_object.status();
  absl::StatusOr<JoseHeader> header = ParseJoseHeader(*header_object);
  if (!header.ok()) return header.status();
  const Key* key = set.FindByKid(header->kid);
  if (key == nullptr) return Error(Reason::kUnknownKid, "no key has this kid");
  if (key->alg() != header->alg) {
    return Error(Reason::kAlgNotAllowed, "header alg differs from the key's");
  }
  absl::StatusOr<std::string> signature = Base64UrlDecode(parts->signature);
  if (!signature.ok()) return signature.status();
  return key->Verify(parts->signing_input, *signature);
}

// The reason tokend refuses each invalid test with (tcId → reason).
const std::map<int64_t, Reason>& ExpectedRefusals() {
  static const auto* const kRefusals = new std::map<int64_t, Reason>{
      {1, Reason::kKeySetInvalid},  // HMAC and EC keys in one set
      {3, Reason::kBadSignature},   // modified signature
      // Duplicate kid, but the second key's "k" ends in non-zero unused
      // bits, so strict base64url refuses it first (jwk_test covers
      // duplicate kids on their own).
      {4, Reason::kKeyInvalid},
      {6, Reason::kKeyUseInvalid},    // "use": "enc"
      {7, Reason::kKeyTooWeak},       // ROCA modulus
      {8, Reason::kKeyTooWeak},       // 1024-bit RSA
      {9, Reason::kKeyInvalid},       // e = 1
      {10, Reason::kKeyTooWeak},      // HS256 with 31 bytes
      {11, Reason::kKeyTooWeak},      // HS384 with 47 bytes
      {12, Reason::kKeyTooWeak},      // HS512 with 63 bytes
      {16, Reason::kKeyTooWeak},      // empty HS256 key
      {17, Reason::kKeyTooWeak},      // empty HS384 key
      {18, Reason::kKeyTooWeak},      // empty HS512 key
      {19, Reason::kKeyAlgMismatch},  // "ES521" is no JWS alg
      {20, Reason::kKeyAlgMismatch},  // "ES224" is no JWS alg
      {21, Reason::kKeyUseInvalid},   // "use": "enc"
      {22, Reason::kKeyInvalid},      // point not on the curve
      {23, Reason::kKeyAlgMismatch},  // ES256 with crv P-384
      {24, Reason::kKeyAlgMismatch},  // ES256 with kty RSA
      {25, Reason::kKeyAlgMismatch},  // "A256GCM"
      {26, Reason::kKeyAlgMismatch},  // "A256KW"
  };
  return *kRefusals;
}

struct Outcome {
  absl::Status status;
  std::string stage;  // "load" or "verify"
};

Outcome Evaluate(const json::Value& jwks, bool allow_private,
                 absl::string_view jws) {
  JwkOptions options;
  options.allow_private = allow_private;
  absl::StatusOr<KeySet> set = KeySetFromJwks(json::Serialize(jwks), options);
  if (!set.ok()) return {set.status(), "load"};
  return {VerifyWithSet(*set, jws), "verify"};
}

TEST(WycheproofJwkTest, JsonWebKeyTest) {
  const json::Object root = testing::ReadJsonFileOrDie(
      testing::SharedTestdataPath("wycheproof/json_web_key_test.json"));
  const json::Value* groups = root.Find("testGroups");
  ASSERT_NE(groups, nullptr);
  ASSERT_TRUE(groups->is_array());

  int total = 0, valid = 0, invalid = 0, refused_at_load = 0;
  int refused_at_verify = 0, set_loads = 0;
  for (const json::Value& group_value : groups->as_array()) {
    const json::Object& group = group_value.as_object();
    const json::Value* private_set = group.Find("private");
    const json::Value* public_set = group.Find("public");
    ASSERT_NE(private_set, nullptr);
    const std::string comment = group.Find("comment")->as_string();
    for (const json::Value& test_value : group.Find("tests")->as_array()) {
      const json::Object& test = test_value.as_object();
      const int64_t tc_id = test.Find("tcId")->as_int();
      const std::string& result = test.Find("result")->as_string();
      const std::string& jws = test.Find("jws")->as_string();
      SCOPED_TRACE(absl::StrCat("tcId ", tc_id, " (", comment, ", ",
                                test.Find("comment")->as_string(), ")"));
      ++total;

      // The private set, and the public half when the group has one, must
      // give the same verdict.
      std::vector<Outcome> outcomes = {Evaluate(*private_set, true, jws)};
      if (public_set != nullptr) {
        outcomes.push_back(Evaluate(*public_set, false, jws));
      }
      for (const Outcome& outcome : outcomes) {
        if (outcome.stage == "verify") ++set_loads;
        if (result == "valid") {
          EXPECT_TRUE(outcome.status.ok())
              << outcome.stage << ": " << outcome.status;
          continue;
        }
        ASSERT_EQ(result, "invalid");
        EXPECT_FALSE(outcome.status.ok()) << outcome.stage;
        auto expected = ExpectedRefusals().find(tc_id);
        if (expected != ExpectedRefusals().end()) {
          EXPECT_EQ(GetReason(outcome.status), expected->second)
              << outcome.stage << ": " << outcome.status;
        }
      }
      const Outcome& first = outcomes.front();
      if (result == "valid") {
        ++valid;
      } else {
        ++invalid;
        if (!first.status.ok() && first.stage == "load") ++refused_at_load;
        if (!first.status.ok() && first.stage == "verify") {
          ++refused_at_verify;
        }
      }
    }
  }
  EXPECT_EQ(total, root.Find("numberOfTests")->as_int());
  EXPECT_EQ(total, valid + invalid);
  std::printf(
      "json_web_key_test.json: %d tests; %d valid accepted; %d invalid "
      "refused (%d at key load, %d at verification); %d key-set loads "
      "verified\n",
      total, valid, invalid, refused_at_load, refused_at_verify, set_loads);
}

}  // namespace
}  // namespace tokend
