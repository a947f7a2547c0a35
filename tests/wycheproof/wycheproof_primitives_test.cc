// Wycheproof vectors (C2SP testvectors_v1, read from the shared testdata
// folder) against the Key primitives. One test per file, so a failure names
// the file; every expectation names the tcId.
//
// valid → must verify; invalid and acceptable → kBadSignature, or the key is
// refused at load by policy (RSA < 2048 bits, HMAC key shorter than the
// hash). DER ECDSA files are negative-only: no DER signature is a JWS
// signature. Groups outside the JWS parameter sets (PSS with other
// parameters, HMAC with truncated tags) are either checked negative-only or
// counted as skipped; every vector ends in exactly one bucket.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/json/json.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::HexDecode;
using ::tokend::testing::ReadJsonFileOrDie;
using ::tokend::testing::SharedTestdataPath;

enum class Kind { kEcdsaP1363, kEcdsaDer, kEd25519, kRsaPkcs1, kRsaPss, kHmac };

struct FileCase {
  const char* file;
  Kind kind;
};

struct Counts {
  int verified = 0;
  int rejected = 0;
  int refused_at_load = 0;
  int skipped = 0;  // parameter sets that are not a JWS algorithm
  int total() const { return verified + rejected + refused_at_load + skipped; }
};

const json::Value kNull;

const json::Value& Get(const json::Object& object, absl::string_view name) {
  const json::Value* v = object.Find(name);
  return v != nullptr ? *v : kNull;
}

std::string GetString(const json::Object& object, absl::string_view name) {
  const json::Value& v = Get(object, name);
  EXPECT_TRUE(v.is_string()) << "missing string member " << name;
  return v.is_string() ? v.as_string() : std::string();
}

int64_t GetInt(const json::Object& object, absl::string_view name) {
  const json::Value& v = Get(object, name);
  EXPECT_TRUE(v.is_int()) << "missing integer member " << name;
  return v.is_int() ? v.as_int() : -1;
}

std::optional<Algorithm> EcdsaAlgorithm(const json::Object& group) {
  const json::Value& key = Get(group, "publicKey");
  if (!key.is_object()) return std::nullopt;
  const std::string curve = GetString(key.as_object(), "curve");
  const std::string sha = GetString(group, "sha");
  if (curve == "secp256r1" && sha == "SHA-256") return Algorithm::kES256;
  if (curve == "secp384r1" && sha == "SHA-384") return Algorithm::kES384;
  if (curve == "secp521r1" && sha == "SHA-512") return Algorithm::kES512;
  return std::nullopt;
}

std::optional<Algorithm> RsaAlgorithm(const json::Object& group, bool pss) {
  const std::string sha = GetString(group, "sha");
  if (pss) {
    // PS*: MGF1 over the same hash, salt as long as the hash.
    if (GetString(group, "mgf") != "MGF1" ||
        GetString(group, "mgfSha") != sha) {
      return std::nullopt;
    }
    const int64_t salt = GetInt(group, "sLen");
    if (sha == "SHA-256" && salt == 32) return Algorithm::kPS256;
    if (sha == "SHA-384" && salt == 48) return Algorithm::kPS384;
    if (sha == "SHA-512" && salt == 64) return Algorithm::kPS512;
    return std::nullopt;
  }
  if (sha == "SHA-256") return Algorithm::kRS256;
  if (sha == "SHA-384") return Algorithm::kRS384;
  if (sha == "SHA-512") return Algorithm::kRS512;
  return std::nullopt;
}

std::optional<Algorithm> HmacAlgorithm(absl::string_view file) {
  if (file == "hmac_sha256_test.json") return Algorithm::kHS256;
  if (file == "hmac_sha384_test.json") return Algorithm::kHS384;
  if (file == "hmac_sha512_test.json") return Algorithm::kHS512;
  return std::nullopt;
}

std::string Describe(const FileCase& fc, const json::Object& test) {
  return absl::StrCat(fc.file, " tcId ", GetInt(test, "tcId"), " (",
                      GetString(test, "result"), ", \"",
                      GetString(test, "comment"), "\")");
}

// Verifies one vector. `negative_only` makes even a "valid" vector an
// expected rejection (DER signatures, truncated HMAC tags).
void RunVector(const FileCase& fc, const Key& key, const json::Object& test,
               absl::string_view sig_member, bool negative_only,
               Counts* counts) {
  const std::string msg = HexDecode(GetString(test, "msg"));
  const std::string sig = HexDecode(GetString(test, sig_member));
  const bool must_verify =
      !negative_only && GetString(test, "result") == "valid";
  const absl::Status status = key.Verify(msg, sig);
  if (must_verify) {
    EXPECT_TRUE(status.ok()) << Describe(fc, test) << ": " << status;
  } else {
    EXPECT_EQ(GetReason(status), Reason::kBadSignature)
        << Describe(fc, test) << " was not rejected: " << status;
  }
  if (status.ok()) {
    ++counts->verified;
  } else {
    ++counts->rejected;
  }
}

void RunSignatureGroup(const FileCase& fc, const json::Object& group,
                       Counts* counts) {
  const json::Array& tests = Get(group, "tests").as_array();
  std::optional<Algorithm> alg;
  switch (fc.kind) {
    case Kind::kEcdsaP1363:
    case Kind::kEcdsaDer:
      alg = EcdsaAlgorithm(group);
      break;
    case Kind::kEd25519:
      alg = Algorithm::kEdDSA;
      break;
    case Kind::kRsaPkcs1:
    case Kind::kRsaPss:
      alg = RsaAlgorithm(group, fc.kind == Kind::kRsaPss);
      break;
    case Kind::kHmac:
      break;
  }
  if (!alg.has_value()) {
    counts->skipped += static_cast<int>(tests.size());
    return;
  }
  auto key = KeyFromPem(*alg, GetString(group, "publicKeyPem"));
  // Only a policy refusal (RSA under 2048 bits) may keep a group's "valid"
  // vectors from verifying.
  if (!key.ok()) {
    const bool rsa = fc.kind == Kind::kRsaPkcs1 || fc.kind == Kind::kRsaPss;
    const json::Value& key_size = Get(group, "keySize");
    const bool small_rsa = rsa && key_size.is_int() && key_size.as_int() < 2048;
    EXPECT_TRUE(small_rsa) << fc.file << ": group key refused unexpectedly: "
                           << key.status();
    if (small_rsa) {
      EXPECT_EQ(GetReason(key.status()), Reason::kKeyTooWeak) << fc.file;
    }
    counts->refused_at_load += static_cast<int>(tests.size());
    return;
  }
  EXPECT_FALSE((*key)->has_private());
  if (fc.kind == Kind::kRsaPkcs1 || fc.kind == Kind::kRsaPss) {
    EXPECT_GE(GetInt(group, "keySize"), 2048) << fc.file;
  }
  const bool negative_only = fc.kind == Kind::kEcdsaDer;
  for (const json::Value& test : tests) {
    RunVector(fc, **key, test.as_object(), "sig", negative_only, counts);
  }
}

void RunHmacGroup(const FileCase& fc, const json::Object& group,
                  Counts* counts) {
  const json::Array& tests = Get(group, "tests").as_array();
  const std::optional<Algorithm> alg = HmacAlgorithm(fc.file);
  ASSERT_TRUE(alg.has_value()) << fc.file;
  const size_t hash_bits = 8 * HashSize(*alg);
  const int64_t key_bits = GetInt(group, "keySize");
  // A truncated tag is never a JWS signature: the group is negative-only.
  const bool truncated =
      GetInt(group, "tagSize") != static_cast<int64_t>(hash_bits);
  for (const json::Value& value : tests) {
    const json::Object& test = value.as_object();
    const std::string secret = HexDecode(GetString(test, "key"));
    EXPECT_EQ(static_cast<int64_t>(8 * secret.size()), key_bits)
        << Describe(fc, test);
    auto key = Key::FromHmacSecret(*alg, secret);
    if (secret.size() < HashSize(*alg)) {
      EXPECT_EQ(GetReason(key.status()), Reason::kKeyTooWeak)
          << Describe(fc, test);
      ++counts->refused_at_load;
      continue;
    }
    ASSERT_TRUE(key.ok()) << Describe(fc, test) << ": " << key.status();
    RunVector(fc, **key, test, "tag", truncated, counts);
  }
}

class WycheproofPrimitivesTest : public ::testing::TestWithParam<FileCase> {};

TEST_P(WycheproofPrimitivesTest, File) {
  const FileCase& fc = GetParam();
  const json::Object root = ReadJsonFileOrDie(
      SharedTestdataPath(absl::StrCat("wycheproof/", fc.file)));
  const int64_t declared = GetInt(root, "numberOfTests");
  const json::Value& groups = Get(root, "testGroups");
  ASSERT_TRUE(groups.is_array()) << fc.file;

  Counts counts;
  int64_t listed = 0;
  for (const json::Value& group : groups.as_array()) {
    const json::Object& g = group.as_object();
    listed += static_cast<int64_t>(Get(g, "tests").as_array().size());
    if (fc.kind == Kind::kHmac) {
      RunHmacGroup(fc, g, &counts);
    } else {
      RunSignatureGroup(fc, g, &counts);
    }
  }

  std::printf(
      "[wycheproof] %-42s verified=%4d rejected=%4d refused_at_load=%3d "
      "skipped=%3d total=%4d\n",
      fc.file, counts.verified, counts.rejected, counts.refused_at_load,
      counts.skipped, counts.total());
  RecordProperty("verified", counts.verified);
  RecordProperty("rejected", counts.rejected);
  RecordProperty("refused_at_load", counts.refused_at_load);
  RecordProperty("skipped", counts.skipped);

  // Every vector was classified exactly once.
  EXPECT_EQ(listed, declared) << fc.file;
  EXPECT_EQ(counts.total(), listed) << fc.file;
  EXPECT_GT(counts.rejected, 0) << fc.file;
  if (fc.kind == Kind::kEcdsaDer) {
    EXPECT_EQ(counts.verified, 0) << fc.file;
  } else {
    EXPECT_GT(counts.verified, 0) << fc.file;
  }
}

constexpr FileCase kFiles[] = {
    {"ecdsa_secp256r1_sha256_p1363_test.json", Kind::kEcdsaP1363},
    {"ecdsa_secp384r1_sha384_p1363_test.json", Kind::kEcdsaP1363},
    {"ecdsa_secp521r1_sha512_p1363_test.json", Kind::kEcdsaP1363},
    {"ecdsa_secp256r1_sha256_test.json", Kind::kEcdsaDer},
    {"ecdsa_secp384r1_sha384_test.json", Kind::kEcdsaDer},
    {"ecdsa_secp521r1_sha512_test.json", Kind::kEcdsaDer},
    {"ed25519_test.json", Kind::kEd25519},
    {"rsa_signature_2048_sha256_test.json", Kind::kRsaPkcs1},
    {"rsa_signature_2048_sha384_test.json", Kind::kRsaPkcs1},
    {"rsa_signature_2048_sha512_test.json", Kind::kRsaPkcs1},
    {"rsa_signature_3072_sha256_test.json", Kind::kRsaPkcs1},
    {"rsa_signature_3072_sha384_test.json", Kind::kRsaPkcs1},
    {"rsa_signature_3072_sha512_test.json", Kind::kRsaPkcs1},
    {"rsa_pss_2048_sha256_mgf1_32_test.json", Kind::kRsaPss},
    {"rsa_pss_3072_sha256_mgf1_32_test.json", Kind::kRsaPss},
    {"rsa_pss_2048_sha384_mgf1_48_test.json", Kind::kRsaPss},
    {"rsa_pss_4096_sha512_mgf1_64_test.json", Kind::kRsaPss},
    {"hmac_sha256_test.json", Kind::kHmac},
    {"hmac_sha384_test.json", Kind::kHmac},
    {"hmac_sha512_test.json", Kind::kHmac},
};

std::string FileTestName(const ::testing::TestParamInfo<FileCase>& info) {
  std::string name = info.param.file;
  return name.substr(0, name.size() - std::string("_test.json").size());
}

INSTANTIATE_TEST_SUITE_P(Files, WycheproofPrimitivesTest,
                         ::testing::ValuesIn(kFiles), FileTestName);

}  // namespace
}  // namespace tokend
