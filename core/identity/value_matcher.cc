#include "core/identity/value_matcher.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

bool IsScalar(const json::Value& v) {
  return v.is_string() || v.is_number() || v.is_bool();
}

bool ScalarEquals(const json::Value& a, const json::Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    const double x =
        a.is_int() ? static_cast<double>(a.as_int()) : a.as_double();
    const double y =
        b.is_int() ? static_cast<double>(b.as_int()) : b.as_double();
    return x == y;
  }
  return a == b;
}

}  // namespace

absl::string_view MatchOpName(MatchOp op) {
  switch (op) {
    case MatchOp::kEquals:
      return "equals";
    case MatchOp::kPrefix:
      return "prefix";
    case MatchOp::kGlob:
      return "glob";
    case MatchOp::kOneOf:
      return "one_of";
  }
  return "?";
}

absl::StatusOr<ValueMatcher> ValueMatcher::Compile(const MatcherSpec& spec,
                                                   absl::string_view field) {
  ValueMatcher out;
  out.op_ = spec.op;
  const std::string op_field = absl::StrCat(field, ".", MatchOpName(spec.op));
  if (spec.op == MatchOp::kOneOf) {
    if (spec.values.empty() || spec.values.size() > kMaxOneOfValues) {
      return Error(
          Reason::kInvalidArgument,
          absl::StrCat("one_of needs 1 to ", kMaxOneOfValues, " values"),
          op_field);
    }
    for (const json::Value& v : spec.values) {
      if (!IsScalar(v)) {
        return Error(Reason::kInvalidArgument,
                     "one_of values must be strings, numbers or booleans",
                     op_field);
      }
    }
    out.values_ = spec.values;
    return out;
  }
  if (spec.values.size() != 1) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat(MatchOpName(spec.op), " takes exactly one value"),
                 op_field);
  }
  const json::Value& operand = spec.values.front();
  if (operand.is_string()) {
    absl::StatusOr<Template> text =
        Template::Compile(operand.as_string(), op_field);
    if (!text.ok()) return text.status();
    out.text_ = *std::move(text);
    out.text_operand_ = true;
    return out;
  }
  if (spec.op != MatchOp::kEquals || !IsScalar(operand)) {
    return Error(Reason::kInvalidArgument,
                 spec.op == MatchOp::kEquals
                     ? "equals takes a string, a number or a boolean"
                     : absl::StrCat(MatchOpName(spec.op), " takes a string"),
                 op_field);
  }
  out.values_ = spec.values;
  return out;
}

bool ValueMatcher::MatchOne(const json::Value& value,
                            const EvalContext& context,
                            absl::Status* render_error) const {
  switch (op_) {
    case MatchOp::kOneOf:
      for (const json::Value& candidate : values_) {
        if (ScalarEquals(value, candidate)) return true;
      }
      return false;
    case MatchOp::kEquals:
      if (!text_operand_) return ScalarEquals(value, values_.front());
      [[fallthrough]];
    case MatchOp::kPrefix: {
      if (!value.is_string()) return false;
      absl::StatusOr<std::string> operand = text_.Render(context);
      if (!operand.ok()) {
        *render_error = operand.status();
        return false;
      }
      return op_ == MatchOp::kEquals
                 ? value.as_string() == *operand
                 : absl::StartsWith(value.as_string(), *operand);
    }
    case MatchOp::kGlob: {
      if (!value.is_string()) return false;
      absl::StatusOr<GlobPattern> pattern = text_.RenderPattern(context);
      if (!pattern.ok()) {
        *render_error = pattern.status();
        return false;
      }
      return pattern->Matches(value.as_string());
    }
  }
  return false;
}

absl::Status ValueMatcher::Match(const json::Value* value,
                                 absl::string_view what,
                                 const EvalContext& context) const {
  if (value == nullptr) {
    return Error(Reason::kPermissionDenied, absl::StrCat(what, " is missing"),
                 what);
  }
  absl::Status render_error;
  bool matched = false;
  if (value->is_array()) {
    for (const json::Value& item : value->as_array()) {
      if (MatchOne(item, context, &render_error)) {
        matched = true;
        break;
      }
      if (!render_error.ok()) break;
    }
  } else {
    matched = MatchOne(*value, context, &render_error);
  }
  // A template operand that cannot render (a claim it refers to is
  // missing) fails the condition, with that reason.
  if (!render_error.ok()) return render_error;
  if (matched) return absl::OkStatus();
  return Error(Reason::kPermissionDenied,
               absl::StrCat(what, " does not match ", Describe()), what);
}

std::string ValueMatcher::Describe() const {
  if (text_operand_) {
    return absl::StrCat(MatchOpName(op_), " \"", text_.text(), "\"");
  }
  std::vector<std::string> items;
  for (const json::Value& v : values_) items.push_back(json::Serialize(v));
  if (op_ == MatchOp::kOneOf) {
    return absl::StrCat("one_of [", absl::StrJoin(items, ", "), "]");
  }
  return absl::StrCat(MatchOpName(op_), " ", items.front());
}

absl::StatusOr<ClaimMatcher> ClaimMatcher::Compile(const ClaimMatcherSpec& spec,
                                                   absl::string_view field) {
  ClaimMatcher out;
  absl::StatusOr<ClaimPath> path =
      ParseClaimPath(spec.path, absl::StrCat(field, ".path"));
  if (!path.ok()) return path.status();
  out.path_ = *std::move(path);
  absl::StatusOr<ValueMatcher> matcher =
      ValueMatcher::Compile(spec.match, field);
  if (!matcher.ok()) return matcher.status();
  out.matcher_ = *std::move(matcher);
  return out;
}

absl::Status ClaimMatcher::Match(const EvalContext& context) const {
  return matcher_.Match(Lookup(context, path_), path_.text, context);
}

}  // namespace tokend::identity
