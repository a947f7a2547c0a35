#include "core/identity/glob.h"

namespace tokend::identity {

GlobPattern GlobPattern::FromConfig(absl::string_view text) {
  GlobPattern pattern;
  pattern.AppendConfig(text);
  return pattern;
}

void GlobPattern::AppendConfig(absl::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '*') continue;
    AppendLiteral(text.substr(start, i - start));
    AppendStar();
    start = i + 1;
  }
  AppendLiteral(text.substr(start));
}

void GlobPattern::AppendLiteral(absl::string_view text) {
  pieces_.back().append(text.data(), text.size());
}

void GlobPattern::AppendStar() { pieces_.emplace_back(); }

bool GlobPattern::Matches(absl::string_view text) const {
  if (pieces_.size() == 1) return text == pieces_.front();
  const std::string& first = pieces_.front();
  const std::string& last = pieces_.back();
  if (text.size() < first.size() + last.size()) return false;
  if (text.substr(0, first.size()) != first) return false;
  if (text.substr(text.size() - last.size()) != last) return false;
  // The middle pieces, each placed as far left as it goes, between the
  // prefix and the suffix (which may not overlap them).
  absl::string_view rest =
      text.substr(first.size(), text.size() - first.size() - last.size());
  for (size_t i = 1; i + 1 < pieces_.size(); ++i) {
    const size_t at = rest.find(pieces_[i]);
    if (at == absl::string_view::npos) return false;
    rest.remove_prefix(at + pieces_[i].size());
  }
  return true;
}

std::string GlobPattern::ToString() const {
  std::string out;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    if (i > 0) out.push_back('*');
    for (char c : pieces_[i]) {
      if (c == '*' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace tokend::identity
