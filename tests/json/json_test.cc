#include "core/json/json.h"

#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>

#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend::json {
namespace {

Reason ParseReason(absl::string_view text, const ParseLimits& limits = {}) {
  return GetReason(ParseObject(text, limits).status());
}

Object ParseOk(absl::string_view text, const ParseLimits& limits = {}) {
  auto parsed = ParseObject(text, limits);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << " for " << text;
  return parsed.ok() ? *std::move(parsed) : Object();
}

// {"a":{"a":...{}...}} with `depth` objects in all.
std::string NestedObjects(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i) s += "{\"a\":";
  s += "{}";
  for (int i = 1; i < depth; ++i) s += "}";
  return s;
}

// {"a":[[...[]...]]} with the root object plus `arrays` arrays.
std::string NestedArrays(int arrays) {
  return "{\"a\":" + std::string(arrays, '[') + std::string(arrays, ']') + "}";
}

void ExpectRoundTrip(const Object& object) {
  const std::string text = Serialize(object);
  auto reparsed = ParseObject(text, {.max_bytes = 1 << 20, .max_depth = 64});
  ASSERT_TRUE(reparsed.ok()) << reparsed.status() << " for " << text;
  EXPECT_EQ(*reparsed, object) << text;
  EXPECT_EQ(Serialize(*reparsed), text);
}

// ---- Rejections -------------------------------------------------------

TEST(JsonParseTest, RejectsDuplicateKeys) {
  EXPECT_EQ(ParseReason(R"({"alg":"none","alg":"HS256"})"),
            Reason::kDuplicateKey);
  EXPECT_EQ(ParseReason(R"({"a":1,"b":2,"a":1})"), Reason::kDuplicateKey);
  EXPECT_EQ(ParseReason(R"({"x":{"a":1,"a":2}})"), Reason::kDuplicateKey);
  EXPECT_EQ(ParseReason(R"({"x":[{"a":1},{"b":1,"b":1}]})"),
            Reason::kDuplicateKey);
  EXPECT_EQ(ParseReason(R"({"x":[[{"k":{"y":0,"y":0}}]]})"),
            Reason::kDuplicateKey);
  // Equal after unescaping counts as a duplicate.
  EXPECT_EQ(ParseReason(R"({"a":1,"\u0061":2})"), Reason::kDuplicateKey);
  EXPECT_EQ(ParseReason(R"({"":1,"":2})"), Reason::kDuplicateKey);
}

TEST(JsonParseTest, LargeObjectsSortedAndCheckedForDuplicates) {
  // More members than the parser's inline buffer holds.
  std::string text = "{";
  for (int i = 99; i >= 0; --i) {
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  }
  Object o = ParseOk(text.substr(0, text.size() - 1) + "}");
  ASSERT_EQ(o.size(), 100u);
  for (size_t i = 1; i < o.size(); ++i) {
    EXPECT_LT(o.members()[i - 1].first, o.members()[i].first);
  }
  EXPECT_EQ(o.Find("k42")->as_int(), 42);
  EXPECT_EQ(ParseReason(text + "\"k57\":0}"), Reason::kDuplicateKey);
}

TEST(JsonParseTest, DistinctKeysDifferingOnlyInLaterBytesAreFine) {
  Object o = ParseOk(R"({"a":1,"a\u0000":2,"ab":3,"A":4})");
  EXPECT_EQ(o.size(), 4u);
  EXPECT_EQ(o.Find(absl::string_view("a\0", 2))->as_int(), 2);
}

TEST(JsonParseTest, RejectsInvalidUtf8) {
  EXPECT_EQ(ParseReason("{\"a\":\"\xff\"}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":\"\xc0\xaf\"}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":\"\xed\xa0\x80\"}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"\xff\":1}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":\"\xe2\x82\"}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":\"\xf4\x90\x80\x80\"}"), Reason::kBadJson);
}

TEST(JsonParseTest, RejectsLoneSurrogateEscapes) {
  EXPECT_EQ(ParseReason(R"({"a":"\ud800"})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":"\udc00x"})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":"\ud800\u0041"})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"\udfff":1})"), Reason::kBadJson);
}

TEST(JsonParseTest, RejectsTrailingData) {
  EXPECT_EQ(ParseReason(R"({"a":1}x)"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":1}{})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":1}ABCD)"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(absl::string_view("{}\0", 3)), Reason::kBadJson);
}

TEST(JsonParseTest, RejectsBom) {
  EXPECT_EQ(ParseReason("\xef\xbb\xbf{}"), Reason::kBadJson);
}

TEST(JsonParseTest, RejectsNonObjectRoots) {
  EXPECT_EQ(ParseReason("[]"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"([{"a":1}])"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"("s")"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("1"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("null"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("true"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(""), Reason::kBadJson);
  EXPECT_EQ(ParseReason("   "), Reason::kBadJson);
}

TEST(JsonParseTest, RejectsSyntaxExtensions) {
  EXPECT_EQ(ParseReason(R"({"a":1,})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":[1,2,]})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({'a':1})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":'x'})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({a:1})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":NaN})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":Infinity})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":-Infinity})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":1 /* c */})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":1 // c\n}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":1 # c\n}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":01})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":+1})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":.5})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":1.})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":0x10})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason("{\"a\":\"tab\there\"}"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":"\x41"})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a")"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":})"), Reason::kBadJson);
}

TEST(JsonParseTest, RejectsNumbersOutOfRange) {
  EXPECT_EQ(ParseReason(R"({"a":18446744073709551616})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":-9223372036854775809})"), Reason::kBadJson);
  EXPECT_EQ(ParseReason(R"({"a":1e400})"), Reason::kBadJson);
}

TEST(JsonParseTest, DepthLimitForObjects) {
  EXPECT_TRUE(ParseObject(NestedObjects(32)).ok());
  EXPECT_EQ(ParseReason(NestedObjects(33)), Reason::kJsonTooDeep);
  EXPECT_EQ(ParseReason(NestedObjects(100)), Reason::kJsonTooDeep);
}

TEST(JsonParseTest, DepthLimitForArrays) {
  EXPECT_TRUE(ParseObject(NestedArrays(31)).ok());
  EXPECT_EQ(ParseReason(NestedArrays(32)), Reason::kJsonTooDeep);
  // Far past simdjson's own limit, within the size limit.
  EXPECT_EQ(ParseReason(NestedArrays(3000)), Reason::kJsonTooDeep);
}

TEST(JsonParseTest, DepthLimitIsConfigurable) {
  ParseLimits limits;
  limits.max_depth = 2;
  EXPECT_TRUE(ParseObject(R"({"a":{"b":1},"c":[1]})", limits).ok());
  EXPECT_EQ(ParseReason(R"({"a":{"b":{}}})", limits), Reason::kJsonTooDeep);
  EXPECT_EQ(ParseReason(R"({"a":[[]]})", limits), Reason::kJsonTooDeep);
  limits.max_depth = 1;
  EXPECT_TRUE(ParseObject(R"({"a":1})", limits).ok());
  EXPECT_EQ(ParseReason(R"({"a":[]})", limits), Reason::kJsonTooDeep);
  limits.max_depth = 200;
  EXPECT_TRUE(ParseObject(NestedObjects(200), limits).ok());
  EXPECT_EQ(ParseReason(NestedObjects(201), limits), Reason::kJsonTooDeep);
  // Larger limits are capped at 256 levels.
  limits.max_depth = 5000;
  limits.max_bytes = 1 << 20;
  EXPECT_TRUE(ParseObject(NestedObjects(256), limits).ok());
  EXPECT_EQ(ParseReason(NestedObjects(257), limits), Reason::kJsonTooDeep);
  EXPECT_EQ(ParseReason(NestedArrays(2000), limits), Reason::kJsonTooDeep);
  // And back to the default on the same thread's parser.
  EXPECT_EQ(ParseReason(NestedObjects(33)), Reason::kJsonTooDeep);
  EXPECT_TRUE(ParseObject(NestedObjects(32)).ok());
}

TEST(JsonParseTest, LargeDocumentsUseTheirOwnParser) {
  // Over the reusable-parser size, then back to a small document.
  std::string big = "{\"a\":[";
  for (int i = 0; i < 40000; ++i) big += "\"xx\",";
  big += "1],\"b\":{\"c\":\"d\"}}";
  ParseLimits limits;
  limits.max_bytes = big.size();
  Object o = ParseOk(big, limits);
  EXPECT_EQ(o.Find("a")->as_array().size(), 40001u);
  EXPECT_EQ(ParseReason(big + "x", {.max_bytes = big.size() + 1}),
            Reason::kBadJson);
  EXPECT_EQ(ParseOk(R"({"k":1})").Find("k")->as_int(), 1);
}

TEST(JsonParseTest, SizeLimitExactBoundary) {
  ParseLimits limits;
  limits.max_bytes = 20;
  const std::string exact = R"({"a":"0123456789ab"})";  // 20 bytes
  ASSERT_EQ(exact.size(), 20u);
  EXPECT_TRUE(ParseObject(exact, limits).ok());
  const std::string over = R"({"a":"0123456789abc"})";
  EXPECT_EQ(ParseReason(over, limits), Reason::kTokenTooLarge);
}

TEST(JsonParseTest, SizeLimitCheckedBeforeParsing) {
  ParseLimits limits;
  limits.max_bytes = 4;
  // Invalid and too deep, but too large wins.
  EXPECT_EQ(ParseReason("\xff\xff\xff\xff\xff", limits),
            Reason::kTokenTooLarge);
  EXPECT_EQ(ParseReason(std::string(5000, '['), {}), Reason::kBadJson);
  EXPECT_EQ(ParseReason(std::string(9000, '['), {}), Reason::kTokenTooLarge);
  EXPECT_EQ(ParseReason(std::string(8 * 1024, ' ')), Reason::kBadJson);
  EXPECT_EQ(ParseReason(std::string(8 * 1024 + 1, ' ')),
            Reason::kTokenTooLarge);
}

// ---- Acceptance and the model -------------------------------------------

TEST(JsonParseTest, AcceptsEscapedSurrogatePairsAndUnicode) {
  Object o = ParseOk(
      R"({"pair":"\ud83d\ude00","raw":"😀","bmp":"\u00e9é","ctl":"\n\t\"\\\/\u0000"})");
  EXPECT_EQ(o.Find("pair")->as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(o.Find("raw")->as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(o.Find("bmp")->as_string(), "\xc3\xa9\xc3\xa9");
  EXPECT_EQ(o.Find("ctl")->as_string(), std::string("\n\t\"\\/\0", 6));
}

TEST(JsonParseTest, NumberTypes) {
  Object o = ParseOk(R"({"i":42,"neg":-7,"max":9223372036854775807,)"
                     R"("min":-9223372036854775808,"big":9223372036854775808,)"
                     R"("u64max":18446744073709551615,"f":1.5,"e":1e3,"z":-0,)"
                     R"("zf":-0.0,"p53":9007199254740993,"exp":1700000000})");
  EXPECT_EQ(o.Find("i")->as_int(), 42);
  EXPECT_EQ(o.Find("neg")->as_int(), -7);
  EXPECT_EQ(o.Find("max")->as_int(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(o.Find("min")->as_int(), std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(o.Find("big")->is_double());
  EXPECT_EQ(o.Find("big")->as_double(), 9223372036854775808.0);
  ASSERT_TRUE(o.Find("u64max")->is_double());
  EXPECT_EQ(o.Find("u64max")->as_double(), 18446744073709551616.0);
  EXPECT_EQ(o.Find("f")->as_double(), 1.5);
  ASSERT_TRUE(o.Find("e")->is_double());
  EXPECT_EQ(o.Find("e")->as_double(), 1000.0);
  ASSERT_TRUE(o.Find("z")->is_number());
  ASSERT_TRUE(o.Find("zf")->is_double());
  EXPECT_TRUE(std::signbit(o.Find("zf")->as_double()));
  // Above 2^53 but exact as int64: no precision lost.
  ASSERT_TRUE(o.Find("p53")->is_int());
  EXPECT_EQ(o.Find("p53")->as_int(), 9007199254740993);
  EXPECT_EQ(o.Find("exp")->as_int(), 1700000000);
}

TEST(JsonParseTest, AllValueTypes) {
  Object o = ParseOk(
      " {\n \"n\" : null , \"t\":true,\"f\":false,\"s\":\"x\",\"a\":[1,\"2\","
      "[],{}],\"o\":{\"k\":{}}}\r\n");
  EXPECT_TRUE(o.Find("n")->is_null());
  EXPECT_TRUE(o.Find("t")->as_bool());
  EXPECT_FALSE(o.Find("f")->as_bool());
  EXPECT_EQ(o.Find("s")->as_string(), "x");
  const Array& a = o.Find("a")->as_array();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].as_int(), 1);
  EXPECT_EQ(a[1].as_string(), "2");
  EXPECT_TRUE(a[2].as_array().empty());
  EXPECT_TRUE(a[3].as_object().empty());
  EXPECT_TRUE(o.Find("o")->as_object().Find("k")->is_object());
  EXPECT_EQ(o.Find("missing"), nullptr);
}

TEST(JsonParseTest, MembersSortedByByteOrder) {
  Object o = ParseOk(R"({"b":1,"\u00e9":2,"a":3,"B":4,"aa":5,"":6})");
  std::vector<std::string> names;
  for (const auto& m : o.members()) names.push_back(m.first);
  EXPECT_EQ(names,
            (std::vector<std::string>{"", "B", "a", "aa", "b", "\xc3\xa9"}));
}

TEST(JsonParseTest, ParsesManyTimesOnOneThread) {
  // The thread's parser and buffer are reused; results must not leak.
  for (int i = 0; i < 100; ++i) {
    const std::string text = "{\"k\":" + std::to_string(i) + "}";
    Object o = ParseOk(text);
    EXPECT_EQ(o.Find("k")->as_int(), i);
    EXPECT_EQ(ParseReason("{\"k\":"), Reason::kBadJson);
  }
}

// ---- Object -----------------------------------------------------------

// ---- ScanPaddedObject -------------------------------------------------

constexpr absl::string_view kScanNames[] = {"exp", "iss", "aud", "nul"};

// ScanPaddedObject over a padded copy of `text`, picking kScanNames.
absl::Status Scan(absl::string_view text, const ParseLimits& limits,
                  std::optional<Value> (&found)[std::size(kScanNames)]) {
  std::string padded(text);
  padded.resize(text.size() + kParsePadding, 'x');
  return ScanPaddedObject(absl::string_view(padded.data(), text.size()), limits,
                          kScanNames, found);
}

TEST(JsonScanTest, BuildsOnlyTheNamedMembersAndAgreesWithParse) {
  const std::string text =
      R"({"sub":"s","iss":"https://issuer.example","aud":["a","b"],)"
      R"("exp":1700000000,"nul":null,"x":{"y":[1,{"z":true}]}})";
  std::optional<Value> found[std::size(kScanNames)];
  ASSERT_TRUE(Scan(text, {}, found).ok());
  const Object parsed = ParseOk(text);
  for (size_t i = 0; i < std::size(kScanNames); ++i) {
    ASSERT_TRUE(found[i].has_value()) << kScanNames[i];
    EXPECT_EQ(*found[i], *parsed.Find(kScanNames[i])) << kScanNames[i];
  }
  EXPECT_TRUE(found[3]->is_null());
  EXPECT_EQ(found[1]->as_string(), "https://issuer.example");

  // Absent names stay empty, and a second scan clears the first's values.
  ASSERT_TRUE(Scan(R"({"iss":"i","other":1})", {}, found).ok());
  EXPECT_FALSE(found[0].has_value());
  EXPECT_EQ(found[1]->as_string(), "i");
  EXPECT_FALSE(found[2].has_value());
  EXPECT_FALSE(found[3].has_value());
}

TEST(JsonScanTest, RejectsExactlyWhatParseRejects) {
  ParseLimits shallow;
  shallow.max_depth = 3;
  ParseLimits small;
  small.max_bytes = 16;
  struct Case {
    std::string text;
    ParseLimits limits;
    Reason reason;
  };
  const Case cases[] = {
      {R"({"exp":1,"exp":2})", {}, Reason::kDuplicateKey},
      // In members that are validated but never built.
      {R"({"exp":1,"x":{"k":1,"k":2}})", {}, Reason::kDuplicateKey},
      {R"({"x":[1,[{"a":1,"a":1}]]})", {}, Reason::kDuplicateKey},
      {R"({"x":{"y":{"z":{}}}})", shallow, Reason::kJsonTooDeep},
      {R"({"x":[[[]]]})", shallow, Reason::kJsonTooDeep},
      {NestedObjects(33), {}, Reason::kJsonTooDeep},
      {NestedArrays(3000), {}, Reason::kJsonTooDeep},
      {R"({"aud":{"y":{"z":{}}}})", shallow, Reason::kJsonTooDeep},
      {"{\"x\":\"\xff\"}", {}, Reason::kBadJson},
      {R"({"x":"\ud800"})", {}, Reason::kBadJson},
      {R"({"exp":1} {})", {}, Reason::kBadJson},
      {R"({"exp":1,})", {}, Reason::kBadJson},
      {R"(["exp",1])", {}, Reason::kBadJson},
      {R"({"exp":1,"iss":"0123456789"})", small, Reason::kTokenTooLarge},
  };
  for (const Case& c : cases) {
    std::optional<Value> found[std::size(kScanNames)];
    found[0] = Value("stale");
    EXPECT_EQ(ParseReason(c.text, c.limits), c.reason) << c.text;
    EXPECT_EQ(GetReason(Scan(c.text, c.limits, found)), c.reason) << c.text;
    for (const std::optional<Value>& value : found) {
      EXPECT_FALSE(value.has_value()) << c.text;
    }
  }
  // Within the limits the same shapes are fine.
  std::optional<Value> found[std::size(kScanNames)];
  EXPECT_TRUE(Scan(R"({"x":{"y":{}},"z":[[]]})", shallow, found).ok());
}

TEST(JsonScanTest, LargeDocumentsAndMismatchedSpans) {
  std::string big = "{\"iss\":\"i\",\"a\":[";
  for (int i = 0; i < 40000; ++i) big += "\"xx\",";
  big += "1]}";
  std::optional<Value> found[std::size(kScanNames)];
  ASSERT_TRUE(Scan(big, {.max_bytes = big.size()}, found).ok());
  EXPECT_EQ(found[1]->as_string(), "i");

  std::optional<Value> too_few[1];
  const std::string text = R"({"exp":1})";
  EXPECT_EQ(GetReason(ScanPaddedObject(text, {}, kScanNames, too_few)),
            Reason::kInternal);
}

TEST(JsonObjectTest, SetFindErase) {
  Object o;
  EXPECT_TRUE(o.empty());
  o.Set("b", 2);
  o.Set("a", "x");
  o.Set("c", nullptr);
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o.members()[0].first, "a");
  EXPECT_EQ(o.members()[2].first, "c");
  o.Set("b", true);  // replaces
  EXPECT_EQ(o.size(), 3u);
  EXPECT_TRUE(o.Find("b")->as_bool());
  EXPECT_TRUE(o.Erase("a"));
  EXPECT_FALSE(o.Erase("a"));
  EXPECT_EQ(o.Find("a"), nullptr);
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(Serialize(o), R"({"b":true,"c":null})");
}

TEST(JsonObjectTest, Equality) {
  Object a;
  a.Set("x", 1);
  a.Set("y", Array{1, "s"});
  Object b;
  b.Set("y", Array{1, "s"});
  b.Set("x", 1);
  EXPECT_TRUE(a == b);
  b.Set("x", 1.0);  // int and double are different values
  EXPECT_FALSE(a == b);
  b.Set("x", 1);
  b.Set("z", nullptr);
  EXPECT_FALSE(a == b);
}

// ---- Serialisation ----------------------------------------------------

TEST(JsonSerializeTest, CompactAndSorted) {
  Object o = ParseOk(R"({ "z" : [ 1 , 2 ] , "a" : { "y" : 1, "x" : 2 } })");
  EXPECT_EQ(Serialize(o), R"({"a":{"x":2,"y":1},"z":[1,2]})");
  Object built;
  built.Set("z", Array{1, 2});
  Object inner;
  inner.Set("x", 2);
  inner.Set("y", 1);
  built.Set("a", inner);
  EXPECT_EQ(Serialize(built), Serialize(o));
  EXPECT_EQ(Serialize(Value(built)), Serialize(o));
  std::string out = "prefix:";
  SerializeAppend(Value(Array{}), &out);
  EXPECT_EQ(out, "prefix:[]");
  EXPECT_EQ(Serialize(Object()), "{}");
}

TEST(JsonSerializeTest, EscapesOnlyWhatRfc8259Requires) {
  Object o;
  o.Set("s", std::string("\"\\\b\f\n\r\t\x01\x1f\x7f/\xc3\xa9\0", 14));
  EXPECT_EQ(Serialize(o),
            std::string("{\"s\":\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/"
                        "\xc3\xa9\\u0000\"}"));
  Object k;
  k.Set("a\"b", 1);
  EXPECT_EQ(Serialize(k), R"({"a\"b":1})");
}

// AppendQuoted's rules, one byte at a time.
std::string ReferenceQuoted(absl::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

// The word-at-a-time scan must find every byte value at every offset of
// strings around the 8-byte boundaries, alone, next to other escapes and
// after one.
TEST(JsonSerializeTest, AppendQuotedMatchesReferenceForEveryByteAndPosition) {
  int checked = 0;
  for (size_t len = 1; len <= 26; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        for (const char filler : {'x', '\xff', '\n'}) {
          std::string s(len, filler);
          s[pos] = static_cast<char>(b);
          std::string out = "prefix";
          AppendQuoted(s, &out);
          ASSERT_EQ(out, "prefix" + ReferenceQuoted(s))
              << "len " << len << " pos " << pos << " byte " << b;
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 351 * 256 * 3);
}

TEST(JsonSerializeTest, AppendQuotedEmptyAndLongMixedStrings) {
  std::string out;
  AppendQuoted("", &out);
  EXPECT_EQ(out, "\"\"");
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 100, '\0');
    for (char& c : s) {
      // Mostly plain ASCII, with escapes and high bytes mixed in.
      const uint32_t r = rng() % 16;
      c = static_cast<char>(r < 12 ? 'a' + rng() % 26 : rng() % 256);
    }
    out.clear();
    AppendQuoted(s, &out);
    ASSERT_EQ(out, ReferenceQuoted(s)) << "round " << round;
  }
}

TEST(JsonSerializeTest, Numbers) {
  EXPECT_EQ(Serialize(Value(0)), "0");
  EXPECT_EQ(Serialize(Value(int64_t{-9223372036854775807 - 1})),
            "-9223372036854775808");
  EXPECT_EQ(Serialize(Value(1.5)), "1.5");
  EXPECT_EQ(Serialize(Value(0.1)), "0.1");
  EXPECT_EQ(Serialize(Value(1.0)), "1.0");
  EXPECT_EQ(Serialize(Value(-0.0)), "-0.0");
  EXPECT_EQ(Serialize(Value(1700000000.0)), "1700000000.0");
  EXPECT_EQ(Serialize(Value(1700000000.5)), "1700000000.5");
  EXPECT_EQ(Serialize(Value(9007199254740991.0)), "9007199254740991.0");
  EXPECT_EQ(Serialize(Value(1e300)), "1e+300");
  EXPECT_EQ(Serialize(Value(5e-324)), "5e-324");
  // Shortest form is plain digits here; it must still read as a double.
  EXPECT_EQ(Serialize(Value(18446744073709551616.0)), "18446744073709551616.0");
}

TEST(JsonSerializeTest, NonFiniteDoublesBecomeNull) {
  EXPECT_EQ(Serialize(Value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Serialize(Value(-std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Serialize(Value(std::numeric_limits<double>::quiet_NaN())), "null");
}

TEST(JsonSerializeTest, Deterministic) {
  const std::string a =
      Serialize(ParseOk(R"({"b":[1,{"d":1,"c":2}],"a":0.5})"));
  const std::string b =
      Serialize(ParseOk(R"({"a":0.5,"b":[1,{"c":2,"d":1}]})"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, R"({"a":0.5,"b":[1,{"c":2,"d":1}]})");
}

TEST(JsonSerializeTest, RoundTripsParsedDocuments) {
  const char* docs[] = {
      R"({})",
      R"({"alg":"HS256","typ":"JWT","kid":"k1"})",
      R"({"iss":"https://a.example","aud":["x","y"],"exp":1700000000,"nbf":1.5e9,"iat":-0,"n":-0.0})",
      R"({"u":"\ud83d\ude00 \u00e9 \u0000 \u001f \" \\ / \b\f\n\r\t","\u0001k":null})",
      R"({"big":18446744073709551615,"neg":-9223372036854775808,"f":1e-300,"g":123456.789e3})",
      R"({"a":[[[[{"b":[true,false,null,{}]}]]]],"c":{"d":{"e":[]}}})",
  };
  for (const char* doc : docs) ExpectRoundTrip(ParseOk(doc));
}

TEST(JsonSerializeTest, RoundTripsRandomDoubles) {
  std::mt19937_64 rng(7);
  Object o;
  for (int i = 0; i < 2000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (!std::isfinite(d)) continue;
    o.Set("d" + std::to_string(i), d);
    o.Set("i" + std::to_string(i), static_cast<int64_t>(bits));
    o.Set("r" + std::to_string(i), std::trunc(d / 1e290 * 1e16));
  }
  ExpectRoundTrip(o);
}

}  // namespace
}  // namespace tokend::json
