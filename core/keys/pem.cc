// PEM import and export. The text must be exactly one PEM block (optionally
// surrounded by whitespace); its label picks one DER decoder, and the DER
// must be consumed completely. Encrypted keys, certificates and anything
// else are refused with kKeyInvalid. Error details name the problem, never
// the key bytes or the label text.
#include "core/keys/pem.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#ifdef TOKEND_BORINGSSL
#include <openssl/pkcs8.h>
#endif

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/reason.h"

namespace tokend {
namespace {

// Far above any real key (a 16384-bit RSA private key is about 12 KiB).
constexpr size_t kMaxPemBytes = 64 * 1024;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct OpensslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

absl::Status Invalid(absl::string_view detail) {
  ERR_clear_error();
  return Error(Reason::kKeyInvalid, detail);
}

bool IsAllWhitespace(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// One decoded PEM block.
struct PemBlock {
  std::string label;
  std::string der;
};

// Zeroes a string on scope exit (it may hold key material).
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string* s) : s_(s) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { OPENSSL_cleanse(s_->data(), s_->size()); }

 private:
  std::string* s_;
};

absl::StatusOr<PemBlock> ReadSinglePemBlock(absl::string_view pem) {
  if (pem.size() > kMaxPemBytes) return Invalid("PEM text is too large");
  // BoringSSL's PEM reader wants LF line ends; files edited on Windows have
  // CRLF, so drop each CR that precedes an LF.
  std::string normalized;
  WipeOnExit wipe(&normalized);
  if (absl::StrContains(pem, '\r')) {
    normalized.reserve(pem.size());
    for (size_t i = 0; i < pem.size(); ++i) {
      if (pem[i] == '\r' && i + 1 < pem.size() && pem[i + 1] == '\n') continue;
      normalized.push_back(pem[i]);
    }
    pem = normalized;
  }
  if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(pem),
                        "-----BEGIN ")) {
    return Invalid("text before the PEM block or no PEM block");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Invalid("out of memory");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    return Invalid("not a well-formed PEM block");
  }
  std::unique_ptr<char, OpensslFree> name_owner(name);
  std::unique_ptr<char, OpensslFree> header_owner(header);
  std::unique_ptr<unsigned char, OpensslFree> data_owner(data);
  PemBlock block;
  block.label = name;
  block.der.assign(reinterpret_cast<const char*>(data),
                   static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));

  // Proc-Type / DEK-Info headers only appear on encrypted legacy keys.
  if (header != nullptr && header[0] != '\0') {
    return Invalid("encrypted PEM keys are not supported");
  }
  char* rest = nullptr;
  const long rest_len = BIO_get_mem_data(bio.get(), &rest);
  const absl::string_view remaining(
      rest, rest_len > 0 ? static_cast<size_t>(rest_len) : 0);
  if (absl::StrContains(remaining, "-----BEGIN")) {
    return Invalid("more than one PEM block");
  }
  if (!IsAllWhitespace(remaining)) return Invalid("data after the PEM block");
  return block;
}

EvpPkeyPtr FromRsa(RSA* rsa) {
  if (rsa == nullptr) return nullptr;
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (pkey != nullptr && EVP_PKEY_set1_RSA(pkey.get(), rsa) != 1) {
    pkey.reset();
  }
  RSA_free(rsa);
  return pkey;
}

EvpPkeyPtr FromEc(EC_KEY* ec) {
  if (ec == nullptr) return nullptr;
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (pkey != nullptr && EVP_PKEY_set1_EC_KEY(pkey.get(), ec) != 1) {
    pkey.reset();
  }
  EC_KEY_free(ec);
  return pkey;
}

EvpPkeyPtr FromPkcs8(const uint8_t** cursor, long len) {
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, cursor, len);
  if (info == nullptr) return nullptr;
  EvpPkeyPtr pkey(EVP_PKCS82PKEY(info));
  PKCS8_PRIV_KEY_INFO_free(info);
  return pkey;
}

// Decodes the DER of a supported label; the whole DER must be consumed.
absl::StatusOr<EvpPkeyPtr> DecodeBlock(const PemBlock& block) {
  const uint8_t* const start =
      reinterpret_cast<const uint8_t*>(block.der.data());
  const uint8_t* cursor = start;
  const long len = static_cast<long>(block.der.size());
  EvpPkeyPtr pkey;
  if (block.label == "PUBLIC KEY") {
    pkey.reset(d2i_PUBKEY(nullptr, &cursor, len));
  } else if (block.label == "RSA PUBLIC KEY") {
    pkey = FromRsa(d2i_RSAPublicKey(nullptr, &cursor, len));
  } else if (block.label == "PRIVATE KEY") {
    pkey = FromPkcs8(&cursor, len);
  } else if (block.label == "RSA PRIVATE KEY") {
    pkey = FromRsa(d2i_RSAPrivateKey(nullptr, &cursor, len));
  } else if (block.label == "EC PRIVATE KEY") {
    pkey = FromEc(d2i_ECPrivateKey(nullptr, &cursor, len));
  } else if (block.label == "ENCRYPTED PRIVATE KEY") {
    return Invalid("encrypted private keys are not supported");
  } else if (absl::StrContains(block.label, "CERTIFICATE")) {
    return Invalid("certificates are not accepted; give the public key");
  } else {
    return Invalid("unsupported PEM block type");
  }
  if (pkey == nullptr)
    return Invalid("the PEM block does not hold a valid key");
  if (cursor != start + len) return Invalid("trailing bytes inside the key");
  return pkey;
}

// Copies the BIO's buffer out and wipes it (it may hold a private key).
absl::StatusOr<std::string> TakeBioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) {
    ERR_clear_error();
    return Error(Reason::kInternal, "PEM encoding failed");
  }
  std::string out(data, static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Key>> KeyFromPem(Algorithm alg,
                                                      absl::string_view pem,
                                                      std::string kid) {
  if (IsSymmetric(alg)) {
    return Error(Reason::kKeyAlgMismatch,
                 "PEM holds asymmetric keys; HS* needs a raw secret");
  }
  absl::StatusOr<PemBlock> block = ReadSinglePemBlock(pem);
  if (!block.ok()) return block.status();
  absl::StatusOr<EvpPkeyPtr> pkey = DecodeBlock(*block);
  OPENSSL_cleanse(block->der.data(), block->der.size());
  if (!pkey.ok()) return pkey.status();
  return Key::FromEvpPkey(alg, *std::move(pkey), std::move(kid));
}

absl::StatusOr<std::string> PublicKeyToPem(const Key& key) {
  if (key.pkey() == nullptr) {
    return Error(Reason::kInvalidArgument, "an HMAC key has no PEM form");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.pkey()) != 1) {
    ERR_clear_error();
    return Error(Reason::kInternal, "PEM encoding failed");
  }
  return TakeBioContents(bio.get());
}

absl::StatusOr<std::string> PrivateKeyToPem(const Key& key) {
  if (key.pkey() == nullptr) {
    return Error(Reason::kInvalidArgument, "an HMAC key has no PEM form");
  }
  if (!key.has_private()) {
    return Error(Reason::kNoSigningKey, "the key holds no private part");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key.pkey(), nullptr, nullptr, 0,
                                    nullptr, nullptr) != 1) {
    ERR_clear_error();
    return Error(Reason::kInternal, "PEM encoding failed");
  }
  return TakeBioContents(bio.get());
}

}  // namespace tokend
