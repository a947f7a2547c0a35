// Templates over an incoming identity: data, not code.
//
// A template is text with references `{{ path }}` (path: core/identity/
// claim_path.h), e.g. "{{claims.sub}}" or "team-{{claims.team}}-*". It is
// parsed once, at config load, into literal pieces and references; a
// rendering substitutes each reference in one pass, so a claim value that
// contains "{{...}}" is never read as a reference.
//
// A reference renders only a non-empty string or an integer (in decimal) of
// at most kMaxSubstitutionBytes without control characters; anything else
// (absent, empty, null, bool, fractional number, array, object) fails the
// rendering with kPermissionDenied naming the path, so a rule that needs a
// claim the token lacks does not apply. The rendered text is capped at
// kMaxRenderedBytes.
//
// As a pattern (RenderPattern), '*' in the template's own text is a glob
// wildcard (core/identity/glob.h) and substituted values are always literal:
// a claim value of "*" matches only a literal "*".
#ifndef TOKEND_CORE_IDENTITY_TEMPLATE_H_
#define TOKEND_CORE_IDENTITY_TEMPLATE_H_

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/identity/claim_path.h"
#include "core/identity/glob.h"

namespace tokend::identity {

inline constexpr size_t kMaxSubstitutionBytes = 256;
inline constexpr size_t kMaxRenderedBytes = 1024;
inline constexpr size_t kMaxTemplateBytes = 1024;

class Template {
 public:
  Template() = default;

  // kInvalidArgument naming `field`: an unclosed "{{", a bad path, an empty
  // reference, text over kMaxTemplateBytes.
  static absl::StatusOr<Template> Compile(absl::string_view text,
                                          absl::string_view field);

  // Plain text (a subject, an account, a claim value to write).
  absl::StatusOr<std::string> Render(const EvalContext& context) const;
  // A glob pattern (a channel or room bound).
  absl::StatusOr<GlobPattern> RenderPattern(const EvalContext& context) const;

  const std::string& text() const { return text_; }
  bool empty() const { return parts_.empty(); }
  // True when the template has no reference.
  bool is_literal() const;

 private:
  using Part = std::variant<std::string, ClaimPath>;
  // Appends each piece: literal text through `literal`, substituted values
  // through `value`.
  template <typename LiteralFn, typename ValueFn>
  absl::Status Expand(const EvalContext& context, LiteralFn literal,
                      ValueFn value) const;

  std::string text_;
  std::vector<Part> parts_;
};

// A claim value as a template substitutes it (see above): the text, or
// kPermissionDenied naming `path_text`.
absl::StatusOr<std::string> SubstitutionText(const json::Value* value,
                                             absl::string_view path_text);

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_TEMPLATE_H_
