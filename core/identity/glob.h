// Glob patterns for exchange rules.
//
// One wildcard only: '*' matches any run of bytes, the empty run included.
// Every other byte (including '?', '[' and '\', which Agora channel names
// may contain) matches itself. A pattern is kept as literal pieces between
// stars rather than as text, so bytes appended with AppendLiteral (a claim
// value substituted by a template, core/identity/template.h) can never act
// as a wildcard: there is no escaping to get wrong.
//
// Matching is linear in the text per piece (no backtracking blow-up):
// leftmost placement of each middle piece is optimal for star-only globs.
#ifndef TOKEND_CORE_IDENTITY_GLOB_H_
#define TOKEND_CORE_IDENTITY_GLOB_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tokend::identity {

class GlobPattern {
 public:
  // The empty pattern: matches only the empty string.
  GlobPattern() : pieces_(1) {}

  // Config text: each '*' is a wildcard, everything else literal.
  static GlobPattern FromConfig(absl::string_view text);

  // Appends config text: its '*' are wildcards.
  void AppendConfig(absl::string_view text);
  // Appends text that matches only itself, whatever bytes it holds.
  void AppendLiteral(absl::string_view text);
  void AppendStar();

  bool Matches(absl::string_view text) const;
  bool has_wildcard() const { return pieces_.size() > 1; }

  // For messages and audit lines: the pattern with each wildcard as '*' and
  // each literal '*' or '\' backslash-escaped, so the two stay distinct.
  std::string ToString() const;

  bool operator==(const GlobPattern& other) const {
    return pieces_ == other.pieces_;
  }

 private:
  // pieces_[0] '*' pieces_[1] '*' ... : never empty; one piece means an
  // exact match.
  std::vector<std::string> pieces_;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_GLOB_H_
