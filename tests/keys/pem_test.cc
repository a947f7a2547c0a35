// PEM import/export. Keys are generated in the test and written in every
// supported PEM form with the crypto library itself, then loaded.
#include "core/keys/pem.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#ifdef TOKEND_BORINGSSL
#include <openssl/mem.h>
#endif

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/crypto/key.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

constexpr absl::string_view kInput = "header.payload";

// Runs `write` against a memory BIO and returns what it wrote.
std::string WritePem(const std::function<int(BIO*)>& write) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(write(bio), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len > 0 ? static_cast<size_t>(len) : 0);
  BIO_free(bio);
  return out;
}

std::shared_ptr<const Key> Generate(Algorithm alg) {
  auto key = GenerateKey(alg);
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? *key : nullptr;
}

EVP_PKEY* Pkey(const std::shared_ptr<const Key>& key) { return key->pkey(); }

RSA* RsaOf(const std::shared_ptr<const Key>& key) {
  return const_cast<RSA*>(EVP_PKEY_get0_RSA(key->pkey()));
}

EC_KEY* EcOf(const std::shared_ptr<const Key>& key) {
  return const_cast<EC_KEY*>(EVP_PKEY_get0_EC_KEY(key->pkey()));
}

std::string Spki(const std::shared_ptr<const Key>& key) {
  return WritePem([&](BIO* b) { return PEM_write_bio_PUBKEY(b, Pkey(key)); });
}

std::string Pkcs8(const std::shared_ptr<const Key>& key) {
  return WritePem([&](BIO* b) {
    return PEM_write_bio_PKCS8PrivateKey(b, Pkey(key), nullptr, nullptr, 0,
                                         nullptr, nullptr);
  });
}

// Wraps DER in a PEM block of the given label, 64 characters a line.
std::string ToPem(absl::string_view label, absl::string_view der) {
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<uint8_t*>(b64.data()),
                      reinterpret_cast<const uint8_t*>(der.data()), der.size());
  b64.resize(n);
  std::string out = absl::StrCat("-----BEGIN ", label, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, b64.substr(i, 64), "\n");
  }
  absl::StrAppend(&out, "-----END ", label, "-----\n");
  return out;
}

std::string SpkiDer(const std::shared_ptr<const Key>& key) {
  uint8_t* der = nullptr;
  const int len = i2d_PUBKEY(Pkey(key), &der);
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

// Loads `pem` for `alg` and checks that the key signs (if private) and
// verifies against `original`.
void ExpectLoads(Algorithm alg, const std::string& pem, bool is_private,
                 const Key& original, absl::string_view form) {
  SCOPED_TRACE(absl::StrCat(AlgorithmName(alg), " ", form));
  auto loaded = KeyFromPem(alg, pem, "kid-1");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->alg(), alg);
  EXPECT_EQ((*loaded)->kid(), "kid-1");
  EXPECT_EQ((*loaded)->has_private(), is_private);
  auto sig = original.Sign(kInput);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE((*loaded)->Verify(kInput, *sig).ok());
  if (is_private) {
    auto own = (*loaded)->Sign(kInput);
    ASSERT_TRUE(own.ok()) << own.status();
    EXPECT_TRUE(original.Verify(kInput, *own).ok());
  } else {
    EXPECT_EQ(GetReason((*loaded)->Sign(kInput).status()),
              Reason::kNoSigningKey);
  }
}

// ---------------------------------------------------------------------------
// Every supported form loads.

TEST(PemTest, RsaForms) {
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kPS512}) {
    auto key = Generate(alg);
    ASSERT_NE(key, nullptr);
    ExpectLoads(alg, Spki(key), false, *key, "SPKI");
    ExpectLoads(alg, Pkcs8(key), true, *key, "PKCS#8");
    ExpectLoads(alg, WritePem([&](BIO* b) {
                  return PEM_write_bio_RSAPublicKey(b, RsaOf(key));
                }),
                false, *key, "RSA PUBLIC KEY");
    ExpectLoads(alg, WritePem([&](BIO* b) {
                  return PEM_write_bio_RSAPrivateKey(
                      b, RsaOf(key), nullptr, nullptr, 0, nullptr, nullptr);
                }),
                true, *key, "RSA PRIVATE KEY");
  }
}

TEST(PemTest, EcForms) {
  for (Algorithm alg :
       {Algorithm::kES256, Algorithm::kES384, Algorithm::kES512}) {
    auto key = Generate(alg);
    ASSERT_NE(key, nullptr);
    ExpectLoads(alg, Spki(key), false, *key, "SPKI");
    ExpectLoads(alg, Pkcs8(key), true, *key, "PKCS#8");
    ExpectLoads(alg, WritePem([&](BIO* b) {
                  return PEM_write_bio_ECPrivateKey(
                      b, EcOf(key), nullptr, nullptr, 0, nullptr, nullptr);
                }),
                true, *key, "EC PRIVATE KEY");
  }
}

TEST(PemTest, Ed25519Forms) {
  auto key = Generate(Algorithm::kEdDSA);
  ASSERT_NE(key, nullptr);
  ExpectLoads(Algorithm::kEdDSA, Spki(key), false, *key, "SPKI");
  ExpectLoads(Algorithm::kEdDSA, Pkcs8(key), true, *key, "PKCS#8");
}

TEST(PemTest, ToleratesSurroundingWhitespaceAndCrlf) {
  auto key = Generate(Algorithm::kES256);
  ASSERT_NE(key, nullptr);
  const std::string pem = Spki(key);
  ExpectLoads(Algorithm::kES256, absl::StrCat("\n\n", pem, "\n \t\n  "), false,
              *key, "padded");
  std::string crlf;
  for (char c : pem) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  ExpectLoads(Algorithm::kES256, crlf, false, *key, "CRLF");
}

// ---------------------------------------------------------------------------
// Load-time rules still apply through PEM.

TEST(PemTest, KeyRulesApply) {
  auto ec = Generate(Algorithm::kES256);
  auto rsa = Generate(Algorithm::kRS256);
  auto ed = Generate(Algorithm::kEdDSA);
  ASSERT_TRUE(ec && rsa && ed);
  EXPECT_EQ(GetReason(KeyFromPem(Algorithm::kES384, Spki(ec)).status()),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(GetReason(KeyFromPem(Algorithm::kES256, Spki(rsa)).status()),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(GetReason(KeyFromPem(Algorithm::kRS256, Spki(ed)).status()),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(GetReason(KeyFromPem(Algorithm::kEdDSA, Pkcs8(ec)).status()),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(GetReason(KeyFromPem(Algorithm::kHS256, Spki(rsa)).status()),
            Reason::kKeyAlgMismatch);

  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  EVP_PKEY* small = nullptr;
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
  ASSERT_EQ(EVP_PKEY_keygen(ctx, &small), 1);
  EVP_PKEY_CTX_free(ctx);
  const std::string small_pem =
      WritePem([&](BIO* b) { return PEM_write_bio_PUBKEY(b, small); });
  EVP_PKEY_free(small);
  EXPECT_EQ(GetReason(KeyFromPem(Algorithm::kRS256, small_pem).status()),
            Reason::kKeyTooWeak);
}

// ---------------------------------------------------------------------------
// Bad PEM.

// Every bad input fails with kKeyInvalid and a message free of the PEM body.
void ExpectInvalid(Algorithm alg, const std::string& pem,
                   absl::string_view what) {
  auto key = KeyFromPem(alg, pem);
  ASSERT_FALSE(key.ok()) << what;
  EXPECT_EQ(GetReason(key.status()), Reason::kKeyInvalid)
      << what << ": " << key.status();
  const std::string message(key.status().message());
  EXPECT_LT(message.size(), 200u) << what;
  for (absl::string_view line : absl::StrSplit(pem, '\n')) {
    if (line.size() < 16 || line.find("-----") != absl::string_view::npos) {
      continue;
    }
    EXPECT_FALSE(absl::StrContains(message, line.substr(0, 12)))
        << what << " leaks PEM body into: " << message;
  }
}

TEST(PemTest, RejectsGarbageAndTruncation) {
  auto key = Generate(Algorithm::kES256);
  ASSERT_NE(key, nullptr);
  const std::string pem = Spki(key);
  const Algorithm alg = Algorithm::kES256;
  ExpectInvalid(alg, "", "empty");
  ExpectInvalid(alg, "   \n", "whitespace only");
  ExpectInvalid(alg, "not a key at all", "garbage");
  ExpectInvalid(alg, pem.substr(0, pem.size() / 2), "cut in half");
  ExpectInvalid(alg, pem.substr(0, pem.size() - 10), "END line cut");
  // Drop one body line: the base64 still decodes but the DER is short.
  std::vector<std::string> lines = absl::StrSplit(pem, '\n');
  ASSERT_GE(lines.size(), 4u);
  lines.erase(lines.begin() + 1);
  ExpectInvalid(alg, absl::StrJoin(lines, "\n"), "missing body line");
  ExpectInvalid(alg, absl::StrCat(pem, "garbage"), "trailing garbage");
  ExpectInvalid(alg, absl::StrCat("garbage\n", pem), "leading garbage");
  ExpectInvalid(alg, absl::StrCat(pem, pem), "two blocks");
  ExpectInvalid(alg, absl::StrCat(pem, "\n", Pkcs8(key)), "public + private");
  ExpectInvalid(alg, ToPem("PUBLIC KEY", SpkiDer(key) + '\0'),
                "trailing byte in the DER");
  ExpectInvalid(alg, ToPem("PUBLIC KEY", "\x30\x03\x02\x01\x01"),
                "DER that is not a key");
  ExpectInvalid(alg, ToPem("DSA PRIVATE KEY", SpkiDer(key)), "unknown label");
  ExpectInvalid(alg, ToPem("RSA PUBLIC KEY", SpkiDer(key)),
                "label does not fit the DER");
}

TEST(PemTest, RejectsCertificates) {
  auto key = Generate(Algorithm::kES256);
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  ASSERT_EQ(X509_set_version(cert, 2), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const uint8_t*>("tokend"), -1, -1,
                             0);
  ASSERT_EQ(X509_set_issuer_name(cert, name), 1);
  ASSERT_EQ(X509_set_pubkey(cert, Pkey(key)), 1);
  ASSERT_GT(X509_sign(cert, Pkey(key), EVP_sha256()), 0);
  const std::string pem =
      WritePem([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
  X509_free(cert);
  ASSERT_NE(pem.find("BEGIN CERTIFICATE"), std::string::npos);
  ExpectInvalid(Algorithm::kES256, pem, "certificate");
}

TEST(PemTest, RejectsEncryptedKeys) {
  auto key = Generate(Algorithm::kRS256);
  ASSERT_NE(key, nullptr);
  static char kPass[] = "correct horse";
  const std::string pkcs8 = WritePem([&](BIO* b) {
    return PEM_write_bio_PKCS8PrivateKey(b, Pkey(key), EVP_aes_256_cbc(), kPass,
                                         sizeof(kPass) - 1, nullptr, nullptr);
  });
  ASSERT_NE(pkcs8.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  ExpectInvalid(Algorithm::kRS256, pkcs8, "encrypted PKCS#8");

  const std::string legacy = WritePem([&](BIO* b) {
    return PEM_write_bio_RSAPrivateKey(b, RsaOf(key), EVP_aes_128_cbc(),
                                       reinterpret_cast<unsigned char*>(kPass),
                                       sizeof(kPass) - 1, nullptr, nullptr);
  });
  ASSERT_NE(legacy.find("Proc-Type"), std::string::npos);
  ExpectInvalid(Algorithm::kRS256, legacy, "encrypted RSA PRIVATE KEY");
}

// ---------------------------------------------------------------------------
// Export.

TEST(PemTest, ExportRoundTrips) {
  for (Algorithm alg :
       {Algorithm::kRS256, Algorithm::kPS384, Algorithm::kES256,
        Algorithm::kES384, Algorithm::kES512, Algorithm::kEdDSA}) {
    SCOPED_TRACE(AlgorithmName(alg));
    auto key = Generate(alg);
    ASSERT_NE(key, nullptr);
    auto pub = PublicKeyToPem(*key);
    ASSERT_TRUE(pub.ok()) << pub.status();
    EXPECT_EQ(pub->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
    ExpectLoads(alg, *pub, false, *key, "exported public");

    auto priv = PrivateKeyToPem(*key);
    ASSERT_TRUE(priv.ok()) << priv.status();
    EXPECT_EQ(priv->rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
    ExpectLoads(alg, *priv, true, *key, "exported private");

    // Export of a re-imported key is stable.
    auto reloaded = KeyFromPem(alg, *pub);
    ASSERT_TRUE(reloaded.ok());
    auto pub_again = PublicKeyToPem(**reloaded);
    ASSERT_TRUE(pub_again.ok());
    EXPECT_EQ(*pub_again, *pub);
    EXPECT_EQ(GetReason(PrivateKeyToPem(**reloaded).status()),
              Reason::kNoSigningKey);
  }
}

TEST(PemTest, HmacKeysHaveNoPem) {
  auto key = Generate(Algorithm::kHS256);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(GetReason(PublicKeyToPem(*key).status()), Reason::kInvalidArgument);
  EXPECT_EQ(GetReason(PrivateKeyToPem(*key).status()),
            Reason::kInvalidArgument);
}

}  // namespace
}  // namespace tokend
