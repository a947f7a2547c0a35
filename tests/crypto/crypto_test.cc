// Algorithms, Key load rules and the sign/verify primitives of all 13 JWS
// algorithms, against keys generated in the test.
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#ifdef TOKEND_BORINGSSL
#include <openssl/mem.h>
#endif

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

constexpr Algorithm kAllAlgorithms[] = {
    Algorithm::kHS256, Algorithm::kHS384, Algorithm::kHS512, Algorithm::kRS256,
    Algorithm::kRS384, Algorithm::kRS512, Algorithm::kPS256, Algorithm::kPS384,
    Algorithm::kPS512, Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
    Algorithm::kEdDSA,
};

constexpr absl::string_view kInput =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0";

// One generated key per algorithm for the whole binary (RSA keygen is slow).
std::shared_ptr<const Key> KeyFor(Algorithm alg) {
  static auto* keys = new std::map<Algorithm, std::shared_ptr<const Key>>();
  auto it = keys->find(alg);
  if (it != keys->end()) return it->second;
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg, "k1");
  if (!key.ok()) {
    ADD_FAILURE() << "GenerateKey(" << AlgorithmName(alg)
                  << "): " << key.status();
    return nullptr;
  }
  (*keys)[alg] = *key;
  return *key;
}

// A second reference to the key's EVP_PKEY, to bind it to another alg.
EvpPkeyPtr SharePkey(const Key& key) {
  EVP_PKEY_up_ref(key.pkey());
  return EvpPkeyPtr(key.pkey());
}

// The public half only, through an SPKI round trip.
EvpPkeyPtr PublicOnly(const Key& key) {
  uint8_t* der = nullptr;
  const int len = i2d_PUBKEY(key.pkey(), &der);
  const uint8_t* cursor = der;
  EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &cursor, len));
  OPENSSL_free(der);
  return pub;
}

EvpPkeyPtr GenerateRsa(int bits) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  EVP_PKEY* pkey = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits), 1);
  EXPECT_EQ(EVP_PKEY_keygen(ctx, &pkey), 1);
  EVP_PKEY_CTX_free(ctx);
  return EvpPkeyPtr(pkey);
}

EvpPkeyPtr GenerateEc(int nid) {
  EC_KEY* ec = EC_KEY_new_by_curve_name(nid);
  EXPECT_NE(ec, nullptr);
  EXPECT_EQ(EC_KEY_generate_key(ec), 1);
  EvpPkeyPtr pkey(EVP_PKEY_new());
  EXPECT_EQ(EVP_PKEY_set1_EC_KEY(pkey.get(), ec), 1);
  EC_KEY_free(ec);
  return pkey;
}

std::string SignOrDie(const Key& key, absl::string_view input) {
  absl::StatusOr<std::string> sig = key.Sign(input);
  EXPECT_TRUE(sig.ok()) << sig.status();
  return sig.ok() ? *sig : std::string();
}

void ExpectBadSignature(const Key& key, absl::string_view input,
                        absl::string_view sig, absl::string_view what) {
  EXPECT_EQ(GetReason(key.Verify(input, sig)), Reason::kBadSignature) << what;
}

// ---------------------------------------------------------------------------
// Algorithm table.

TEST(AlgorithmTest, NamesRoundTrip) {
  for (Algorithm alg : kAllAlgorithms) {
    std::optional<Algorithm> parsed = AlgorithmFromName(AlgorithmName(alg));
    ASSERT_TRUE(parsed.has_value()) << AlgorithmName(alg);
    EXPECT_EQ(*parsed, alg);
  }
  EXPECT_EQ(AlgorithmFromName("Ed25519"), Algorithm::kEdDSA);
  EXPECT_EQ(AlgorithmName(Algorithm::kEdDSA), "EdDSA");
}

TEST(AlgorithmTest, RejectsUnknownNames) {
  for (absl::string_view name :
       {"none", "None", "NONE", "", "hs256", "HS256 ", "ES256K", "Ed448", "RS1",
        "HS", "EDDSA", "eddsa"}) {
    EXPECT_FALSE(AlgorithmFromName(name).has_value()) << name;
  }
}

TEST(AlgorithmTest, Sizes) {
  EXPECT_EQ(HashSize(Algorithm::kHS256), 32u);
  EXPECT_EQ(HashSize(Algorithm::kPS384), 48u);
  EXPECT_EQ(HashSize(Algorithm::kES512), 64u);
  EXPECT_EQ(FixedSignatureSize(Algorithm::kHS384), 48u);
  EXPECT_EQ(FixedSignatureSize(Algorithm::kES256), 64u);
  EXPECT_EQ(FixedSignatureSize(Algorithm::kES384), 96u);
  EXPECT_EQ(FixedSignatureSize(Algorithm::kES512), 132u);
  EXPECT_EQ(FixedSignatureSize(Algorithm::kEdDSA), 64u);
  EXPECT_EQ(FixedSignatureSize(Algorithm::kRS256), 0u);
  EXPECT_EQ(FamilyOf(Algorithm::kPS256), KeyFamily::kRsaPss);
  EXPECT_EQ(FamilyOf(Algorithm::kRS512), KeyFamily::kRsa);
  EXPECT_EQ(FamilyOf(Algorithm::kEdDSA), KeyFamily::kEd25519);
  EXPECT_TRUE(IsSymmetric(Algorithm::kHS512));
  EXPECT_FALSE(IsSymmetric(Algorithm::kES256));
}

// ---------------------------------------------------------------------------
// Round trips for every algorithm.

class RoundTripTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(RoundTripTest, SignsAndVerifies) {
  const Algorithm alg = GetParam();
  std::shared_ptr<const Key> key = KeyFor(alg);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->alg(), alg);
  EXPECT_EQ(key->kid(), "k1");
  EXPECT_TRUE(key->has_private());
  EXPECT_EQ(key->pkey() == nullptr, IsSymmetric(alg));
  EXPECT_EQ(key->secret().empty(), !IsSymmetric(alg));

  std::string sig = SignOrDie(*key, kInput);
  const size_t expected_size =
      FixedSignatureSize(alg) != 0 ? FixedSignatureSize(alg) : 256;
  EXPECT_EQ(sig.size(), expected_size);
  EXPECT_TRUE(key->Verify(kInput, sig).ok());

  // Any change to the input or the signature breaks it.
  std::string input(kInput);
  input.back() ^= 1;
  ExpectBadSignature(*key, input, sig, "tampered input");
  ExpectBadSignature(*key, "", sig, "empty input");
  for (size_t pos : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string bad = sig;
    bad[pos] ^= 0x01;
    ExpectBadSignature(*key, kInput, bad, absl::StrCat("flipped byte ", pos));
  }
  ExpectBadSignature(*key, kInput, "", "empty signature");
  ExpectBadSignature(*key, kInput, sig + '\0', "one extra byte");
  ExpectBadSignature(*key, kInput, sig.substr(1), "one byte short");

  // The empty input signs and verifies too.
  std::string empty_sig = SignOrDie(*key, "");
  EXPECT_TRUE(key->Verify("", empty_sig).ok());
}

TEST_P(RoundTripTest, SignAppendAppendsAVerifyingSignature) {
  const Algorithm alg = GetParam();
  std::shared_ptr<const Key> key = KeyFor(alg);
  ASSERT_NE(key, nullptr);
  const size_t expected_size =
      FixedSignatureSize(alg) != 0 ? FixedSignatureSize(alg) : 256;
  std::string out = "prefix";
  ASSERT_TRUE(key->SignAppend(kInput, &out).ok());
  ASSERT_EQ(out.size(), 6 + expected_size);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  const std::string first = out.substr(6);
  EXPECT_TRUE(key->Verify(kInput, first).ok());

  // A second signature goes after the first, which stays as it was.
  ASSERT_TRUE(key->SignAppend("", &out).ok());
  ASSERT_EQ(out.size(), 6 + 2 * expected_size);
  EXPECT_EQ(out.substr(6, expected_size), first);
  EXPECT_TRUE(key->Verify("", out.substr(6 + expected_size)).ok());
  ExpectBadSignature(*key, kInput, out.substr(6 + expected_size),
                     "signature of the other input");

  // Deterministic families give exactly Sign's bytes.
  if (IsSymmetric(alg) || alg == Algorithm::kEdDSA) {
    EXPECT_EQ(first, SignOrDie(*key, kInput));
  }
}

class PublicOnlyTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(PublicOnlyTest, SignAppendFailsAndLeavesTheOutputAlone) {
  const Algorithm alg = GetParam();
  std::shared_ptr<const Key> key = KeyFor(alg);
  ASSERT_NE(key, nullptr);
  auto pub = Key::FromEvpPkey(alg, PublicOnly(*key), "pub");
  ASSERT_TRUE(pub.ok()) << pub.status();
  std::string out = "prefix";
  EXPECT_EQ(GetReason((*pub)->SignAppend(kInput, &out)), Reason::kNoSigningKey);
  EXPECT_EQ(out, "prefix");
}

TEST_P(PublicOnlyTest, VerifiesButCannotSign) {
  const Algorithm alg = GetParam();
  std::shared_ptr<const Key> key = KeyFor(alg);
  ASSERT_NE(key, nullptr);
  auto pub = Key::FromEvpPkey(alg, PublicOnly(*key), "pub");
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_FALSE((*pub)->has_private());
  EXPECT_EQ(GetReason((*pub)->Sign(kInput).status()), Reason::kNoSigningKey);
  EXPECT_TRUE((*pub)->Verify(kInput, SignOrDie(*key, kInput)).ok());
}

TEST_P(RoundTripTest, SignatureFailsUnderEveryOtherAlgorithm) {
  const Algorithm alg = GetParam();
  std::shared_ptr<const Key> key = KeyFor(alg);
  ASSERT_NE(key, nullptr);
  const std::string sig = SignOrDie(*key, kInput);
  for (Algorithm other : kAllAlgorithms) {
    if (other == alg) continue;
    std::shared_ptr<const Key> other_key = KeyFor(other);
    ASSERT_NE(other_key, nullptr);
    ExpectBadSignature(*other_key, kInput, sig,
                       absl::StrCat(AlgorithmName(alg), " signature under ",
                                    AlgorithmName(other)));
  }
}

std::string ParamName(const ::testing::TestParamInfo<Algorithm>& info) {
  return std::string(AlgorithmName(info.param));
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, RoundTripTest,
                         ::testing::ValuesIn(kAllAlgorithms), ParamName);

// HMAC keys have no public half.
INSTANTIATE_TEST_SUITE_P(Asymmetric, PublicOnlyTest,
                         ::testing::Values(Algorithm::kRS256, Algorithm::kRS384,
                                           Algorithm::kRS512, Algorithm::kPS256,
                                           Algorithm::kPS384, Algorithm::kPS512,
                                           Algorithm::kES256, Algorithm::kES384,
                                           Algorithm::kES512,
                                           Algorithm::kEdDSA),
                         ParamName);

TEST(KeyTest, SignaturesAreBoundToTheAlgorithmNotJustTheKeyMaterial) {
  // The same RSA key material under RS256, RS384 and PS256.
  std::shared_ptr<const Key> rs256 = KeyFor(Algorithm::kRS256);
  ASSERT_NE(rs256, nullptr);
  auto rs384 = Key::FromEvpPkey(Algorithm::kRS384, SharePkey(*rs256));
  auto ps256 = Key::FromEvpPkey(Algorithm::kPS256, SharePkey(*rs256));
  ASSERT_TRUE(rs384.ok()) << rs384.status();
  ASSERT_TRUE(ps256.ok()) << ps256.status();
  const std::string pkcs1 = SignOrDie(*rs256, kInput);
  const std::string pss = SignOrDie(**ps256, kInput);
  ExpectBadSignature(**ps256, kInput, pkcs1, "PKCS#1 v1.5 under PS256");
  ExpectBadSignature(*rs256, kInput, pss, "PSS under RS256");
  ExpectBadSignature(**rs384, kInput, pkcs1, "RS256 under RS384");
  EXPECT_TRUE((*ps256)->Verify(kInput, pss).ok());

  // The same HMAC secret under HS256 and HS512.
  const std::string secret(64, 'k');
  auto hs256 = Key::FromHmacSecret(Algorithm::kHS256, secret);
  auto hs512 = Key::FromHmacSecret(Algorithm::kHS512, secret);
  ASSERT_TRUE(hs256.ok() && hs512.ok());
  ExpectBadSignature(**hs512, kInput, SignOrDie(**hs256, kInput),
                     "HS256 tag under HS512");
  // A truncated HS512 tag is not an HS256 tag.
  ExpectBadSignature(**hs256, kInput, SignOrDie(**hs512, kInput).substr(0, 32),
                     "truncated HS512 tag under HS256");
}

TEST(KeyTest, PssSaltLengthIsPinned) {
  // A PSS signature with a 20-byte salt is valid RSASSA-PSS but not PS256.
  std::shared_ptr<const Key> key = KeyFor(Algorithm::kPS256);
  ASSERT_NE(key, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key->pkey()),
            1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 20), 1);
  std::string sig(256, '\0');
  size_t len = sig.size();
  ASSERT_EQ(EVP_DigestSign(ctx, reinterpret_cast<uint8_t*>(sig.data()), &len,
                           reinterpret_cast<const uint8_t*>(kInput.data()),
                           kInput.size()),
            1);
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  ExpectBadSignature(*key, kInput, sig, "PSS with a 20-byte salt");
}

// ---------------------------------------------------------------------------
// ECDSA signature encoding.

std::string Concat(const BIGNUM* r, const BIGNUM* s, int width) {
  std::string out(2 * width, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  EXPECT_EQ(BN_bn2binpad(r, dst, width), width);
  EXPECT_EQ(BN_bn2binpad(s, dst + width, width), width);
  return out;
}

const BIGNUM* OrderOf(const Key& key) {
  return EC_GROUP_get0_order(
      EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(key.pkey())));
}

class EcdsaEncodingTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(EcdsaEncodingTest, OnlyExactRawSignaturesWithRAndSInRange) {
  const Algorithm alg = GetParam();
  std::shared_ptr<const Key> key = KeyFor(alg);
  ASSERT_NE(key, nullptr);
  const int width = static_cast<int>(FixedSignatureSize(alg) / 2);
  const std::string sig = SignOrDie(*key, kInput);
  ASSERT_EQ(sig.size(), 2u * width);
  ASSERT_TRUE(key->Verify(kInput, sig).ok());

  BIGNUM* r =
      BN_bin2bn(reinterpret_cast<const uint8_t*>(sig.data()), width, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const uint8_t*>(sig.data()) + width,
                        width, nullptr);
  const BIGNUM* n = OrderOf(*key);
  BIGNUM* zero = BN_new();
  BN_zero(zero);

  // Lengths off by one, doubled, and a leading-zero-padded form.
  ExpectBadSignature(*key, kInput, sig.substr(0, sig.size() - 1), "short");
  ExpectBadSignature(*key, kInput, sig + '\0', "long");
  ExpectBadSignature(*key, kInput, std::string(1, '\0') + sig, "zero-padded");
  ExpectBadSignature(*key, kInput, sig + sig, "doubled");

  // The same (r, s) as DER is never a JWS signature.
  ECDSA_SIG* ecdsa_sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(ecdsa_sig, BN_dup(r), BN_dup(s));
  uint8_t* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(ecdsa_sig, &der);
  ASSERT_GT(der_len, 0);
  ExpectBadSignature(*key, kInput,
                     std::string(reinterpret_cast<char*>(der), der_len), "DER");
  OPENSSL_free(der);
  ECDSA_SIG_free(ecdsa_sig);

  // r or s equal to 0 or to n (CVE-2022-21449 class).
  ExpectBadSignature(*key, kInput, Concat(zero, s, width), "r = 0");
  ExpectBadSignature(*key, kInput, Concat(r, zero, width), "s = 0");
  ExpectBadSignature(*key, kInput, Concat(zero, zero, width), "r = s = 0");
  ExpectBadSignature(*key, kInput, Concat(n, s, width), "r = n");
  ExpectBadSignature(*key, kInput, Concat(r, n, width), "s = n");
  // r + n still fits the width on these curves for most r; when it does it
  // must not be reduced mod n.
  BIGNUM* r_plus_n = BN_new();
  ASSERT_EQ(BN_add(r_plus_n, r, n), 1);
  if (static_cast<int>(BN_num_bytes(r_plus_n)) <= width) {
    ExpectBadSignature(*key, kInput, Concat(r_plus_n, s, width), "r + n");
  }

  // The other valid signature (r, n - s) is accepted: JWS does not require
  // low-S.
  BIGNUM* high_s = BN_new();
  ASSERT_EQ(BN_sub(high_s, n, s), 1);
  EXPECT_TRUE(key->Verify(kInput, Concat(r, high_s, width)).ok());

  BN_free(r);
  BN_free(s);
  BN_free(zero);
  BN_free(r_plus_n);
  BN_free(high_s);
}

INSTANTIATE_TEST_SUITE_P(Curves, EcdsaEncodingTest,
                         ::testing::Values(Algorithm::kES256, Algorithm::kES384,
                                           Algorithm::kES512),
                         ParamName);

TEST(EcdsaTest, ManySignaturesRoundTrip) {
  // r and s vary in DER length (leading zero bytes, a 0x00 sign pad), which
  // exercises both hand-written DER conversions.
  for (Algorithm alg :
       {Algorithm::kES256, Algorithm::kES384, Algorithm::kES512}) {
    std::shared_ptr<const Key> key = KeyFor(alg);
    ASSERT_NE(key, nullptr);
    for (int i = 0; i < 150; ++i) {
      const std::string input = absl::StrCat(kInput, i);
      const std::string sig = SignOrDie(*key, input);
      ASSERT_EQ(sig.size(), FixedSignatureSize(alg));
      ASSERT_TRUE(key->Verify(input, sig).ok())
          << AlgorithmName(alg) << " #" << i;
    }
  }
}

TEST(EcdsaTest, Es256LengthTable) {
  std::shared_ptr<const Key> key = KeyFor(Algorithm::kES256);
  ASSERT_NE(key, nullptr);
  const std::string sig = SignOrDie(*key, kInput);
  for (size_t len : {0, 1, 32, 63, 65, 70, 71, 72, 96, 128, 132}) {
    std::string candidate = sig;
    candidate.resize(len, '\x01');
    ExpectBadSignature(*key, kInput, candidate, absl::StrCat(len, " bytes"));
  }
}

// ---------------------------------------------------------------------------
// Ed25519.

TEST(Ed25519Test, RejectsNonCanonicalS) {
  std::shared_ptr<const Key> key = KeyFor(Algorithm::kEdDSA);
  ASSERT_NE(key, nullptr);
  const std::string sig = SignOrDie(*key, kInput);
  // S is little-endian in bytes 32..63; add the group order L to it. S < L <
  // 2^253, so S + L still fits in 256 bits and decodes to the same scalar
  // mod L: a malleable signature the verifier must refuse.
  static constexpr uint8_t kL[32] = {
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  std::string bad = sig;
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    unsigned sum = static_cast<uint8_t>(bad[32 + i]) + kL[i] + carry;
    bad[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  ExpectBadSignature(*key, kInput, bad, "S + L");
}

// ---------------------------------------------------------------------------
// HMAC.

TEST(HmacTest, TagMustHaveTheExactLength) {
  std::shared_ptr<const Key> key = KeyFor(Algorithm::kHS256);
  ASSERT_NE(key, nullptr);
  const std::string tag = SignOrDie(*key, kInput);
  ASSERT_EQ(tag.size(), 32u);
  for (size_t len : {0, 1, 16, 31}) {
    ExpectBadSignature(*key, kInput, tag.substr(0, len),
                       absl::StrCat("truncated to ", len));
  }
  ExpectBadSignature(*key, kInput, tag + 'x', "33 bytes");
  ExpectBadSignature(*key, kInput, tag + tag, "64 bytes");
  ExpectBadSignature(*key, kInput, std::string(32, '\0'), "all zero");
}

TEST(HmacTest, KnownAnswer) {
  // RFC 4231 test case 2 uses a 4-byte key, which tokend refuses; use
  // test case 6's 131-byte key with HS256 instead.
  const std::string key_bytes(131, '\xaa');
  auto key = Key::FromHmacSecret(Algorithm::kHS256, key_bytes);
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string tag = SignOrDie(
      **key, "Test Using Larger Than Block-Size Key - Hash Key First");
  const uint8_t kExpected[] = {0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f,
                               0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f,
                               0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14,
                               0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54};
  EXPECT_EQ(tag, std::string(reinterpret_cast<const char*>(kExpected),
                             sizeof(kExpected)));
  std::string appended = "x";
  ASSERT_TRUE(
      (*key)
          ->SignAppend("Test Using Larger Than Block-Size Key - Hash Key First",
                       &appended)
          .ok());
  EXPECT_EQ(appended, "x" + tag);
}

TEST(HmacTest, SecretShorterThanTheHashIsTooWeak) {
  struct Case {
    Algorithm alg;
    size_t min;
  };
  for (Case c : {Case{Algorithm::kHS256, 32}, Case{Algorithm::kHS384, 48},
                 Case{Algorithm::kHS512, 64}}) {
    for (size_t len : {size_t{0}, size_t{1}, size_t{16}, c.min - 1}) {
      auto key = Key::FromHmacSecret(c.alg, std::string(len, 's'));
      EXPECT_EQ(GetReason(key.status()), Reason::kKeyTooWeak)
          << AlgorithmName(c.alg) << " " << len;
    }
    EXPECT_TRUE(Key::FromHmacSecret(c.alg, std::string(c.min, 's')).ok());
    EXPECT_TRUE(Key::FromHmacSecret(c.alg, std::string(200, 's')).ok());
  }
}

TEST(HmacTest, ErrorsNeverEchoTheSecret) {
  const std::string secret = "super-secret-value-0123456789";
  auto key = Key::FromHmacSecret(Algorithm::kHS256, secret);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message().find("super-secret"), std::string::npos);
}

TEST(HmacTest, SecretBoundOnlyToHmacAlgorithms) {
  for (Algorithm alg : kAllAlgorithms) {
    if (IsSymmetric(alg)) continue;
    auto key = Key::FromHmacSecret(alg, std::string(64, 's'));
    EXPECT_EQ(GetReason(key.status()), Reason::kKeyAlgMismatch)
        << AlgorithmName(alg);
  }
}

// The reference tag, from OpenSSL's one-shot HMAC (no per-thread state).
std::string ReferenceHmac(const EVP_MD* md, const std::string& secret,
                          const std::string& input) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_NE(HMAC(md, secret.data(), secret.size(),
                 reinterpret_cast<const uint8_t*>(input.data()), input.size(),
                 out, &len),
            nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

TEST(HmacTest, KeysAlternatingOnOneThreadNeverShareAContext) {
  // More keys than a thread keeps keyed contexts, mixing hash sizes and one
  // secret under two algorithms, so slots are hit, missed and evicted.
  struct Case {
    Algorithm alg;
    const EVP_MD* md;
    std::string secret;
  };
  std::vector<Case> cases;
  for (int i = 0; i < 7; ++i) {
    cases.push_back({Algorithm::kHS256, EVP_sha256(),
                     std::string(32 + i, static_cast<char>('a' + i))});
  }
  cases.push_back({Algorithm::kHS512, EVP_sha512(), std::string(64, 'a')});
  cases.push_back({Algorithm::kHS384, EVP_sha384(), std::string(64, 'a')});
  std::vector<std::shared_ptr<const Key>> keys;
  for (const Case& c : cases) {
    auto key = Key::FromHmacSecret(c.alg, c.secret);
    ASSERT_TRUE(key.ok()) << key.status();
    keys.push_back(*key);
  }
  // Two keys alternating, then all of them round-robin, then a stride that
  // revisits evicted keys.
  std::vector<size_t> order;
  for (int i = 0; i < 20; ++i) order.push_back(i % 2);
  for (int i = 0; i < 40; ++i) order.push_back(i % keys.size());
  for (int i = 0; i < 40; ++i) order.push_back((i * 5) % keys.size());
  for (size_t n = 0; n < order.size(); ++n) {
    const size_t k = order[n];
    const size_t other = (k + 1) % keys.size();
    const std::string input = absl::StrCat(kInput, ".", n);
    const std::string expected =
        ReferenceHmac(cases[k].md, cases[k].secret, input);
    EXPECT_EQ(SignOrDie(*keys[k], input), expected) << "key " << k;
    EXPECT_TRUE(keys[k]->Verify(input, expected).ok()) << "key " << k;
    // The other key's MAC never verifies under this key (same length only
    // between the HS256 keys; the rest fail on length as well).
    const std::string foreign =
        ReferenceHmac(cases[other].md, cases[other].secret, input);
    ExpectBadSignature(*keys[k], input, foreign,
                       absl::StrCat("key ", k, " given key ", other, "'s tag"));
    ExpectBadSignature(*keys[other], input, expected,
                       absl::StrCat("key ", other, " given key ", k, "'s tag"));
  }
}

TEST(HmacTest, ANewKeyNeverUsesADestroyedKeysContext) {
  // A key is used on this thread (keying a slot) and destroyed; the next
  // key is often allocated at the same address. Its MACs must be its own.
  std::string previous_tag;
  for (int i = 0; i < 50; ++i) {
    const std::string secret(32, static_cast<char>(i));
    const std::string input = absl::StrCat(kInput, ".", i);
    {
      auto key = Key::FromHmacSecret(Algorithm::kHS256, secret);
      ASSERT_TRUE(key.ok()) << key.status();
      const std::string expected = ReferenceHmac(EVP_sha256(), secret, input);
      ASSERT_EQ(SignOrDie(**key, input), expected) << i;
      EXPECT_TRUE((*key)->Verify(input, expected).ok()) << i;
      if (!previous_tag.empty()) {
        // The destroyed key's tag over the same input.
        ExpectBadSignature(**key, input, previous_tag,
                           absl::StrCat("key ", i, " given its predecessor's"));
      }
    }
    // The tag the key just destroyed would give for the next iteration's
    // input: the next key must refuse it.
    previous_tag =
        ReferenceHmac(EVP_sha256(), secret, absl::StrCat(kInput, ".", i + 1));
  }
}

// ---------------------------------------------------------------------------
// Asymmetric load rules.

TEST(KeyLoadTest, Rsa1024IsTooWeak) {
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kPS256}) {
    auto key = Key::FromEvpPkey(alg, GenerateRsa(1024));
    EXPECT_EQ(GetReason(key.status()), Reason::kKeyTooWeak)
        << AlgorithmName(alg);
  }
}

TEST(KeyLoadTest, RsaExponentMustBeOddAndAboveOne) {
  std::shared_ptr<const Key> good = KeyFor(Algorithm::kRS256);
  ASSERT_NE(good, nullptr);
  const BIGNUM* n = nullptr;
  RSA_get0_key(EVP_PKEY_get0_RSA(good->pkey()), &n, nullptr, nullptr);
  for (unsigned long e : {1ul, 2ul, 4ul, 65536ul}) {
    RSA* rsa = RSA_new();
    BIGNUM* bn_e = BN_new();
    ASSERT_EQ(BN_set_word(bn_e, e), 1);
    ASSERT_EQ(RSA_set0_key(rsa, BN_dup(n), bn_e, nullptr), 1);
    EvpPkeyPtr pkey(EVP_PKEY_new());
    ASSERT_EQ(EVP_PKEY_set1_RSA(pkey.get(), rsa), 1);
    RSA_free(rsa);
    auto key = Key::FromEvpPkey(Algorithm::kRS256, std::move(pkey));
    EXPECT_EQ(GetReason(key.status()), Reason::kKeyInvalid) << "e = " << e;
  }
}

TEST(KeyLoadTest, CurveMustMatchTheAlgorithm) {
  struct Case {
    int nid;
    Algorithm alg;
  };
  for (Case c : {Case{NID_X9_62_prime256v1, Algorithm::kES384},
                 Case{NID_X9_62_prime256v1, Algorithm::kES512},
                 Case{NID_secp384r1, Algorithm::kES256},
                 Case{NID_secp384r1, Algorithm::kES512},
                 Case{NID_secp521r1, Algorithm::kES256},
                 Case{NID_secp521r1, Algorithm::kES384},
                 Case{NID_secp224r1, Algorithm::kES256}}) {
    auto key = Key::FromEvpPkey(c.alg, GenerateEc(c.nid));
    EXPECT_EQ(GetReason(key.status()), Reason::kKeyAlgMismatch)
        << c.nid << " as " << AlgorithmName(c.alg);
  }
  for (Case c : {Case{NID_X9_62_prime256v1, Algorithm::kES256},
                 Case{NID_secp384r1, Algorithm::kES384},
                 Case{NID_secp521r1, Algorithm::kES512}}) {
    auto key = Key::FromEvpPkey(c.alg, GenerateEc(c.nid));
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_TRUE((*key)->has_private());
    EXPECT_TRUE((*key)->Verify(kInput, SignOrDie(**key, kInput)).ok());
  }
}

TEST(KeyLoadTest, KeyTypeMustMatchTheFamily) {
  const Algorithm kAsymmetric[] = {Algorithm::kRS256, Algorithm::kPS256,
                                   Algorithm::kES256, Algorithm::kEdDSA};
  for (Algorithm key_alg : kAsymmetric) {
    std::shared_ptr<const Key> key = KeyFor(key_alg);
    ASSERT_NE(key, nullptr);
    for (Algorithm alg : kAllAlgorithms) {
      const KeyFamily want = FamilyOf(alg);
      const KeyFamily have = FamilyOf(key_alg);
      const bool rsa_both =
          (want == KeyFamily::kRsa || want == KeyFamily::kRsaPss) &&
          (have == KeyFamily::kRsa || have == KeyFamily::kRsaPss);
      if (want == have || rsa_both) continue;
      auto rebound = Key::FromEvpPkey(alg, SharePkey(*key));
      EXPECT_EQ(GetReason(rebound.status()), Reason::kKeyAlgMismatch)
          << AlgorithmName(key_alg) << " key as " << AlgorithmName(alg);
    }
  }
}

TEST(KeyLoadTest, NullKeyIsInvalid) {
  EXPECT_EQ(GetReason(Key::FromEvpPkey(Algorithm::kES256, nullptr).status()),
            Reason::kKeyInvalid);
}

TEST(KeyTest, WithKidCopiesEverythingButTheKid) {
  std::shared_ptr<const Key> key = KeyFor(Algorithm::kES256);
  ASSERT_NE(key, nullptr);
  std::shared_ptr<const Key> renamed = key->WithKid("thumbprint");
  EXPECT_EQ(renamed->kid(), "thumbprint");
  EXPECT_EQ(key->kid(), "k1");
  EXPECT_EQ(renamed->alg(), key->alg());
  EXPECT_EQ(renamed->pkey(), key->pkey());
  EXPECT_TRUE(renamed->has_private());
  EXPECT_TRUE(key->Verify(kInput, SignOrDie(*renamed, kInput)).ok());

  std::shared_ptr<const Key> hmac = KeyFor(Algorithm::kHS384);
  ASSERT_NE(hmac, nullptr);
  std::shared_ptr<const Key> hmac2 = hmac->WithKid("h2");
  EXPECT_EQ(hmac2->secret(), hmac->secret());
  EXPECT_TRUE(hmac->Verify(kInput, SignOrDie(*hmac2, kInput)).ok());
}

TEST(KeyTest, GeneratedKeysDiffer) {
  auto a = GenerateKey(Algorithm::kHS256);
  auto b = GenerateKey(Algorithm::kHS256);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->secret().size(), 32u);
  EXPECT_NE((*a)->secret(), (*b)->secret());
  EXPECT_EQ((*a)->kid(), "");
  ExpectBadSignature(**b, kInput, SignOrDie(**a, kInput), "other secret");
}

TEST(KeyTest, SharedAcrossThreads) {
  // Every algorithm family at once from several threads; TSan/ASan builds
  // turn any hidden shared mutable state into a report.
  std::vector<std::shared_ptr<const Key>> keys;
  std::vector<std::string> sigs;
  for (Algorithm alg : {Algorithm::kHS256, Algorithm::kRS256, Algorithm::kPS256,
                        Algorithm::kES256, Algorithm::kEdDSA}) {
    keys.push_back(KeyFor(alg));
    ASSERT_NE(keys.back(), nullptr);
    sigs.push_back(SignOrDie(*keys.back(), kInput));
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        for (size_t k = 0; k < keys.size(); ++k) {
          if (!keys[k]->Verify(kInput, sigs[k]).ok()) ++failures[t];
          absl::StatusOr<std::string> sig = keys[k]->Sign(kInput);
          if (!sig.ok() || !keys[k]->Verify(kInput, *sig).ok()) ++failures[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace tokend
