// Helpers for the HS256 vendor profile tests (apirtc, daily, zoom): craft
// tokens with arbitrary headers and claims, decode payloads, and run the
// interop scripts.
#ifndef TOKEND_TESTS_PROFILES_HS256_TEST_UTIL_H_
#define TOKEND_TESTS_PROFILES_HS256_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/crypto/key.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "gtest/gtest.h"
#include "tests/profiles/interop_util.h"

namespace tokend::testing {

// Signs header.claims with HS256 and `secret`, whatever the header says, so
// tests can forge every shape of token a vendor (or an attacker) could send.
inline std::string SignHs256(absl::string_view secret,
                             const json::Object& header,
                             const json::Object& claims) {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(Algorithm::kHS256, std::string(secret));
  EXPECT_TRUE(key.ok()) << key.status();
  std::string token = Base64UrlEncode(json::Serialize(header));
  token.push_back('.');
  Base64UrlEncodeAppend(json::Serialize(claims), &token);
  absl::StatusOr<std::string> signature = (*key)->Sign(token);
  EXPECT_TRUE(signature.ok()) << signature.status();
  token.push_back('.');
  Base64UrlEncodeAppend(*signature, &token);
  return token;
}

inline json::Object Hs256Header() {
  json::Object header;
  header.Set("alg", json::Value("HS256"));
  header.Set("typ", json::Value("JWT"));
  return header;
}

inline json::Object ParseJsonOrDie(absl::string_view text) {
  absl::StatusOr<json::Object> parsed = json::ParseObject(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << " in: " << text;
  return parsed.ok() ? *parsed : json::Object();
}

// Segment 0 (header) or 1 (payload) of a compact JWS, decoded and parsed.
inline json::Object DecodeSegment(absl::string_view token, int index) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u);
  if (parts.size() != 3) return json::Object();
  absl::StatusOr<std::string> decoded = Base64UrlDecode(parts[index]);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return ParseJsonOrDie(decoded.ok() ? *decoded : "{}");
}

// Flips one character of the payload so the signature no longer matches.
inline std::string TamperPayload(std::string token) {
  const size_t dot = token.find('.');
  char& c = token[dot + 2];
  c = c == 'A' ? 'B' : 'A';
  return token;
}

// Runs an interop script and returns its trimmed stdout; fails the test
// (with stderr) on a non-zero exit unless `expect_failure`.
inline std::string RunInterop(bool node, const std::string& script,
                              const std::vector<std::string>& args,
                              const std::string& input,
                              bool expect_failure = false) {
  absl::StatusOr<ProcessResult> result =
      node ? RunNodeScript(script, args, input)
           : RunPythonScript(script, args, input);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return "";
  if (expect_failure) {
    EXPECT_NE(result->exit_code, 0) << result->out;
  } else {
    EXPECT_EQ(result->exit_code, 0) << result->out << result->err;
  }
  std::string out = result->out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_PROFILES_HS256_TEST_UTIL_H_
