#include "core/jose/base64url.h"

#include <random>
#include <string>
#include <vector>

#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

constexpr char kUrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void ExpectUrlRejected(absl::string_view encoded) {
  auto decoded = Base64UrlDecode(encoded);
  ASSERT_FALSE(decoded.ok()) << "accepted: " << encoded;
  EXPECT_EQ(GetReason(decoded.status()), Reason::kBadBase64);
  std::string out = "junk";
  EXPECT_FALSE(Base64UrlDecodeTo(encoded, &out));
  EXPECT_TRUE(out.empty());
}

void ExpectStdRejected(absl::string_view encoded) {
  auto decoded = Base64StdDecode(encoded);
  ASSERT_FALSE(decoded.ok()) << "accepted: " << encoded;
  EXPECT_EQ(GetReason(decoded.status()), Reason::kBadBase64);
}

struct Vector {
  const char* plain;
  const char* url;
  const char* std;
};

// RFC 4648 §10, with the padding dropped for base64url.
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg", "Zg=="},
    {"fo", "Zm8", "Zm8="},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg", "Zm9vYg=="},
    {"fooba", "Zm9vYmE", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64UrlTest, Rfc4648Vectors) {
  for (const Vector& v : kRfc4648) {
    EXPECT_EQ(Base64UrlEncode(v.plain), v.url);
    auto decoded = Base64UrlDecode(v.url);
    ASSERT_TRUE(decoded.ok()) << v.url;
    EXPECT_EQ(*decoded, v.plain);
    std::string out;
    EXPECT_TRUE(Base64UrlDecodeTo(v.url, &out));
    EXPECT_EQ(out, v.plain);
  }
}

TEST(Base64UrlTest, UrlSafeAlphabet) {
  // 0xfb 0xff 0xbf uses index 62 and 63 in every position.
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), bytes);
  EXPECT_EQ(Base64StdEncode(bytes), "+/+/");
  EXPECT_EQ(*Base64StdDecode("+/+/"), bytes);
}

TEST(Base64UrlTest, EncodeAppendKeepsPrefix) {
  std::string out = "x.";
  Base64UrlEncodeAppend("foob", &out);
  EXPECT_EQ(out, "x.Zm9vYg");
}

TEST(Base64UrlTest, DecodeToClearsOutput) {
  std::string out = "previous";
  EXPECT_TRUE(Base64UrlDecodeTo("Zm8", &out));
  EXPECT_EQ(out, "fo");
  EXPECT_TRUE(Base64UrlDecodeTo("", &out));
  EXPECT_EQ(out, "");
}

TEST(Base64UrlTest, EmptyDecodesToEmpty) {
  auto decoded = Base64UrlDecode("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "");
}

TEST(Base64UrlTest, RejectsPadding) {
  ExpectUrlRejected("Zg==");
  ExpectUrlRejected("Zm8=");
  ExpectUrlRejected("Zg=");
  ExpectUrlRejected("=");
  ExpectUrlRejected("====");
  ExpectUrlRejected("Zm9v=");
}

TEST(Base64UrlTest, RejectsStandardAlphabet) {
  ExpectUrlRejected("+/+/");
  ExpectUrlRejected("-_-+");
  ExpectUrlRejected("/w");
}

TEST(Base64UrlTest, RejectsWhitespace) {
  ExpectUrlRejected(" Zm9v");
  ExpectUrlRejected("Zm9v ");
  ExpectUrlRejected("Zm 9v");
  ExpectUrlRejected("Zm9v\n");
  ExpectUrlRejected("Zm9v\r\nZm9v");
  ExpectUrlRejected("Zm\t9v");
}

TEST(Base64UrlTest, RejectsNulAndNonAscii) {
  ExpectUrlRejected(absl::string_view("Zm9\0", 4));
  ExpectUrlRejected(absl::string_view("\0\0\0\0", 4));
  ExpectUrlRejected("Zm9\x80");
  ExpectUrlRejected("Zm9\xff");
  ExpectUrlRejected("\xc3\xa9Zm");
}

TEST(Base64UrlTest, RejectsEveryByteOutsideAlphabet) {
  const std::string alphabet(kUrlAlphabet);
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (alphabet.find(c) != std::string::npos) continue;
    // In each position of a full quantum and of the 2- and 3-char tails.
    for (size_t pos = 0; pos < 4; ++pos) {
      std::string s = "AAAA";
      s[pos] = c;
      ExpectUrlRejected(s);
    }
    std::string two = "AAAAA";
    two += c;
    ExpectUrlRejected(two);
    std::string three = "AAAAAA";
    three += c;
    ExpectUrlRejected(three);
  }
}

TEST(Base64UrlTest, RejectsLengthOneModFour) {
  ExpectUrlRejected("A");
  ExpectUrlRejected("Z");
  ExpectUrlRejected("Zm9vY");
  ExpectUrlRejected("Zm9vYmFyZ");
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBitsLengthTwo) {
  // Two characters carry one byte: the second char's low 4 bits are unused.
  // "QQ" is 'A'; every other second char with the same high 2 bits differs
  // only in the unused bits and must be refused.
  ASSERT_EQ(*Base64UrlDecode("QQ"), "A");
  const std::string alphabet(kUrlAlphabet);
  int accepted = 0;
  for (char second : alphabet) {
    const int index = static_cast<int>(alphabet.find(second));
    std::string s = {'Q', second};
    if ((index & 0x0f) == 0) {
      EXPECT_TRUE(Base64UrlDecode(s).ok()) << s;
      ++accepted;
    } else {
      ExpectUrlRejected(s);
    }
  }
  EXPECT_EQ(accepted, 4);  // A, Q, g, w
  ExpectUrlRejected("QR");
  ExpectUrlRejected("Zh");
  ExpectUrlRejected("Zm9vYh");
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBitsLengthThree) {
  // Three characters carry two bytes: the third char's low 2 bits are unused.
  ASSERT_EQ(*Base64UrlDecode("Zm8"), "fo");
  const std::string alphabet(kUrlAlphabet);
  int accepted = 0;
  for (char third : alphabet) {
    const int index = static_cast<int>(alphabet.find(third));
    std::string s = {'Z', 'm', third};
    if ((index & 0x03) == 0) {
      EXPECT_TRUE(Base64UrlDecode(s).ok()) << s;
      ++accepted;
    } else {
      ExpectUrlRejected(s);
    }
  }
  EXPECT_EQ(accepted, 16);
  ExpectUrlRejected("Zm9");
  ExpectUrlRejected("Zm-");
  ExpectUrlRejected("Zm9vYmF");
}

TEST(Base64UrlTest, RoundTripsEveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  // Each offset puts the bytes in a different position within a quantum.
  for (size_t start = 0; start < 3; ++start) {
    const std::string data = all.substr(start);
    const std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(encoded.find_first_not_of(kUrlAlphabet), std::string::npos);
    auto decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, data);
    auto std_decoded = Base64StdDecode(Base64StdEncode(data));
    ASSERT_TRUE(std_decoded.ok());
    EXPECT_EQ(*std_decoded, data);
  }
}

TEST(Base64UrlTest, RoundTripsRandomLengths) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    const size_t len = rng() % 300;
    std::string data(len, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(encoded.size(), (len * 4 + 2) / 3);
    EXPECT_NE(encoded.size() % 4, 1u);
    std::string out;
    ASSERT_TRUE(Base64UrlDecodeTo(encoded, &out));
    EXPECT_EQ(out, data);
    const std::string std_encoded = Base64StdEncode(data);
    EXPECT_EQ(std_encoded.size() % 4, 0u);
    auto std_decoded = Base64StdDecode(std_encoded);
    ASSERT_TRUE(std_decoded.ok());
    EXPECT_EQ(*std_decoded, data);
  }
}

// Long inputs are decoded 32 characters per step on CPUs with AVX2 and the
// rest one quantum at a time: a byte outside the alphabet must be refused
// wherever it falls (inside a step, at its edges, or in the scalar rest),
// and every alphabet character must decode in every position.
TEST(Base64UrlTest, LongInputsCheckEveryPosition) {
  const std::string alphabet(kUrlAlphabet);
  std::string valid;
  for (size_t i = 0; i < 130; ++i) valid.push_back(kUrlAlphabet[(i * 7) % 64]);
  valid.resize(128);  // whole quanta: any character is canonical anywhere
  for (size_t pos = 0; pos < valid.size(); ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string s = valid;
      s[pos] = static_cast<char>(b);
      std::string out;
      const bool in_alphabet =
          alphabet.find(static_cast<char>(b)) != std::string::npos;
      ASSERT_EQ(Base64UrlDecodeTo(s, &out), in_alphabet)
          << "byte " << b << " at " << pos;
      if (in_alphabet) {
        ASSERT_EQ(Base64UrlEncode(out), s) << "byte " << b << " at " << pos;
      }
    }
  }
}

// RFC 4648 §4 one bit at a time, for comparison with the table encoder.
std::string ReferenceEncode(absl::string_view data, const char* alphabet,
                            bool pad) {
  std::string out;
  uint32_t bits = 0;
  int nbits = 0;
  for (const char c : data) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(alphabet[(bits >> nbits) & 0x3f]);
    }
  }
  if (nbits > 0) out.push_back(alphabet[(bits << (6 - nbits)) & 0x3f]);
  while (pad && out.size() % 4 != 0) out.push_back('=');
  return out;
}

// The encoder handles several groups per step; every length (so every
// split between whole steps, single groups and the 1- or 2-byte tail) must
// match the reference, with every byte value passing through each position.
TEST(Base64UrlTest, EncodeMatchesReferenceAtEveryLength) {
  constexpr char kStdAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t len = 0; len <= 64; ++len) {
    for (int round = 0; round < 256; ++round) {
      std::string data(len, '\0');
      for (size_t i = 0; i < len; ++i) {
        data[i] = static_cast<char>((round + i * 37) & 0xff);
      }
      ASSERT_EQ(Base64UrlEncode(data),
                ReferenceEncode(data, kUrlAlphabet, /*pad=*/false))
          << "len " << len << " round " << round;
      std::string appended = "prefix.";
      Base64UrlEncodeAppend(data, &appended);
      ASSERT_EQ(appended,
                "prefix." + ReferenceEncode(data, kUrlAlphabet, false));
      ASSERT_EQ(Base64StdEncode(data),
                ReferenceEncode(data, kStdAlphabet, /*pad=*/true))
          << "len " << len << " round " << round;
    }
  }
}

TEST(Base64StdTest, Rfc4648Vectors) {
  for (const Vector& v : kRfc4648) {
    EXPECT_EQ(Base64StdEncode(v.plain), v.std);
    auto decoded = Base64StdDecode(v.std);
    ASSERT_TRUE(decoded.ok()) << v.std;
    EXPECT_EQ(*decoded, v.plain);
  }
}

TEST(Base64StdTest, RequiresPadding) {
  ExpectStdRejected("Zg");
  ExpectStdRejected("Zg=");
  ExpectStdRejected("Zm8");
  ExpectStdRejected("Zm9vYg");
  ExpectStdRejected("Zm9vYmE");
}

TEST(Base64StdTest, RejectsMisplacedOrExcessPadding) {
  ExpectStdRejected("=");
  ExpectStdRejected("==");
  ExpectStdRejected("====");
  ExpectStdRejected("Z===");
  ExpectStdRejected("Zg===");
  ExpectStdRejected("Zg==Zm9v");
  ExpectStdRejected("Z=g=");
  ExpectStdRejected("=Zg=");
  ExpectStdRejected("Zm9v====");
  ExpectStdRejected("Zm8=Zm8=");
}

TEST(Base64StdTest, RejectsNonCanonicalTrailingBits) {
  ExpectStdRejected("QR==");
  ExpectStdRejected("Zh==");
  ExpectStdRejected("Zm9=");
  ExpectStdRejected("Zm+=");
  EXPECT_EQ(*Base64StdDecode("QQ=="), "A");
}

TEST(Base64StdTest, RejectsUrlAlphabetWhitespaceAndOtherBytes) {
  ExpectStdRejected("-_-_");
  ExpectStdRejected("Zm9v\n");
  ExpectStdRejected("Zm9 Zm9v");
  ExpectStdRejected(" Zm9v");
  ExpectStdRejected("Zm9vYg==\n");
  ExpectStdRejected(absl::string_view("Zm9\0", 4));
  ExpectStdRejected("Zm9\xff");
}

}  // namespace
}  // namespace tokend
