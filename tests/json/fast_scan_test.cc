// The fast path of json::ScanPaddedObject: it must take the common shapes
// (or VerifyJwt loses its speed) and must never accept a text the full
// parser refuses, nor build a member differently.
#include "core/json/fast_scan.h"

#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/json/json.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend::json {
namespace {

constexpr absl::string_view kNames[] = {"exp", "iss", "aud", "sub", "n"};
using Found = std::optional<Value>[std::size(kNames)];

// FastScanObject over a padded copy of `text`.
bool Fast(absl::string_view text, Found& found, size_t max_depth = 32) {
  std::string padded(text);
  padded.resize(text.size() + kParsePadding, '"');
  return internal::FastScanObject(absl::string_view(padded.data(), text.size()),
                                  max_depth, kNames, found);
}

// Whatever the fast path accepts, ParseObject accepts with the same members.
// Returns whether the fast path accepted `text`.
bool ExpectAgreesWithParse(absl::string_view text, size_t max_depth = 32) {
  Found found;
  if (!Fast(text, found, max_depth)) return false;
  ParseLimits limits;
  limits.max_bytes = text.size();
  limits.max_depth = max_depth;
  absl::StatusOr<Object> parsed = ParseObject(text, limits);
  EXPECT_TRUE(parsed.ok()) << "fast path accepted: " << text;
  if (!parsed.ok()) return true;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    const Value* want = parsed->Find(kNames[i]);
    EXPECT_EQ(found[i].has_value(), want != nullptr) << kNames[i] << text;
    if (want != nullptr && found[i].has_value()) {
      EXPECT_EQ(*found[i], *want) << kNames[i] << text;
    }
  }
  return true;
}

const char* const kTypicalClaims[] = {
    R"({"aud":"api.example.com","email":"alice@example.com","exp":1795826335,)"
    R"("iat":1795822735,"iss":"https://auth.example.com",)"
    R"("jti":"bs4cOS4pgyL0quLZTLUojg","roles":["admin","user"],)"
    R"("scope":"read:profile write:profile","sub":"user-1234567890"})",
    // Unsorted, spaced, nested, with UTF-8, short escapes and every literal.
    " {\n\t\"sub\" : \"Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\r\n"
    R"( "exp":0, "aud":["a","b\"c\\d\/e\n"], "x":{"y":[true,false,null]},)"
    R"( "f":-0.5, "g":-12, "h":1.0, "n":null, "e":{}, "a":[]} )",
    R"({"iss":"","video":{"room":"r","roomJoin":true},"n":[[1],[2,[3]]]})",
};

TEST(FastScanTest, TakesTheCommonShapes) {
  for (const char* text : kTypicalClaims) {
    Found found;
    EXPECT_TRUE(Fast(text, found)) << text;
    ExpectAgreesWithParse(text);
  }
  Found found;
  ASSERT_TRUE(Fast(kTypicalClaims[0], found));
  EXPECT_EQ(*found[0], Value(int64_t{1795826335}));
  EXPECT_EQ(*found[1], Value("https://auth.example.com"));
  EXPECT_EQ(*found[2], Value("api.example.com"));
  EXPECT_EQ(*found[3], Value("user-1234567890"));
  EXPECT_FALSE(found[4].has_value());

  ASSERT_TRUE(Fast(kTypicalClaims[1], found));
  EXPECT_EQ(found[3]->as_string(), "Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(json::Serialize(*found[2]), R"(["a","b\"c\\d/e\n"])");
  EXPECT_TRUE(found[4]->is_null());
  // 18 digits is the largest integer built here.
  ASSERT_TRUE(Fast(R"({"exp":999999999999999999})", found));
  EXPECT_EQ(found[0]->as_int(), 999999999999999999);
}

// Valid texts outside the subset: the full parser decides (and accepts).
TEST(FastScanTest, LeavesRareValidShapesToTheFullParser) {
  const char* const texts[] = {
      R"({"exp":1e9})",                  // exponent
      R"({"exp":1.5})",                  // built non-integer
      R"({"exp":-1})",                   // built negative
      R"({"exp":1234567890123456789})",  // 19 digits
      R"({"x":12345678901234567890})",   // 20 digits, not built
      R"({"sub":"\u0041"})",             // \u escape
      R"({"s\"ub":"a"})",                // escaped name
      R"({"iss":{"a":1}})",              // built object
  };
  for (const char* text : texts) {
    Found found;
    EXPECT_FALSE(Fast(text, found)) << text;
    EXPECT_TRUE(ParseObject(text).ok()) << text;
  }
  // More than 16 unsorted members, all distinct.
  std::string many = "{";
  for (int i = 20; i > 0; --i) absl::StrAppend(&many, "\"k", i, "\":1,");
  many.back() = '}';
  Found found;
  EXPECT_FALSE(Fast(many, found));
  EXPECT_TRUE(ParseObject(many).ok());
}

TEST(FastScanTest, RefusesEveryInvalidText) {
  const std::string texts[] = {
      "",
      " ",
      "[]",
      "\xef\xbb\xbf{}",  // BOM
      "{} {}",
      "{}x",
      R"({"a":1,"a":2})",        // sorted-order duplicate check
      R"({"b":1,"a":2,"b":3})",  // pairwise duplicate check
      R"({"x":{"k":1,"k":2}})",
      R"({"a":1,})",
      R"({"a":[1,]})",
      R"({,"a":1})",
      R"({"a" 1})",
      R"({"a":01})",
      R"({"a":1.})",
      R"({"a":.5})",
      R"({"a":-})",
      R"({"a":+1})",
      R"({"a":truex})",
      R"({"a":nul})",
      R"({"a":tru)",
      R"({"a":"b)",
      R"({"a":"b\x"})",
      R"({"a":"b\)",
      std::string("{\"a\":\"\x01\"}"),
      std::string("{\"a\":\"\x7f\"}").substr(0, 7),  // cut inside the string
      std::string("{\"a\":\"x\0y\"}", 10),
      "{\"a\":\"\xc0\xaf\"}",          // overlong
      "{\"a\":\"\xe0\x80\xaf\"}",      // overlong
      "{\"a\":\"\xed\xa0\x80\"}",      // surrogate
      "{\"a\":\"\xf4\x90\x80\x80\"}",  // above U+10FFFF
      "{\"a\":\"\xf5\x80\x80\x80\"}",
      "{\"a\":\"\x80\"}",  // lone continuation
      "{\"a\":\"\xc3\"}",  // truncated sequence
      "{\"a\":\"\xe2\x82\"}",
      "{\"\xff\":1}",
      "{\"a\":1}\xff",
      "{'a':1}",
      "{\"a\":1 /* c */}",
  };
  for (const std::string& text : texts) {
    Found found;
    EXPECT_FALSE(Fast(text, found)) << text;
    EXPECT_FALSE(ParseObject(text).ok()) << text;
  }
}

TEST(FastScanTest, DepthLimit) {
  Found found;
  EXPECT_TRUE(Fast(R"({"a":{"b":[1]}})", found, 3));
  EXPECT_FALSE(Fast(R"({"a":{"b":[[1]]}})", found, 3));
  EXPECT_FALSE(Fast(R"({"a":[[[]]]})", found, 3));
  EXPECT_FALSE(Fast("{}", found, 0));
  std::string deep = "{\"a\":" + std::string(5000, '[');
  EXPECT_FALSE(Fast(deep, found, 256));
}

// Every single-byte change of typical texts, and random multi-byte ones:
// the fast path may decline, but what it accepts the full parser accepts,
// with the same members.
TEST(FastScanTest, MutationsNeverDivergeFromTheFullParser) {
  const unsigned char kBytes[] = {'"',  '\\', '{',  '}',  '[',  ']',  ',',
                                  ':',  ' ',  '0',  '9',  '-',  '.',  'e',
                                  'u',  'n',  0x00, 0x1f, 0x7f, 0x80, 0xbf,
                                  0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xff};
  int accepted = 0;
  int tried = 0;
  for (const char* seed : kTypicalClaims) {
    const std::string original(seed);
    for (size_t i = 0; i < original.size(); ++i) {
      ExpectAgreesWithParse(original.substr(0, i));
      for (unsigned char b : kBytes) {
        std::string text = original;
        text[i] = static_cast<char>(b);
        accepted += ExpectAgreesWithParse(text);
        ++tried;
        if (HasFailure()) return;
      }
    }
  }
  std::mt19937 rng(20261127);
  for (int round = 0; round < 20000; ++round) {
    std::string text = kTypicalClaims[round % std::size(kTypicalClaims)];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = static_cast<char>(kBytes[rng() % std::size(kBytes)]);
          break;
        case 1:
          text.insert(at, 1,
                      static_cast<char>(kBytes[rng() % std::size(kBytes)]));
          break;
        default:
          text.erase(at, 1);
          break;
      }
      if (text.empty()) text = "{";
    }
    accepted += ExpectAgreesWithParse(text, 1 + rng() % 4);
    ++tried;
    if (HasFailure()) return;
  }
  // Enough of the mutants stay acceptable for the check to mean something.
  EXPECT_GT(accepted, tried / 20) << accepted << " of " << tried;
}

}  // namespace
}  // namespace tokend::json
