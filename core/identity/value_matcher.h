// Matchers over claim values: exact, prefix, glob and list, as data.
//
// A matcher tests one JSON value; an array value matches when any of its
// elements does (so `groups: {one_of: [admins]}` asks "is admins among the
// groups"). Comparisons are type-exact (the string "1" never equals the
// number 1; integers and fractions compare as numbers). String operands of
// equals, prefix and glob are templates (core/identity/template.h): they
// may refer to other claims of the same identity, and what they substitute
// is always literal. one_of lists are literal. prefix and glob apply to
// string values only.
#ifndef TOKEND_CORE_IDENTITY_VALUE_MATCHER_H_
#define TOKEND_CORE_IDENTITY_VALUE_MATCHER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/identity/claim_path.h"
#include "core/identity/template.h"
#include "core/json/json.h"

namespace tokend::identity {

inline constexpr size_t kMaxOneOfValues = 256;

enum class MatchOp { kEquals, kPrefix, kGlob, kOneOf };
// "equals", "prefix", "glob", "one_of": the config keys.
absl::string_view MatchOpName(MatchOp op);

struct MatcherSpec {
  MatchOp op = MatchOp::kEquals;
  // kEquals: one string, number or bool. kPrefix, kGlob: one string.
  // kOneOf: 1..kMaxOneOfValues strings, numbers or bools.
  std::vector<json::Value> values;
};

// A condition on the incoming identity: `path` (claim_path.h) must exist
// and satisfy `match`.
struct ClaimMatcherSpec {
  std::string path;
  MatcherSpec match;
};

class ValueMatcher {
 public:
  // kInvalidArgument naming `field` (e.g. "exchange.rules[0].match.claims[1]").
  static absl::StatusOr<ValueMatcher> Compile(const MatcherSpec& spec,
                                              absl::string_view field);

  // OK when `value` satisfies the matcher; kPermissionDenied naming `what`
  // (nullptr: "is missing") otherwise.
  absl::Status Match(const json::Value* value, absl::string_view what,
                     const EvalContext& context) const;

  // e.g. `glob "team-{{claims.team}}-*"`, for messages.
  std::string Describe() const;

 private:
  bool MatchOne(const json::Value& value, const EvalContext& context,
                absl::Status* render_error) const;

  MatchOp op_ = MatchOp::kEquals;
  std::vector<json::Value> values_;  // kEquals (non-string), kOneOf
  Template text_;                    // kEquals (string), kPrefix, kGlob
  bool text_operand_ = false;
};

class ClaimMatcher {
 public:
  static absl::StatusOr<ClaimMatcher> Compile(const ClaimMatcherSpec& spec,
                                              absl::string_view field);
  absl::Status Match(const EvalContext& context) const;
  const ClaimPath& path() const { return path_; }

 private:
  ClaimPath path_;
  ValueMatcher matcher_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_VALUE_MATCHER_H_
