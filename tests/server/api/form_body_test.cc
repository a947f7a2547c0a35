// FormBody: application/x-www-form-urlencoded parsing as the token
// endpoint sees it: encodings, repeats, bad percent-encoding, limits.
#include "server/api/form_body.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

TEST(FormBodyTest, DecodesPlusPercentAndRawColons) {
  absl::StatusOr<FormBody> form = FormBody::Parse(
      "a=x+y%20z&b=urn:ietf:params:oauth:token-type:jwt&c=%3A%2f&flag");
  ASSERT_TRUE(form.ok()) << form.status();
  ASSERT_EQ(form->pairs().size(), 4u);
  EXPECT_EQ(form->pairs()[0].second, "x y z");
  EXPECT_EQ(form->pairs()[1].second, "urn:ietf:params:oauth:token-type:jwt");
  EXPECT_EQ(form->pairs()[2].second, ":/");
  EXPECT_EQ(form->pairs()[3].first, "flag");
  EXPECT_EQ(form->pairs()[3].second, "");
}

TEST(FormBodyTest, EmptyPairsAreSkipped) {
  absl::StatusOr<FormBody> form = FormBody::Parse("&a=1&&b=2&");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->pairs().size(), 2u);
}

TEST(FormBodyTest, SingleRefusesARepeatNamingIt) {
  absl::StatusOr<FormBody> form = FormBody::Parse("a=1&subject_token=x&a=2");
  ASSERT_TRUE(form.ok());
  absl::StatusOr<std::optional<std::string>> a = form->Single("a");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetField(a.status()), "a");
  EXPECT_EQ(*form->Single("subject_token").value(), "x");
  EXPECT_FALSE(form->Single("absent").value().has_value());
  EXPECT_EQ(form->All("a"), (std::vector<std::string>{"1", "2"}));
}

TEST(FormBodyTest, EncodedNameCountsAsTheSameParameter) {
  // "subject%5Ftoken" is "subject_token": a repeat in disguise.
  absl::StatusOr<FormBody> form =
      FormBody::Parse("subject_token=a&subject%5Ftoken=b");
  ASSERT_TRUE(form.ok());
  EXPECT_FALSE(form->Single("subject_token").ok());
}

TEST(FormBodyTest, BadPercentEncodingNamesTheParameter) {
  for (const char* body : {"tok=%zz", "tok=%4", "tok=%", "tok=ab%G1"}) {
    absl::StatusOr<FormBody> form = FormBody::Parse(body);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(GetField(form.status()), "tok") << body;
    EXPECT_TRUE(absl::StrContains(form.status().message(), "percent"));
  }
  absl::StatusOr<FormBody> bad_name = FormBody::Parse("%zz=1");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(GetField(bad_name.status()), "body");
}

TEST(FormBodyTest, ControlCharactersAreRefusedButLineEndsPass) {
  EXPECT_FALSE(FormBody::Parse("a=x%00y").ok());
  EXPECT_FALSE(FormBody::Parse("a=x%7Fy").ok());
  EXPECT_FALSE(FormBody::Parse("a%01=1").ok());
  // StsCredentials sends its token file raw, newline included.
  absl::StatusOr<FormBody> form = FormBody::Parse("a=tok\n&b=c%0D%0A");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->pairs()[0].second, "tok\n");
}

TEST(FormBodyTest, TooManyParametersAreRefused) {
  std::string body;
  for (size_t i = 0; i <= FormBody::kMaxPairs; ++i) {
    absl::StrAppend(&body, "p", i, "=1&");
  }
  absl::StatusOr<FormBody> form = FormBody::Parse(body);
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(GetField(form.status()), "body");
  body = "";
  for (size_t i = 0; i < FormBody::kMaxPairs; ++i) {
    absl::StrAppend(&body, "p", i, "=1&");
  }
  EXPECT_TRUE(FormBody::Parse(body).ok());
}

}  // namespace
}  // namespace tokend
