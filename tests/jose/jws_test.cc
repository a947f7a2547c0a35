// Unit tests for the JWS compact split, the JOSE header rules and the typ
// media-type comparison.
#include "core/jose/jws.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/json/json.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

// ---- SplitCompact -----------------------------------------------------------

TEST(SplitCompact, ThreePartsAreViewsIntoTheToken) {
  const std::string token = "aGVhZA.cGF5.c2ln";
  absl::StatusOr<CompactParts> parts = SplitCompact(token, 100);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->header, "aGVhZA");
  EXPECT_EQ(parts->payload, "cGF5");
  EXPECT_EQ(parts->signature, "c2ln");
  EXPECT_EQ(parts->signing_input, "aGVhZA.cGF5");
  // Views, not copies: the signing input is the token's own bytes.
  EXPECT_EQ(parts->signing_input.data(), token.data());
  EXPECT_EQ(parts->signature.data(), token.data() + 12);
}

TEST(SplitCompact, SizeCapIsExactAndComesFirst) {
  const std::string token = "a.b.c";
  EXPECT_TRUE(SplitCompact(token, 5).ok());
  EXPECT_EQ(GetReason(SplitCompact(token, 4).status()), Reason::kTokenTooLarge);
  // Even garbage over the cap is reported as too large, not malformed.
  EXPECT_EQ(GetReason(SplitCompact(std::string(100, '!'), 99).status()),
            Reason::kTokenTooLarge);
}

TEST(SplitCompact, WrongPartCountsAreMalformed) {
  for (absl::string_view token :
       {"", "abc", "a.b", "a.b.c.d", "a.b.c.d.e", ".", "..", "...", "a..b.c"}) {
    EXPECT_EQ(GetReason(SplitCompact(token, 100).status()), Reason::kMalformed)
        << token;
  }
}

TEST(SplitCompact, EmptyPartsAreMalformed) {
  for (absl::string_view token :
       {".p.s", "h..s", "h.p.", "..s", "h..", ".p."}) {
    EXPECT_EQ(GetReason(SplitCompact(token, 100).status()), Reason::kMalformed)
        << token;
  }
}

TEST(SplitCompact, EmptyPayloadOnlyWhenAllowed) {
  // RFC 7515 allows an empty payload; the JWS path asks for it explicitly.
  absl::StatusOr<CompactParts> parts =
      SplitCompact("aGVhZA..c2ln", 100, PayloadRule::kMayBeEmpty);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(parts->header, "aGVhZA");
  EXPECT_EQ(parts->payload, "");
  EXPECT_EQ(parts->signature, "c2ln");
  EXPECT_EQ(parts->signing_input, "aGVhZA.");
  EXPECT_EQ(GetReason(SplitCompact("aGVhZA..c2ln", 100).status()),
            Reason::kMalformed);
  // The header and signature stay required, and so do exactly two dots.
  for (absl::string_view token :
       {".p.s", "h.p.", "..s", "h..", "..", "h.s", "h...s"}) {
    EXPECT_EQ(
        GetReason(SplitCompact(token, 100, PayloadRule::kMayBeEmpty).status()),
        Reason::kMalformed)
        << token;
  }
  // The size cap still comes first.
  EXPECT_EQ(
      GetReason(SplitCompact("h..s", 3, PayloadRule::kMayBeEmpty).status()),
      Reason::kTokenTooLarge);
}

TEST(SplitCompact, DoesNotJudgeTheAlphabet) {
  // Base64url checks belong to the decoder; split only finds the dots.
  absl::StatusOr<CompactParts> parts = SplitCompact("a b.c=.d\n", 100);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->payload, "c=");
}

// ---- ParseJoseHeader --------------------------------------------------------

json::Object Header(absl::string_view text) {
  absl::StatusOr<json::Object> object = json::ParseObject(text);
  EXPECT_TRUE(object.ok()) << object.status() << " for " << text;
  return object.ok() ? *std::move(object) : json::Object();
}

Reason HeaderReason(absl::string_view text) {
  return GetReason(ParseJoseHeader(Header(text)).status());
}

TEST(ParseJoseHeader, MinimalHeader) {
  absl::StatusOr<JoseHeader> header =
      ParseJoseHeader(Header(R"({"alg":"HS256"})"));
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->alg, Algorithm::kHS256);
  EXPECT_FALSE(header->has_kid);
  EXPECT_EQ(header->kid, "");
  EXPECT_EQ(header->typ, "");
  EXPECT_EQ(header->cty, "");
}

TEST(ParseJoseHeader, AllFieldsAndUnknownMembersIgnored) {
  absl::StatusOr<JoseHeader> header = ParseJoseHeader(Header(
      R"({"alg":"ES384","kid":"k-1","typ":"at+jwt","cty":"twilio-fpa;v=1",)"
      R"("zzz":{"nested":[1,2]},"iss":"x"})"));
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->alg, Algorithm::kES384);
  EXPECT_TRUE(header->has_kid);
  EXPECT_EQ(header->kid, "k-1");
  EXPECT_EQ(header->typ, "at+jwt");
  EXPECT_EQ(header->cty, "twilio-fpa;v=1");
}

TEST(ParseJoseHeader, EveryAlgorithmName) {
  const std::pair<absl::string_view, Algorithm> kNames[] = {
      {"HS256", Algorithm::kHS256}, {"HS384", Algorithm::kHS384},
      {"HS512", Algorithm::kHS512}, {"RS256", Algorithm::kRS256},
      {"RS384", Algorithm::kRS384}, {"RS512", Algorithm::kRS512},
      {"PS256", Algorithm::kPS256}, {"PS384", Algorithm::kPS384},
      {"PS512", Algorithm::kPS512}, {"ES256", Algorithm::kES256},
      {"ES384", Algorithm::kES384}, {"ES512", Algorithm::kES512},
      {"EdDSA", Algorithm::kEdDSA}, {"Ed25519", Algorithm::kEdDSA},
  };
  for (const auto& [name, alg] : kNames) {
    absl::StatusOr<JoseHeader> header =
        ParseJoseHeader(Header(absl::StrCat(R"({"alg":")", name, R"("})")));
    ASSERT_TRUE(header.ok()) << name;
    EXPECT_EQ(header->alg, alg) << name;
  }
}

TEST(ParseJoseHeader, AlgMissingOrNotAStringIsBadHeader) {
  EXPECT_EQ(HeaderReason(R"({})"), Reason::kBadHeader);
  EXPECT_EQ(HeaderReason(R"({"kid":"a"})"), Reason::kBadHeader);
  for (absl::string_view alg : {"256", "null", R"(["HS256"])", "{}", "true"}) {
    EXPECT_EQ(HeaderReason(absl::StrCat(R"({"alg":)", alg, "}")),
              Reason::kBadHeader)
        << alg;
  }
  EXPECT_EQ(GetField(ParseJoseHeader(Header(R"({"alg":1})")).status()), "alg");
}

TEST(ParseJoseHeader, UnknownNoneAndCaseVariantsAreNotAllowed) {
  for (absl::string_view alg :
       {"none", "None", "NONE", "nOnE", "hs256", "Rs256", "HS256 ", "ES256K",
        "Ed448", "", "RSA-OAEP", "eddsa"}) {
    EXPECT_EQ(HeaderReason(absl::StrCat(R"({"alg":")", alg, R"("})")),
              Reason::kAlgNotAllowed)
        << alg;
  }
}

TEST(ParseJoseHeader, CritInAnyFormIsUnsupported) {
  for (absl::string_view crit :
       {R"(["foo"])", "[]", R"("b64")", "null", R"(["alg"])", R"(["b64"])"}) {
    EXPECT_EQ(
        HeaderReason(absl::StrCat(R"({"alg":"HS256","crit":)", crit, "}")),
        Reason::kCritUnsupported)
        << crit;
  }
}

TEST(ParseJoseHeader, B64IsUnsupported) {
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","b64":false})"),
            Reason::kUnsupportedHeader);
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","b64":true})"),
            Reason::kUnsupportedHeader);
  // With crit, the crit rule fires first.
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","b64":false,"crit":["b64"]})"),
            Reason::kCritUnsupported);
}

TEST(ParseJoseHeader, KeyHintsAreNeverTrusted) {
  for (absl::string_view member :
       {"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"}) {
    absl::Status status =
        ParseJoseHeader(
            Header(absl::StrCat(R"({"alg":"RS256",")", member, R"(":"x"})")))
            .status();
    EXPECT_EQ(GetReason(status), Reason::kUnsupportedHeader) << member;
    EXPECT_EQ(GetField(status), member);
  }
}

TEST(ParseJoseHeader, KidRules) {
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","kid":7})"), Reason::kBadHeader);
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","kid":null})"), Reason::kBadHeader);
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","kid":["a"]})"), Reason::kBadHeader);
  const std::string at_limit(256, 'k');
  absl::StatusOr<JoseHeader> header = ParseJoseHeader(
      Header(absl::StrCat(R"({"alg":"HS256","kid":")", at_limit, R"("})")));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->kid, at_limit);
  EXPECT_EQ(HeaderReason(absl::StrCat(R"({"alg":"HS256","kid":")",
                                      std::string(257, 'k'), R"("})")),
            Reason::kBadHeader);
  // Hostile but well-formed kids are just opaque strings here.
  header = ParseJoseHeader(
      Header(R"({"alg":"HS256","kid":"../../dev/null\u0000' OR 1=1--"})"));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->kid, std::string("../../dev/null\0' OR 1=1--", 25));
}

TEST(ParseJoseHeader, TypAndCtyMustBeStrings) {
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","typ":1})"), Reason::kBadHeader);
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","typ":null})"), Reason::kBadHeader);
  EXPECT_EQ(HeaderReason(R"({"alg":"HS256","cty":false})"), Reason::kBadHeader);
}

TEST(ParseJoseHeader, NestedJwtIsUnsupported) {
  for (absl::string_view cty :
       {"JWT", "jwt", "application/jwt", "APPLICATION/JWT"}) {
    EXPECT_EQ(
        HeaderReason(absl::StrCat(R"({"alg":"HS256","cty":")", cty, R"("})")),
        Reason::kUnsupportedHeader)
        << cty;
  }
}

TEST(ParseJoseHeader, PriorityIsIndependentOfMemberOrder) {
  // crit outranks a bad alg; a bad alg outranks key hints.
  EXPECT_EQ(HeaderReason(R"({"alg":"none","crit":["x"]})"),
            Reason::kCritUnsupported);
  EXPECT_EQ(HeaderReason(R"({"alg":"none","jwk":{}})"), Reason::kAlgNotAllowed);
}

// ---- TypMatches -------------------------------------------------------------

TEST(TypMatches, ShortAndFullFormsAreEqual) {
  EXPECT_TRUE(TypMatches("JWT", "JWT"));
  EXPECT_TRUE(TypMatches("jwt", "JWT"));
  EXPECT_TRUE(TypMatches("application/jwt", "JWT"));
  EXPECT_TRUE(TypMatches("JWT", "application/jwt"));
  EXPECT_TRUE(TypMatches("Application/JWT", "application/jwt"));
  EXPECT_TRUE(TypMatches("at+jwt", "application/at+jwt"));
  EXPECT_TRUE(TypMatches("AT+JWT", "at+jwt"));
}

TEST(TypMatches, DifferentTypesDoNotMatch) {
  EXPECT_FALSE(TypMatches("JWT", "at+jwt"));
  EXPECT_FALSE(TypMatches("at+jwt", "JWT"));
  EXPECT_FALSE(TypMatches("", "JWT"));
  EXPECT_FALSE(TypMatches("text/jwt", "JWT"));
  EXPECT_FALSE(TypMatches("application/jwt ", "JWT"));
  EXPECT_FALSE(TypMatches("applicationXjwt", "JWT"));
  // A value containing '/' is a full media type, never prefixed again.
  EXPECT_FALSE(TypMatches("application/a/b", "a/b"));
}

}  // namespace
}  // namespace tokend
