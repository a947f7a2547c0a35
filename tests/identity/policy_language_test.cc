// The rule language: globs, claim paths, templates and matchers. Written as
// an attacker would try it: claim values that look like template syntax or
// wildcards, missing and oddly typed claims, paths that try to escape.
#include <string>
#include <vector>

#include "core/identity/claim_path.h"
#include "core/identity/glob.h"
#include "core/identity/template.h"
#include "core/identity/value_matcher.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/identity/identity_test_util.h"

namespace tokend::identity {
namespace {

using testing::ParseOrDie;

// ---- Glob ------------------------------------------------------------------

TEST(GlobTest, StarMatchesAnyRunIncludingEmpty) {
  const GlobPattern p = GlobPattern::FromConfig("team-*-room");
  EXPECT_TRUE(p.Matches("team--room"));
  EXPECT_TRUE(p.Matches("team-blue-room"));
  EXPECT_TRUE(p.Matches("team-a-b-c-room"));
  EXPECT_FALSE(p.Matches("team-blue-roo"));
  EXPECT_FALSE(p.Matches("xteam-blue-room"));
  EXPECT_FALSE(p.Matches("team-room"));  // prefix and suffix may not overlap
  EXPECT_TRUE(GlobPattern::FromConfig("*").Matches(""));
  EXPECT_TRUE(GlobPattern::FromConfig("**").Matches("anything"));
  EXPECT_TRUE(GlobPattern::FromConfig("a*b*c").Matches("abc"));
  EXPECT_TRUE(GlobPattern::FromConfig("a*b*c").Matches("aXbYbZc"));
  EXPECT_FALSE(GlobPattern::FromConfig("a*b*c").Matches("acb"));
}

TEST(GlobTest, OnlyStarIsSpecial) {
  // Agora channel names may hold ? [ ] \ : they match themselves.
  const GlobPattern p = GlobPattern::FromConfig("a?[b]\\");
  EXPECT_TRUE(p.Matches("a?[b]\\"));
  EXPECT_FALSE(p.Matches("ax[b]\\"));
  EXPECT_FALSE(p.Matches("a?b\\"));
  EXPECT_FALSE(p.has_wildcard());
  EXPECT_TRUE(GlobPattern::FromConfig("").Matches(""));
  EXPECT_FALSE(GlobPattern::FromConfig("").Matches("x"));
}

TEST(GlobTest, LiteralStarsNeverMatchAsWildcards) {
  GlobPattern p;
  p.AppendLiteral("team-");
  p.AppendLiteral("*");  // e.g. a claim value
  p.AppendLiteral("-");
  p.AppendStar();
  EXPECT_TRUE(p.Matches("team-*-x"));
  EXPECT_FALSE(p.Matches("team-blue-x"));
  EXPECT_EQ(p.ToString(), "team-\\*-*");
}

TEST(GlobTest, PathologicalPatternsStayLinear) {
  // Many stars against a long non-matching text: no backtracking blow-up.
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "a*";
  pattern += "b";
  const std::string text(100000, 'a');
  EXPECT_FALSE(GlobPattern::FromConfig(pattern).Matches(text));
}

// ---- Claim paths -----------------------------------------------------------

TEST(ClaimPathTest, ParsesDotsAndQuotedNames) {
  absl::StatusOr<ClaimPath> p =
      ParseClaimPath(R"(claims["kubernetes.io"].serviceaccount.name)", "f");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->root, "claims");
  EXPECT_EQ(p->segments, (std::vector<std::string>{"kubernetes.io",
                                                   "serviceaccount", "name"}));
  p = ParseClaimPath(R"(claims["https://example.com/roles"])", "f");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->segments[0], "https://example.com/roles");
  EXPECT_TRUE(ParseClaimPath("k8s.namespace", "f").ok());
  EXPECT_TRUE(ParseClaimPath("spiffe.path", "f").ok());
}

TEST(ClaimPathTest, RefusesBadPathsNamingTheField) {
  for (const char* bad :
       {"", "claims", "sub", "env.HOME", "claims.", "claims..sub", "claims.a b",
        "claims[sub]", R"(claims["a)", R"(claims["a\"b"])", R"(claims[""])",
        "claims.a.b.c.d.e.f.g.h.i", "claims.sub}}"}) {
    absl::StatusOr<ClaimPath> p = ParseClaimPath(bad, "rules[0].subject");
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_EQ(GetReason(p.status()), Reason::kInvalidArgument) << bad;
    EXPECT_EQ(GetField(p.status()), "rules[0].subject") << bad;
  }
}

TEST(ClaimPathTest, LookupWalksObjectsOnly) {
  const json::Object claims = ParseOrDie(
      R"({"sub":"u","a":{"b":{"c":7}},"arr":[{"x":1}],"kubernetes.io":{"namespace":"media"}})");
  json::Object attributes;
  json::Object k8s;
  k8s.Set("namespace", "media");
  attributes.Set("k8s", k8s);
  const EvalContext context{&claims, &attributes};
  auto lookup = [&](const char* text) {
    return Lookup(context, *ParseClaimPath(text, "f"));
  };
  EXPECT_EQ(lookup("claims.a.b.c")->as_int(), 7);
  EXPECT_EQ(lookup(R"(claims["kubernetes.io"].namespace)")->as_string(),
            "media");
  EXPECT_EQ(lookup("k8s.namespace")->as_string(), "media");
  EXPECT_EQ(lookup("claims.a.missing"), nullptr);
  EXPECT_EQ(lookup("claims.sub.x"), nullptr);  // through a string
  EXPECT_EQ(lookup("claims.arr.x"), nullptr);  // no array indexing
  EXPECT_EQ(lookup("spiffe.id"), nullptr);     // root absent
}

// ---- Templates -------------------------------------------------------------

class TemplateTest : public ::testing::Test {
 protected:
  TemplateTest()
      : claims_(ParseOrDie(
            R"({"sub":"alice","team":"blue","uid":4711,"big":1.5,"flag":true,)"
            R"("empty":"","groups":["a","b"],"obj":{"k":"v"},)"
            R"("evil":"{{claims.admin}}","star":"*","nl":"a\nb",)"
            R"("admin":"root"})")) {}
  EvalContext Context() const { return EvalContext{&claims_, &attributes_}; }
  absl::StatusOr<std::string> Render(const char* text) {
    absl::StatusOr<Template> t = Template::Compile(text, "f");
    EXPECT_TRUE(t.ok()) << t.status();
    return t->Render(Context());
  }

  json::Object claims_;
  json::Object attributes_;
};

TEST_F(TemplateTest, SubstitutesStringsAndIntegers) {
  EXPECT_EQ(*Render("{{claims.sub}}"), "alice");
  EXPECT_EQ(*Render("team-{{ claims.team }}-{{claims.uid}}"), "team-blue-4711");
  EXPECT_EQ(*Render("no references"), "no references");
  EXPECT_EQ(*Render("}} alone is text"), "}} alone is text");
}

TEST_F(TemplateTest, MissingOrUnsuitableClaimsFailTheRendering) {
  for (const char* text :
       {"{{claims.nope}}", "{{claims.empty}}", "{{claims.big}}",
        "{{claims.flag}}", "{{claims.groups}}", "{{claims.obj}}",
        "{{claims.nl}}", "x{{claims.obj.nope}}"}) {
    absl::StatusOr<std::string> out = Render(text);
    EXPECT_FALSE(out.ok()) << text;
    EXPECT_EQ(GetReason(out.status()), Reason::kPermissionDenied) << text;
  }
  EXPECT_EQ(GetField(Render("{{claims.nope}}").status()), "claims.nope");
}

TEST_F(TemplateTest, ClaimValuesAreNeverReadAsTemplateSyntax) {
  // The claim holds "{{claims.admin}}": it is substituted as text, once.
  EXPECT_EQ(*Render("user-{{claims.evil}}"), "user-{{claims.admin}}");
}

TEST_F(TemplateTest, ClaimValuesCannotInjectWildcards) {
  absl::StatusOr<Template> t = Template::Compile("team-{{claims.star}}-*", "f");
  ASSERT_TRUE(t.ok());
  absl::StatusOr<GlobPattern> pattern = t->RenderPattern(Context());
  ASSERT_TRUE(pattern.ok()) << pattern.status();
  // The template's own star is a wildcard; the claim's is not.
  EXPECT_TRUE(pattern->Matches("team-*-anything"));
  EXPECT_FALSE(pattern->Matches("team-blue-anything"));
  EXPECT_FALSE(pattern->Matches("team-x-y"));
}

TEST_F(TemplateTest, LongValuesAreRefused) {
  claims_.Set("long", std::string(kMaxSubstitutionBytes + 1, 'x'));
  EXPECT_FALSE(Render("{{claims.long}}").ok());
  claims_.Set("long", std::string(kMaxSubstitutionBytes, 'x'));
  EXPECT_TRUE(Render("{{claims.long}}").ok());
  // Five substitutions of 256 bytes pass the per-value cap but not the total.
  EXPECT_FALSE(Render("{{claims.long}}{{claims.long}}{{claims.long}}"
                      "{{claims.long}}{{claims.long}}")
                   .ok());
}

TEST(TemplateCompileTest, RefusesBrokenTemplates) {
  for (const char* bad : {"{{claims.sub", "{{}}", "{{ }}", "{{sub}}",
                          "{{claims.sub}}{{", "{{claims.a b}}"}) {
    absl::StatusOr<Template> t = Template::Compile(bad, "rules[1].subject");
    EXPECT_FALSE(t.ok()) << bad;
    EXPECT_EQ(GetField(t.status()), "rules[1].subject") << bad;
  }
  EXPECT_FALSE(
      Template::Compile(std::string(kMaxTemplateBytes + 1, 'x'), "f").ok());
}

// ---- Matchers --------------------------------------------------------------

MatcherSpec Spec(MatchOp op, std::vector<json::Value> values) {
  MatcherSpec spec;
  spec.op = op;
  spec.values = std::move(values);
  return spec;
}

class MatcherTest : public TemplateTest {
 protected:
  absl::Status Match(MatcherSpec spec, const char* path) {
    ClaimMatcherSpec claim;
    claim.path = path;
    claim.match = std::move(spec);
    absl::StatusOr<ClaimMatcher> matcher = ClaimMatcher::Compile(claim, "m");
    EXPECT_TRUE(matcher.ok()) << matcher.status();
    return matcher->Match(Context());
  }
};

TEST_F(MatcherTest, Equals) {
  EXPECT_TRUE(Match(Spec(MatchOp::kEquals, {"alice"}), "claims.sub").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kEquals, {"Alice"}), "claims.sub").ok());
  EXPECT_TRUE(Match(Spec(MatchOp::kEquals, {true}), "claims.flag").ok());
  EXPECT_TRUE(Match(Spec(MatchOp::kEquals, {4711}), "claims.uid").ok());
  EXPECT_TRUE(Match(Spec(MatchOp::kEquals, {4711.0}), "claims.uid").ok());
  // Type-exact: "4711" is not 4711, "true" is not true.
  EXPECT_FALSE(Match(Spec(MatchOp::kEquals, {"4711"}), "claims.uid").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kEquals, {"true"}), "claims.flag").ok());
  // A template operand compares against another claim.
  EXPECT_TRUE(
      Match(Spec(MatchOp::kEquals, {"{{claims.sub}}"}), "claims.sub").ok());
}

TEST_F(MatcherTest, PrefixGlobAndOneOf) {
  EXPECT_TRUE(Match(Spec(MatchOp::kPrefix, {"ali"}), "claims.sub").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kPrefix, {"bob"}), "claims.sub").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kPrefix, {"4"}), "claims.uid").ok());
  EXPECT_TRUE(Match(Spec(MatchOp::kGlob, {"a*e"}), "claims.sub").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kGlob, {"b*"}), "claims.sub").ok());
  EXPECT_TRUE(
      Match(Spec(MatchOp::kOneOf, {"bob", "alice"}), "claims.sub").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kOneOf, {"bob"}), "claims.sub").ok());
}

TEST_F(MatcherTest, ArraysMatchWhenAnyElementDoes) {
  EXPECT_TRUE(Match(Spec(MatchOp::kOneOf, {"b"}), "claims.groups").ok());
  EXPECT_TRUE(Match(Spec(MatchOp::kEquals, {"a"}), "claims.groups").ok());
  EXPECT_FALSE(Match(Spec(MatchOp::kEquals, {"c"}), "claims.groups").ok());
}

TEST_F(MatcherTest, MissingClaimFailsNamingIt) {
  absl::Status status = Match(Spec(MatchOp::kEquals, {"x"}), "claims.nope");
  EXPECT_EQ(GetReason(status), Reason::kPermissionDenied);
  EXPECT_EQ(GetField(status), "claims.nope");
  EXPECT_NE(status.message().find("missing"), absl::string_view::npos);
  // An operand that refers to a missing claim fails too, never matches "".
  EXPECT_FALSE(
      Match(Spec(MatchOp::kEquals, {"{{claims.nope}}"}), "claims.empty").ok());
}

TEST(MatcherCompileTest, RefusesBadOperands) {
  EXPECT_FALSE(ValueMatcher::Compile(Spec(MatchOp::kOneOf, {}), "m").ok());
  EXPECT_FALSE(ValueMatcher::Compile(Spec(MatchOp::kEquals, {}), "m").ok());
  EXPECT_FALSE(
      ValueMatcher::Compile(Spec(MatchOp::kEquals, {"a", "b"}), "m").ok());
  EXPECT_FALSE(ValueMatcher::Compile(Spec(MatchOp::kPrefix, {1}), "m").ok());
  EXPECT_FALSE(ValueMatcher::Compile(Spec(MatchOp::kGlob, {true}), "m").ok());
  EXPECT_FALSE(
      ValueMatcher::Compile(Spec(MatchOp::kEquals, {json::Value()}), "m").ok());
  EXPECT_FALSE(
      ValueMatcher::Compile(Spec(MatchOp::kOneOf, {json::Array{}}), "m").ok());
  absl::StatusOr<ValueMatcher> bad =
      ValueMatcher::Compile(Spec(MatchOp::kGlob, {"{{claims"}), "rules[0]");
  EXPECT_EQ(GetField(bad.status()), "rules[0].glob");
}

}  // namespace
}  // namespace tokend::identity
