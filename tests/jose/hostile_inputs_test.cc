// One test per row of jwt-verification.md §3 ("Catalogue of hostile or
// malformed inputs"), each asserting the exact reason, plus the extra cases
// listed under the table.
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/jose/jwt.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "core/keys/pem.h"
#include "core/reason.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cache/cached_verify.h"
#include "tests/test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::HexDecode;

constexpr int64_t kNow = 1700000000;
const absl::Time kNowTime = absl::FromUnixSeconds(kNow);
constexpr absl::string_view kClaims = R"({"exp":1800000000,"sub":"u"})";

std::shared_ptr<const Key> MustGenerate(Algorithm alg, std::string kid) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg, kid);
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

std::shared_ptr<const Key> MustHmac(std::string secret, std::string kid = "") {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(Algorithm::kHS256, std::move(secret), std::move(kid));
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

KeySet MustSet(std::vector<std::shared_ptr<const Key>> keys) {
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(keys));
  EXPECT_TRUE(set.ok()) << set.status();
  return *std::move(set);
}

std::string B64(absl::string_view bytes) { return Base64UrlEncode(bytes); }

std::string RawSignature(const Key& key, absl::string_view input) {
  absl::StatusOr<std::string> signature = key.Sign(input);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return *signature;
}

// "b64(header).b64(payload)".
std::string Input(absl::string_view header, absl::string_view payload) {
  return absl::StrCat(B64(header), ".", B64(payload));
}

std::string Signed(const Key& key, absl::string_view header,
                   absl::string_view payload = kClaims) {
  std::string input = Input(header, payload);
  return absl::StrCat(input, ".", B64(RawSignature(key, input)));
}

// Signs an already encoded signing input, whatever its bytes.
std::string SignedInput(const Key& key, absl::string_view input) {
  return absl::StrCat(input, ".", B64(RawSignature(key, input)));
}

// Big-endian a - b for equal-length byte strings (a >= b).
std::string SubtractBigEndian(absl::string_view a, absl::string_view b) {
  std::string out(a.size(), '\0');
  int borrow = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int d = static_cast<uint8_t>(a[i]) - static_cast<uint8_t>(b[i]) - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = static_cast<char>(d < 0 ? d + 256 : d);
  }
  return out;
}

// Little-endian a + b for equal-length byte strings (no overflow expected).
std::string AddLittleEndian(absl::string_view a, absl::string_view b) {
  std::string out(a.size(), '\0');
  int carry = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int s = static_cast<uint8_t>(a[i]) + static_cast<uint8_t>(b[i]) + carry;
    carry = s >> 8;
    out[i] = static_cast<char>(s & 0xff);
  }
  return out;
}

std::string Sha(const EVP_MD* md, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out, &len, md, nullptr), 1);
  return std::string(reinterpret_cast<char*>(out), len);
}

// The P-256 group order n.
const std::string& P256Order() {
  static const std::string* n = new std::string(HexDecode(
      "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"));
  return *n;
}

// Keys shared by every test (RSA generation is slow, so once per binary).
struct TestKeys {
  std::shared_ptr<const Key> hs;   // HS256, kid "hs"
  std::shared_ptr<const Key> rsa;  // RS256, kid "rsa"
  std::shared_ptr<const Key> ps;   // PS256, kid "ps"
  std::shared_ptr<const Key> ec;   // ES256, kid "ec"
  std::shared_ptr<const Key> ed;   // EdDSA, kid "ed"
  KeySet hs_set;
  KeySet asym_set;
};

const TestKeys& Keys() {
  static const TestKeys* keys = [] {
    auto* k = new TestKeys;
    k->hs = MustHmac(std::string(32, 'S'), "hs");
    k->rsa = MustGenerate(Algorithm::kRS256, "rsa");
    k->ps = MustGenerate(Algorithm::kPS256, "ps");
    k->ec = MustGenerate(Algorithm::kES256, "ec");
    k->ed = MustGenerate(Algorithm::kEdDSA, "ed");
    k->hs_set = MustSet({k->hs});
    k->asym_set = MustSet({k->rsa, k->ps, k->ec, k->ed});
    return k;
  }();
  return *keys;
}

// Cold, and twice through a cached TokenService (tests/cache/cached_verify.h).
Reason ReasonOf(absl::string_view token, const KeySet& keys,
                const ValidationPolicy& policy = {}) {
  return GetReason(testing::VerifyColdAndWarm(token, keys, policy, kNowTime));
}
Reason HsReason(absl::string_view token, const ValidationPolicy& policy = {}) {
  return ReasonOf(token, Keys().hs_set, policy);
}
Reason AsymReason(absl::string_view token) {
  return ReasonOf(token, Keys().asym_set);
}

// An HS256 token with this header and payload, validly signed.
std::string Hs(absl::string_view header, absl::string_view payload = kClaims) {
  return Signed(*Keys().hs, header, payload);
}
constexpr absl::string_view kHsHeader = R"({"alg":"HS256","kid":"hs"})";

std::string PublicJwkText(const Key& key) {
  absl::StatusOr<json::Object> jwk = PublicJwk(key);
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  return json::Serialize(*jwk);
}

Reason JwkLoadReason(absl::string_view text, JwkOptions options = {}) {
  return GetReason(KeyFromJwkText(text, options).status());
}

// Signs `input` with RSA and an explicit EVP configuration.
std::string EvpSign(EVP_PKEY* pkey, const EVP_MD* md, int padding, int salt_len,
                    const EVP_MD* mgf1, absl::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, md, nullptr, pkey), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, padding), 1);
  if (padding == RSA_PKCS1_PSS_PADDING) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1), 1);
  }
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len,
                           reinterpret_cast<const uint8_t*>(input.data()),
                           input.size()),
            1);
  std::string out(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<uint8_t*>(out.data()), &len,
                           reinterpret_cast<const uint8_t*>(input.data()),
                           input.size()),
            1);
  out.resize(len);
  EVP_MD_CTX_free(ctx);
  return out;
}

// Raw RSA (no padding) over a caller-built encoded message: lets a test
// forge PKCS#1 v1.5 paddings a real signer never produces.
std::string RawRsa(EVP_PKEY* pkey, const std::string& em) {
  RSA* rsa = EVP_PKEY_get1_RSA(pkey);
  std::string out(RSA_size(rsa), '\0');
  int len = RSA_private_encrypt(
      static_cast<int>(em.size()), reinterpret_cast<const uint8_t*>(em.data()),
      reinterpret_cast<uint8_t*>(out.data()), rsa, RSA_NO_PADDING);
  EXPECT_EQ(len, static_cast<int>(out.size()));
  RSA_free(rsa);
  return out;
}

// EMSA-PKCS1-v1_5 framing around T (RFC 8017 §9.2), for a 2048-bit key.
std::string Pkcs1Frame(const std::string& t) {
  const size_t k = 256;
  return absl::StrCat(std::string("\x00\x01", 2),
                      std::string(k - 3 - t.size(), '\xff'),
                      std::string(1, '\0'), t);
}

// ---- Rows 1-17: algorithm, header and claim attacks ------------------------

TEST(HostileInputs, Row01_AlgNone) {
  const std::string input = Input(R"({"alg":"none"})", kClaims);
  // "h.p." has an empty signature part: refused before the header is read.
  EXPECT_EQ(HsReason(absl::StrCat(input, ".")), Reason::kMalformed);
  // With any signature bytes at all, "none" is never an allowed alg.
  EXPECT_EQ(HsReason(absl::StrCat(input, ".AAAA")), Reason::kAlgNotAllowed);
  EXPECT_EQ(HsReason(Hs(R"({"alg":"none","kid":"hs"})")),
            Reason::kAlgNotAllowed);
}

TEST(HostileInputs, Row02_AlgCaseVariants) {
  for (absl::string_view alg : {"None", "NONE", "nOnE", "hs256", "Hs256"}) {
    EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":")", alg, R"("})"))),
              Reason::kAlgNotAllowed)
        << alg;
  }
  EXPECT_EQ(AsymReason(Signed(*Keys().rsa, R"({"alg":"Rs256"})")),
            Reason::kAlgNotAllowed);
}

TEST(HostileInputs, Row03_HmacKeyedWithThePublicKey) {
  const Key& rsa = *Keys().rsa;
  absl::StatusOr<std::string> pem = PublicKeyToPem(rsa);
  ASSERT_TRUE(pem.ok());
  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(rsa.pkey(), &der);
  ASSERT_GT(der_len, 0);
  std::string der_bytes(reinterpret_cast<char*>(der), der_len);
  OPENSSL_free(der);
  for (const std::string& secret :
       {*pem, der_bytes, PublicJwkText(rsa), PublicJwkText(*Keys().ec)}) {
    std::shared_ptr<const Key> forger = MustHmac(secret);
    // With the victim's kid: the key is bound to RS256, not HS256.
    EXPECT_EQ(AsymReason(Signed(*forger, R"({"alg":"HS256","kid":"rsa"})")),
              Reason::kAlgNotAllowed);
    // Without a kid: no configured key is bound to HS256.
    EXPECT_EQ(AsymReason(Signed(*forger, R"({"alg":"HS256"})")),
              Reason::kAlgNotAllowed);
  }
}

TEST(HostileInputs, Row04_EmbeddedJwk) {
  std::shared_ptr<const Key> attacker = MustGenerate(Algorithm::kES256, "ec");
  std::string header = absl::StrCat(R"({"alg":"ES256","kid":"ec","jwk":)",
                                    PublicJwkText(*attacker), "}");
  EXPECT_EQ(AsymReason(Signed(*attacker, header)), Reason::kUnsupportedHeader);
}

TEST(HostileInputs, Row05_JkuAndX5u) {
  std::shared_ptr<const Key> attacker = MustGenerate(Algorithm::kES256, "ec");
  for (absl::string_view member : {"jku", "x5u"}) {
    std::string header = absl::StrCat(R"({"alg":"ES256","kid":"ec",")", member,
                                      R"(":"https://evil.example/k"})");
    EXPECT_EQ(AsymReason(Signed(*attacker, header)), Reason::kUnsupportedHeader)
        << member;
  }
}

TEST(HostileInputs, Row06_HostileKid) {
  for (absl::string_view kid :
       {"../../dev/null", "' OR 1=1--", "hs\\u0000", "/etc/passwd", "HS"}) {
    EXPECT_EQ(
        HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":")", kid, R"("})"))),
        Reason::kUnknownKid)
        << kid;
  }
  EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":")",
                                     std::string(10 * 1024, 'k'), R"("})"))),
            Reason::kTokenTooLarge);
  ValidationPolicy big;
  big.max_token_bytes = 64 * 1024;
  EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":")",
                                     std::string(10 * 1024, 'k'), R"("})")),
                     big),
            Reason::kBadHeader);
  for (absl::string_view kid : {"1", "null", R"(["hs"])", R"({"k":"hs"})"}) {
    EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":)", kid, "}"))),
              Reason::kBadHeader)
        << kid;
  }
}

TEST(HostileInputs, Row07_Crit) {
  for (absl::string_view crit :
       {R"(["foo"])", "[]", R"("foo")", R"(["alg"])", "{}", "null"}) {
    EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":"hs","crit":)",
                                       crit, "}"))),
              Reason::kCritUnsupported)
        << crit;
  }
}

TEST(HostileInputs, Row08_B64) {
  EXPECT_EQ(HsReason(Hs(R"({"alg":"HS256","kid":"hs","b64":false})")),
            Reason::kUnsupportedHeader);
  EXPECT_EQ(
      HsReason(Hs(R"({"alg":"HS256","kid":"hs","b64":false,"crit":["b64"]})")),
      Reason::kCritUnsupported);
}

TEST(HostileInputs, Row09_DuplicateKeys) {
  EXPECT_EQ(HsReason(Hs(R"({"alg":"none","alg":"HS256","kid":"hs"})")),
            Reason::kDuplicateKey);
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":1,"exp":1800000000})")),
            Reason::kDuplicateKey);
  ValidationPolicy policy;
  policy.audiences = {"b"};
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":1800000000,"aud":"a","aud":"b"})"),
                     policy),
            Reason::kDuplicateKey);
}

TEST(HostileInputs, Row10_NonStringAlg) {
  for (absl::string_view alg : {"256", "null", R"(["HS256"])", "{}"}) {
    EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":)", alg, R"(,"kid":"hs"})"))),
              Reason::kBadHeader)
        << alg;
  }
}

TEST(HostileInputs, Row11_TimeClaimsOfTheWrongType) {
  for (absl::string_view claim : {"exp", "nbf", "iat"}) {
    for (absl::string_view value : {R"("1735689600")", "true", "null"}) {
      std::string payload = claim == "exp"
                                ? absl::StrCat(R"({"exp":)", value, "}")
                                : absl::StrCat(R"({"exp":1800000000,")", claim,
                                               R"(":)", value, "}");
      absl::Status status =
          VerifyJwt(Hs(kHsHeader, payload), Keys().hs_set, {}, kNowTime)
              .status();
      EXPECT_EQ(GetReason(status), Reason::kBadClaim) << payload;
      EXPECT_EQ(GetField(status), claim);
    }
  }
}

TEST(HostileInputs, Row12_FractionalExpIsFlooredNeverRoundedUp) {
  ValidationPolicy strict;
  strict.leeway = absl::ZeroDuration();
  EXPECT_EQ(
      HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":)", kNow, ".9}")), strict),
      Reason::kTokenExpired);
  absl::StatusOr<VerifiedJwt> jwt =
      VerifyJwt(Hs(kHsHeader, R"({"exp":1735689600.9})"), Keys().hs_set, strict,
                kNowTime);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->expires_at, absl::FromUnixSeconds(1735689600));
}

TEST(HostileInputs, Row13_NegativeAndZeroTimes) {
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":-1})")), Reason::kBadClaim);
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":1800000000,"nbf":-1})")),
            Reason::kBadClaim);
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":1800000000,"iat":-1})")),
            Reason::kBadClaim);
  // exp 0 is 1970: expired, never "no expiry".
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":0})")), Reason::kTokenExpired);
}

TEST(HostileInputs, Row14_HugeTimes) {
  for (absl::string_view exp : {"1e30", "9007199254740993", "9007199254740992",
                                "1.7976931348623157e308"}) {
    EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":)", exp, "}"))),
              Reason::kBadClaim)
        << exp;
  }
  // Beyond uint64 the JSON layer may refuse the literal itself.
  EXPECT_THAT(HsReason(Hs(kHsHeader, R"({"exp":18446744073709551616})")),
              ::testing::AnyOf(Reason::kBadClaim, Reason::kBadJson));
  // The maximum with a huge leeway and now: no overflow, still valid.
  ValidationPolicy policy;
  policy.leeway = absl::InfiniteDuration();
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":9007199254740991})"), policy),
            Reason::kOk);
}

TEST(HostileInputs, Row15_FarFutureIatAndNbf) {
  const int64_t ten_years = int64_t{10} * 365 * 86400;
  EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":9000000000,"iat":)",
                                                kNow + ten_years, "}"))),
            Reason::kIatInFuture);
  EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":9000000000,"nbf":)",
                                                kNow + ten_years, "}"))),
            Reason::kTokenNotYetValid);
}

TEST(HostileInputs, Row16_MissingExp) {
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"sub":"u","iat":1700000000})")),
            Reason::kExpMissing);
}

TEST(HostileInputs, Row17_TtlOverTheProfileMaximum) {
  ValidationPolicy policy;
  policy.max_lifetime = absl::Hours(24);
  EXPECT_EQ(
      HsReason(Hs(kHsHeader, absl::StrCat(R"({"iat":)", kNow, R"(,"exp":)",
                                          kNow + 86401, "}")),
               policy),
      Reason::kLifetimeExceeded);
  EXPECT_EQ(
      HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":)", kNow + 86401, "}")),
               policy),
      Reason::kLifetimeExceeded);
  EXPECT_EQ(
      HsReason(Hs(kHsHeader, absl::StrCat(R"({"iat":)", kNow, R"(,"exp":)",
                                          kNow + 86400, "}")),
               policy),
      Reason::kOk);
}

// ---- Rows 18-30: token shape, base64url and JSON ---------------------------

TEST(HostileInputs, Row18_WrongSegmentCounts) {
  const std::string good = Hs(kHsHeader);
  const std::string input = Input(kHsHeader, kClaims);
  EXPECT_EQ(HsReason(input), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat(good, ".eHg")), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat(good, ".eHg.eHg")), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat(good, ".")), Reason::kMalformed);
}

TEST(HostileInputs, Row19_EmptySegments) {
  const std::string h = B64(kHsHeader);
  const std::string p = B64(kClaims);
  EXPECT_EQ(HsReason(absl::StrCat(".", p, ".c2ln")), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat(h, "..c2ln")), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat(h, ".", p, ".")), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat("..", h, ".", p, ".c2ln")),
            Reason::kMalformed);
}

TEST(HostileInputs, Row20_PaddingInAnySegment) {
  // {"alg":"HS256","kid":"hs"} is 26 bytes: its encoding needs padding.
  const std::string h = B64(kHsHeader);
  const std::string p = B64(kClaims);
  ASSERT_NE(h.size() % 4, 0u);
  EXPECT_EQ(HsReason(SignedInput(*Keys().hs, absl::StrCat(h, "==.", p))),
            Reason::kBadBase64);
  const std::string payload_padded =
      absl::StrCat(h, ".", B64(R"({"exp":1800000000,"s":1})"), "=");
  EXPECT_EQ(HsReason(SignedInput(*Keys().hs, payload_padded)),
            Reason::kBadBase64);
  // The 32-byte HMAC is 43 characters: one '=' would pad it.
  EXPECT_EQ(HsReason(absl::StrCat(Hs(kHsHeader), "=")), Reason::kBadBase64);
}

TEST(HostileInputs, Row21_StandardAlphabet) {
  const std::string good = Hs(kHsHeader);
  const size_t sig = good.rfind('.') + 1;
  for (char c : {'+', '/'}) {
    std::string bad = good;
    bad[sig + 3] = c;
    EXPECT_EQ(HsReason(bad), Reason::kBadBase64);
    bad = good;
    bad[2] = c;
    EXPECT_EQ(HsReason(bad), Reason::kBadBase64);
  }
}

TEST(HostileInputs, Row22_NonCanonicalTrailingBits) {
  const std::string good = Hs(kHsHeader);
  // 32 bytes → 43 characters; the last carries 2 unused bits.
  std::string bad = good;
  const char last = bad.back();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  bad.back() = alphabet[alphabet.find(last) ^ 1];
  EXPECT_EQ(HsReason(bad), Reason::kBadBase64);
  // A valid MAC over a non-canonical payload encoding is still refused
  // (Wycheproof JWS tcId 375): e.g. "QR" decodes like "QQ".
  std::string payload = B64(R"({"exp":1800000000,"a":"A"})");
  ASSERT_NE(payload.size() % 4, 0u);
  payload.back() = alphabet[alphabet.find(payload.back()) ^ 1];
  EXPECT_EQ(HsReason(SignedInput(*Keys().hs,
                                 absl::StrCat(B64(kHsHeader), ".", payload))),
            Reason::kBadBase64);
}

TEST(HostileInputs, Row23_LengthOneModFour) {
  EXPECT_EQ(HsReason(absl::StrCat("A.", B64(kClaims), ".c2ln")),
            Reason::kBadBase64);
  std::string token = Hs(kHsHeader);
  EXPECT_EQ(HsReason(absl::StrCat(token, "AA")), Reason::kBadBase64);
}

TEST(HostileInputs, Row24_Whitespace) {
  const std::string good = Hs(kHsHeader);
  const size_t dot = good.find('.');
  for (absl::string_view ws : {" ", "\r\n", "\t", "\n"}) {
    EXPECT_EQ(HsReason(absl::StrCat(ws, good)), Reason::kBadBase64);
    EXPECT_EQ(HsReason(absl::StrCat(good, ws)), Reason::kBadBase64);
    std::string inner = good;
    inner.insert(dot - 5, std::string(ws));
    EXPECT_EQ(HsReason(inner), Reason::kBadBase64);
    // Inside the payload the MAC (over the received bytes) fails first.
    inner = good;
    inner.insert(dot + 5, std::string(ws));
    EXPECT_EQ(HsReason(inner), Reason::kBadSignature);
    // Signed whitespace still fails the strict payload decode.
    std::string payload = B64(kClaims);
    payload.insert(5, std::string(ws));
    EXPECT_EQ(HsReason(SignedInput(*Keys().hs,
                                   absl::StrCat(B64(kHsHeader), ".", payload))),
              Reason::kBadBase64);
  }
}

TEST(HostileInputs, Row25_NonAlphabetCharacters) {
  const std::string good = Hs(kHsHeader);
  for (const std::string& c :
       {std::string("?"), std::string("#"), std::string("%"),
        std::string(1, '\0'), std::string("\xc3\xa9"), std::string("*"),
        std::string("~")}) {
    std::string bad = good;
    bad.insert(4, c);
    EXPECT_EQ(HsReason(bad), Reason::kBadBase64);
    bad = good;
    bad.insert(bad.size() - 2, c);
    EXPECT_EQ(HsReason(bad), Reason::kBadBase64);
  }
}

TEST(HostileInputs, Row26_VeryLongTokens) {
  std::string payload = absl::StrCat(R"({"exp":1800000000,"pad":")",
                                     std::string(9000, 'x'), R"("})");
  EXPECT_EQ(HsReason(Hs(kHsHeader, payload)), Reason::kTokenTooLarge);
  EXPECT_EQ(HsReason(std::string(1 << 20, 'A')), Reason::kTokenTooLarge);
  EXPECT_EQ(HsReason(std::string(8 * 1024 + 1, '.')), Reason::kTokenTooLarge);
  // Exactly at the cap is decoded normally.
  ValidationPolicy policy;
  std::string token = Hs(kHsHeader);
  policy.max_token_bytes = token.size();
  EXPECT_EQ(HsReason(token, policy), Reason::kOk);
  policy.max_token_bytes = token.size() - 1;
  EXPECT_EQ(HsReason(token, policy), Reason::kTokenTooLarge);
}

TEST(HostileInputs, Row27_DeepNesting) {
  auto nested = [](int depth) {
    return absl::StrCat(std::string(depth, '['), std::string(depth, ']'));
  };
  EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":"hs","x":)",
                                     nested(200), "}"))),
            Reason::kJsonTooDeep);
  EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":1800000000,"x":)",
                                                nested(200), "}"))),
            Reason::kJsonTooDeep);
  std::string objects;
  for (int i = 0; i < 100; ++i) objects += R"({"a":)";
  objects += "1";
  objects += std::string(100, '}');
  EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":1800000000,"x":)",
                                                objects, "}"))),
            Reason::kJsonTooDeep);
  // The cap is the policy's.
  ValidationPolicy policy;
  policy.max_json_depth = 3;
  EXPECT_EQ(
      HsReason(Hs(kHsHeader, R"({"exp":1800000000,"x":[[[1]]]})"), policy),
      Reason::kJsonTooDeep);
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":1800000000,"x":[[1]]})"), policy),
            Reason::kOk);
}

TEST(HostileInputs, Row28_InvalidUtf8) {
  for (absl::string_view bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\x80"}) {
    EXPECT_EQ(HsReason(Hs(absl::StrCat(R"({"alg":"HS256","kid":"hs","x":")",
                                       bad, R"("})"))),
              Reason::kBadJson);
    EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":1800000000,"s":")",
                                                  bad, R"("})"))),
              Reason::kBadJson);
  }
}

TEST(HostileInputs, Row29_LoneSurrogates) {
  for (absl::string_view bad : {R"(\ud800)", R"(\udc00x)", R"(\ud800\u0041)"}) {
    EXPECT_EQ(HsReason(Hs(kHsHeader, absl::StrCat(R"({"exp":1800000000,"s":")",
                                                  bad, R"("})"))),
              Reason::kBadJson)
        << bad;
  }
}

TEST(HostileInputs, Row30_NonStrictJson) {
  for (absl::string_view header :
       {R"({"alg":"HS256","kid":"hs"}x)", "\xef\xbb\xbf{\"alg\":\"HS256\"}",
        R"(["HS256"])", R"("HS256")", R"({"alg":"HS256","kid":"hs",})",
        R"({'alg':'HS256'})", R"({"alg":"HS256","n":NaN})",
        R"({"alg":"HS256","n":Infinity})", R"({"alg":"HS256"/*c*/})",
        R"({"alg":"HS256"} {})"}) {
    EXPECT_EQ(HsReason(Hs(header)), Reason::kBadJson) << header;
  }
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"({"exp":1800000000}x)")),
            Reason::kBadJson);
  EXPECT_EQ(HsReason(Hs(kHsHeader, R"([1800000000])")), Reason::kBadJson);
}

// ---- Rows 31-44: signature and key attacks --------------------------------

std::string EcToken(absl::string_view signature) {
  return absl::StrCat(Input(R"({"alg":"ES256","kid":"ec"})", kClaims), ".",
                      B64(signature));
}

std::string EcSignature() {
  return RawSignature(*Keys().ec,
                      Input(R"({"alg":"ES256","kid":"ec"})", kClaims));
}

TEST(HostileInputs, Row31_PsychicSignature) {
  const std::string& n = P256Order();
  const std::string zero(32, '\0');
  std::string one(32, '\0');
  one.back() = 1;
  for (const std::string& sig :
       {zero + zero, n + n, zero + one, one + zero, n + one, one + n}) {
    EXPECT_EQ(AsymReason(EcToken(sig)), Reason::kBadSignature);
  }
}

TEST(HostileInputs, Row32_DerEcdsaSignature) {
  const std::string raw = EcSignature();
  ASSERT_EQ(raw.size(), 64u);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r =
      BN_bin2bn(reinterpret_cast<const uint8_t*>(raw.data()), 32, nullptr);
  BIGNUM* s =
      BN_bin2bn(reinterpret_cast<const uint8_t*>(raw.data()) + 32, 32, nullptr);
  ASSERT_EQ(ECDSA_SIG_set0(sig, r, s), 1);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ASSERT_GT(len, 0);
  std::string der_sig(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  EXPECT_EQ(AsymReason(EcToken(der_sig)), Reason::kBadSignature);
  EXPECT_EQ(AsymReason(EcToken(raw)), Reason::kOk);
}

TEST(HostileInputs, Row33_EcdsaWrongLength) {
  const std::string raw = EcSignature();
  const std::string zero(1, '\0');
  for (const std::string& sig :
       {raw.substr(0, 63), raw + zero, raw + raw, zero + raw,
        zero + raw.substr(0, 32) + zero + raw.substr(32)}) {
    EXPECT_EQ(AsymReason(EcToken(sig)), Reason::kBadSignature) << sig.size();
  }
}

TEST(HostileInputs, Row34_HighSIsAccepted) {
  const std::string raw = EcSignature();
  const std::string high_s =
      raw.substr(0, 32) + SubtractBigEndian(P256Order(), raw.substr(32));
  ASSERT_NE(high_s, raw);
  EXPECT_EQ(AsymReason(EcToken(high_s)), Reason::kOk);
}

TEST(HostileInputs, Row35_WeakRsaKeysAreRefusedAtLoad) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
  EVP_PKEY* weak = nullptr;
  ASSERT_EQ(EVP_PKEY_keygen(ctx, &weak), 1);
  EVP_PKEY_CTX_free(ctx);
  EXPECT_EQ(
      GetReason(Key::FromEvpPkey(Algorithm::kRS256, EvpPkeyPtr(weak)).status()),
      Reason::kKeyTooWeak);

  // e = 1 and an even modulus, as JWKs.
  absl::StatusOr<json::Object> jwk = PublicJwk(*Keys().rsa);
  ASSERT_TRUE(jwk.ok());
  json::Object e1 = *jwk;
  e1.Set("e", json::Value("AQ"));
  EXPECT_EQ(GetReason(KeyFromJwk(e1).status()), Reason::kKeyInvalid);
  json::Object even = *jwk;
  std::string n = *Base64UrlDecode(jwk->Find("n")->as_string());
  n.back() = static_cast<char>(n.back() & 0xfe);
  even.Set("n", json::Value(B64(n)));
  EXPECT_EQ(GetReason(KeyFromJwk(even).status()), Reason::kKeyInvalid);
}

std::string RsaToken(
    absl::string_view signature,
    absl::string_view header = R"({"alg":"RS256","kid":"rsa"})") {
  return absl::StrCat(Input(header, kClaims), ".", B64(signature));
}

TEST(HostileInputs, Row36_RsaSignatureLengthAndRange) {
  const std::string input = Input(R"({"alg":"RS256","kid":"rsa"})", kClaims);
  const std::string sig = RawSignature(*Keys().rsa, input);
  ASSERT_EQ(sig.size(), 256u);
  EXPECT_EQ(AsymReason(RsaToken(sig)), Reason::kOk);
  EXPECT_EQ(AsymReason(RsaToken(sig.substr(1))), Reason::kBadSignature);
  EXPECT_EQ(AsymReason(RsaToken(std::string(1, '\0') + sig)),
            Reason::kBadSignature);
  EXPECT_EQ(AsymReason(RsaToken(sig + std::string(1, '\0'))),
            Reason::kBadSignature);
  absl::StatusOr<json::Object> jwk = PublicJwk(*Keys().rsa);
  ASSERT_TRUE(jwk.ok());
  const std::string n = *Base64UrlDecode(jwk->Find("n")->as_string());
  ASSERT_EQ(n.size(), 256u);
  EXPECT_EQ(AsymReason(RsaToken(n)), Reason::kBadSignature);
  EXPECT_EQ(AsymReason(RsaToken(std::string(256, '\xff'))),
            Reason::kBadSignature);
}

TEST(HostileInputs, Row37_Pkcs1PaddingTricks) {
  const std::string input = Input(R"({"alg":"RS256","kid":"rsa"})", kClaims);
  EVP_PKEY* pkey = Keys().rsa->pkey();
  const std::string hash = Sha(EVP_sha256(), input);
  const std::string sha256_prefix =
      HexDecode("3031300d060960864801650304020105000420");
  // Control: a correctly framed DigestInfo, signed raw, verifies.
  EXPECT_EQ(
      AsymReason(RsaToken(RawRsa(pkey, Pkcs1Frame(sha256_prefix + hash)))),
      Reason::kOk);
  const std::string missing_null =
      HexDecode("302f300b0609608648016503040201") + HexDecode("0420") + hash;
  EXPECT_EQ(AsymReason(RsaToken(RawRsa(pkey, Pkcs1Frame(missing_null)))),
            Reason::kBadSignature);
  const std::string wrong_hash =
      HexDecode("3051300d060960864801650304020305000440") +
      Sha(EVP_sha512(), input);
  EXPECT_EQ(AsymReason(RsaToken(RawRsa(pkey, Pkcs1Frame(wrong_hash)))),
            Reason::kBadSignature);
  const std::string trailing = sha256_prefix + hash + std::string(1, '\0');
  EXPECT_EQ(AsymReason(RsaToken(RawRsa(pkey, Pkcs1Frame(trailing)))),
            Reason::kBadSignature);
  // BER long-form length for the outer SEQUENCE.
  const std::string ber =
      HexDecode("308131300d060960864801650304020105000420") + hash;
  EXPECT_EQ(AsymReason(RsaToken(RawRsa(pkey, Pkcs1Frame(ber)))),
            Reason::kBadSignature);
}

TEST(HostileInputs, Row38_PssParameters) {
  const absl::string_view header = R"({"alg":"PS256","kid":"ps"})";
  const std::string input = Input(header, kClaims);
  EVP_PKEY* pkey = Keys().ps->pkey();
  // Control: salt = hash length, MGF1-SHA256.
  EXPECT_EQ(
      AsymReason(RsaToken(EvpSign(pkey, EVP_sha256(), RSA_PKCS1_PSS_PADDING, 32,
                                  EVP_sha256(), input),
                          header)),
      Reason::kOk);
  for (int salt : {0, 20, 64}) {
    EXPECT_EQ(
        AsymReason(RsaToken(EvpSign(pkey, EVP_sha256(), RSA_PKCS1_PSS_PADDING,
                                    salt, EVP_sha256(), input),
                            header)),
        Reason::kBadSignature)
        << salt;
  }
  EXPECT_EQ(
      AsymReason(RsaToken(EvpSign(pkey, EVP_sha256(), RSA_PKCS1_PSS_PADDING, 32,
                                  EVP_sha1(), input),
                          header)),
      Reason::kBadSignature);
  EXPECT_EQ(AsymReason(RsaToken(EvpSign(pkey, EVP_sha256(), RSA_PKCS1_PADDING,
                                        0, nullptr, input),
                                header)),
            Reason::kBadSignature);
}

TEST(HostileInputs, Row39_Ed25519NonCanonicalS) {
  const absl::string_view header = R"({"alg":"EdDSA","kid":"ed"})";
  const std::string input = Input(header, kClaims);
  const std::string sig = RawSignature(*Keys().ed, input);
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_EQ(AsymReason(absl::StrCat(input, ".", B64(sig))), Reason::kOk);
  // L, little-endian.
  const std::string l = HexDecode(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  const std::string malleated =
      sig.substr(0, 32) + AddLittleEndian(sig.substr(32), l);
  EXPECT_EQ(AsymReason(absl::StrCat(input, ".", B64(malleated))),
            Reason::kBadSignature);
}

TEST(HostileInputs, Row40_Ed25519WeakPublicKeysAreRefusedAtLoad) {
  // The identity (y = 1), a point of order 2 (y = p - 1), y = 0 (order 4),
  // and y = p (non-canonical encoding of 0).
  for (absl::string_view hex :
       {"0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"}) {
    std::string jwk = absl::StrCat(R"({"kty":"OKP","crv":"Ed25519","x":")",
                                   B64(HexDecode(hex)), R"("})");
    EXPECT_EQ(JwkLoadReason(jwk), Reason::kKeyInvalid) << hex;
  }
}

TEST(HostileInputs, Row41_Ed25519WrongLength) {
  const absl::string_view header = R"({"alg":"EdDSA","kid":"ed"})";
  const std::string input = Input(header, kClaims);
  const std::string sig = RawSignature(*Keys().ed, input);
  for (const std::string& bad :
       {sig.substr(0, 63), sig + std::string(1, '\0'), sig + "garbage"}) {
    EXPECT_EQ(AsymReason(absl::StrCat(input, ".", B64(bad))),
              Reason::kBadSignature);
  }
}

TEST(HostileInputs, Row42_HmacTagLength) {
  const std::string input = Input(kHsHeader, kClaims);
  const std::string tag = RawSignature(*Keys().hs, input);
  for (const std::string& bad : {tag.substr(0, 16), tag.substr(0, 31),
                                 tag + std::string(1, '\0'), tag + tag}) {
    EXPECT_EQ(HsReason(absl::StrCat(input, ".", B64(bad))),
              Reason::kBadSignature)
        << bad.size();
  }
}

TEST(HostileInputs, Row43_EmptyOrShortHmacSecretIsRefused) {
  for (size_t len : {0, 1, 16, 31}) {
    EXPECT_EQ(
        GetReason(Key::FromHmacSecret(Algorithm::kHS256, std::string(len, 'k'))
                      .status()),
        Reason::kKeyTooWeak)
        << len;
  }
  EXPECT_EQ(
      GetReason(Key::FromHmacSecret(Algorithm::kHS512, std::string(63, 'k'))
                    .status()),
      Reason::kKeyTooWeak);
  EXPECT_NE(JwkLoadReason(R"({"kty":"oct","alg":"HS256","k":""})"),
            Reason::kOk);
  EXPECT_EQ(JwkLoadReason(absl::StrCat(R"({"kty":"oct","alg":"HS256","k":")",
                                       B64(std::string(31, 'k')), R"("})")),
            Reason::kKeyTooWeak);
}

TEST(HostileInputs, Row44_EmptyOrNullSignature) {
  const std::string input = Input(kHsHeader, kClaims);
  EXPECT_EQ(HsReason(absl::StrCat(input, ".")), Reason::kMalformed);
  EXPECT_EQ(HsReason(absl::StrCat(input, ".null")), Reason::kBadSignature);
  EXPECT_EQ(HsReason(absl::StrCat(input, ".AA")), Reason::kBadSignature);
  EXPECT_EQ(AsymReason(EcToken("")), Reason::kMalformed);
  EXPECT_EQ(AsymReason(EcToken(std::string(64, '\0'))), Reason::kBadSignature);
}

// ---- Rows 45-52: claims, key binding and profiles --------------------------

TEST(HostileInputs, Row45_AudienceForms) {
  ValidationPolicy policy;
  policy.audiences = {"x"};
  auto with_aud = [](absl::string_view aud) {
    return Hs(kHsHeader, absl::StrCat(R"({"exp":1800000000,"aud":)", aud, "}"));
  };
  EXPECT_EQ(HsReason(with_aud(R"("x")"), policy), Reason::kOk);
  EXPECT_EQ(HsReason(with_aud(R"(["x"])"), policy), Reason::kOk);
  EXPECT_EQ(HsReason(with_aud(R"(["y","x"])"), policy), Reason::kOk);
  EXPECT_EQ(HsReason(with_aud("[]"), policy), Reason::kBadClaim);
  EXPECT_EQ(HsReason(with_aud("[1]"), policy), Reason::kBadClaim);
  EXPECT_EQ(HsReason(with_aud("null"), policy), Reason::kBadClaim);
  EXPECT_EQ(HsReason(with_aud(R"("https://x")"), policy),
            Reason::kAudienceMismatch);
  policy.audiences = {"https://api.example"};
  EXPECT_EQ(HsReason(with_aud(R"("https://api.example/")"), policy),
            Reason::kAudienceMismatch);
  EXPECT_EQ(HsReason(with_aud(R"("api.example")"), policy),
            Reason::kAudienceMismatch);
}

TEST(HostileInputs, Row46_KeyAlgDiffersFromHeaderAlg) {
  // RS256 key, PS256 header (the signature is a real PSS one by the key).
  const absl::string_view ps_header = R"({"alg":"PS256","kid":"rsa"})";
  EXPECT_EQ(AsymReason(RsaToken(
                EvpSign(Keys().rsa->pkey(), EVP_sha256(), RSA_PKCS1_PSS_PADDING,
                        32, EVP_sha256(), Input(ps_header, kClaims)),
                ps_header)),
            Reason::kAlgNotAllowed);
  // ES256 key, ES384 header.
  EXPECT_EQ(AsymReason(Signed(*Keys().ec, R"({"alg":"ES384","kid":"ec"})")),
            Reason::kAlgNotAllowed);
  // A JWK without alg whose kty does not determine one is refused at load.
  absl::StatusOr<json::Object> jwk = PublicJwk(*Keys().rsa);
  ASSERT_TRUE(jwk.ok());
  json::Object no_alg = *jwk;
  no_alg.Erase("alg");
  EXPECT_FALSE(KeyFromJwk(no_alg).ok());
  // An EC P-256 JWK claiming ES384 is refused at load.
  absl::StatusOr<json::Object> ec = PublicJwk(*Keys().ec);
  ASSERT_TRUE(ec.ok());
  json::Object mismatched = *ec;
  mismatched.Set("alg", json::Value("ES384"));
  EXPECT_EQ(GetReason(KeyFromJwk(mismatched).status()),
            Reason::kKeyAlgMismatch);
}

TEST(HostileInputs, Row47_KeyUseAndKeyOps) {
  absl::StatusOr<json::Object> jwk = PublicJwk(*Keys().ec);
  ASSERT_TRUE(jwk.ok());
  json::Object enc = *jwk;
  enc.Set("use", json::Value("enc"));
  EXPECT_EQ(GetReason(KeyFromJwk(enc).status()), Reason::kKeyUseInvalid);
  json::Object ops = *jwk;
  ops.Erase("use");
  ops.Set("key_ops", json::Value(json::Array{json::Value("encrypt")}));
  EXPECT_EQ(GetReason(KeyFromJwk(ops).status()), Reason::kKeyUseInvalid);
}

TEST(HostileInputs, Row48_DuplicateKidAndMixedSets) {
  std::shared_ptr<const Key> a = MustGenerate(Algorithm::kES256, "same");
  std::shared_ptr<const Key> b = MustGenerate(Algorithm::kES256, "same");
  EXPECT_EQ(GetReason(KeySet::Create({a, b}).status()), Reason::kKeySetInvalid);
  EXPECT_EQ(GetReason(KeySet::Create({Keys().hs, Keys().ec}).status()),
            Reason::kKeySetInvalid);
  std::string jwks = absl::StrCat(R"({"keys":[)", PublicJwkText(*a), ",",
                                  PublicJwkText(*b), "]}");
  EXPECT_EQ(GetReason(KeySetFromJwks(jwks).status()), Reason::kKeySetInvalid);
}

TEST(HostileInputs, Row49_UnexpectedTyp) {
  ValidationPolicy at;
  at.typ = "at+jwt";
  EXPECT_EQ(HsReason(Hs(R"({"alg":"HS256","kid":"hs","typ":"JWT"})"), at),
            Reason::kTypeMismatch);
  ValidationPolicy jwt;
  jwt.typ = "JWT";
  EXPECT_EQ(HsReason(Hs(R"({"alg":"HS256","kid":"hs","typ":"at+jwt"})"), jwt),
            Reason::kTypeMismatch);
}

TEST(HostileInputs, Row50_NestedJwt) {
  EXPECT_EQ(HsReason(Hs(R"({"alg":"HS256","kid":"hs","cty":"JWT"})")),
            Reason::kUnsupportedHeader);
}

TEST(HostileInputs, Row51_JsonSerialization) {
  const std::string input = Input(kHsHeader, kClaims);
  const size_t dot = input.find('.');
  std::string json = absl::StrCat(
      R"({"payload":")", input.substr(dot + 1),
      R"(","signatures":[{"protected":")", input.substr(0, dot),
      R"(","signature":")", B64(RawSignature(*Keys().hs, input)), R"("}]})");
  EXPECT_EQ(HsReason(json), Reason::kMalformed);
}

TEST(HostileInputs, Row52_CrossProfileReuse) {
  // Two profiles share one HMAC secret but have their own key namespaces
  // and iss/aud rules.
  const std::string secret(32, 'Z');
  KeySet vendor_a = MustSet({MustHmac(secret, "a-key")});
  KeySet vendor_b = MustSet({MustHmac(secret, "b-key")});
  ValidationPolicy policy_a;
  policy_a.issuer = "vendor-a";
  policy_a.audiences = {"a"};
  ValidationPolicy policy_b;
  policy_b.issuer = "vendor-b";
  policy_b.audiences = {"b"};
  const std::string claims_a =
      R"({"exp":1800000000,"iss":"vendor-a","aud":"a"})";
  std::string token =
      Signed(*MustHmac(secret), R"({"alg":"HS256","kid":"a-key"})", claims_a);
  EXPECT_EQ(ReasonOf(token, vendor_a, policy_a), Reason::kOk);
  EXPECT_EQ(ReasonOf(token, vendor_b, policy_b), Reason::kUnknownKid);
  // Even without a kid, B's iss/aud rules refuse A's token.
  std::string no_kid =
      Signed(*MustHmac(secret), R"({"alg":"HS256"})", claims_a);
  EXPECT_EQ(ReasonOf(no_kid, vendor_b, policy_b), Reason::kIssuerMismatch);
  ValidationPolicy aud_only_b;
  aud_only_b.audiences = {"b"};
  EXPECT_EQ(ReasonOf(no_kid, vendor_b, aud_only_b), Reason::kAudienceMismatch);
}

// ---- The extra cases listed under the table --------------------------------

TEST(HostileInputs, ValidSignatureOverADifferentHeader) {
  const std::string good = Hs(kHsHeader);
  const std::string signature = good.substr(good.rfind('.'));
  const std::string other =
      absl::StrCat(B64(R"({"alg":"HS256","kid":"hs","typ":"JWT"})"), ".",
                   B64(kClaims), signature);
  EXPECT_EQ(HsReason(other), Reason::kBadSignature);
}

TEST(HostileInputs, PayloadModifiedByOneBit) {
  std::string payload(kClaims);
  const std::string input = Input(kHsHeader, payload);
  const std::string signature = B64(RawSignature(*Keys().hs, input));
  payload[payload.find("u")] ^= 0x01;
  EXPECT_EQ(HsReason(absl::StrCat(Input(kHsHeader, payload), ".", signature)),
            Reason::kBadSignature);
}

TEST(HostileInputs, KidPresentButUnknownNeverFallsBack) {
  // A kid-less key would verify this token, but the kid names no key.
  std::shared_ptr<const Key> plain = MustHmac(std::string(32, 'P'));
  KeySet keys = MustSet({plain});
  EXPECT_EQ(ReasonOf(Signed(*plain, R"({"alg":"HS256"})"), keys), Reason::kOk);
  EXPECT_EQ(ReasonOf(Signed(*plain, R"({"alg":"HS256","kid":"other"})"), keys),
            Reason::kUnknownKid);
}

TEST(HostileInputs, KidOnTokenWhenKeysHaveNone) {
  // Policy: a kid is always an exact lookup, so keys without kids never
  // match a token that names one (jwt_verify_lib would try all keys).
  std::shared_ptr<const Key> plain = MustHmac(std::string(32, 'P'));
  KeySet keys = MustSet({plain});
  EXPECT_EQ(ReasonOf(Signed(*plain, R"({"alg":"HS256","kid":""})"), keys),
            Reason::kUnknownKid);
  EXPECT_EQ(ReasonOf(Signed(*plain, R"({"alg":"HS256","kid":"x"})"), keys),
            Reason::kUnknownKid);
}

}  // namespace
}  // namespace tokend
