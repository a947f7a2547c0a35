#include "core/identity/spiffe_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

constexpr absl::string_view kScheme = "spiffe://";

bool IsTrustDomainChar(char c) {
  return absl::ascii_islower(static_cast<unsigned char>(c)) ||
         absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.' ||
         c == '-' || c == '_';
}

bool IsPathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '-' || c == '_';
}

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return Error(Reason::kBadClaim, absl::StrCat("not a SPIFFE ID: ", why),
               field);
}

}  // namespace

std::string SpiffeId::ToString() const {
  return absl::StrCat(kScheme, trust_domain, path);
}

bool IsValidTrustDomain(absl::string_view trust_domain) {
  if (trust_domain.empty() || trust_domain.size() > 255) return false;
  for (char c : trust_domain) {
    if (!IsTrustDomainChar(c)) return false;
  }
  return true;
}

absl::StatusOr<SpiffeId> ParseSpiffeId(absl::string_view text,
                                       absl::string_view field) {
  if (text.size() > kMaxSpiffeIdBytes) {
    return Bad(field,
               absl::StrCat("longer than ", kMaxSpiffeIdBytes, " bytes"));
  }
  if (!absl::StartsWith(text, kScheme)) {
    return Bad(field, "the scheme must be spiffe:// (lower case)");
  }
  absl::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  SpiffeId id;
  id.trust_domain = std::string(rest.substr(0, slash));
  if (!IsValidTrustDomain(id.trust_domain)) {
    return Bad(field,
               "the trust domain must be non-empty lower-case letters, "
               "digits, '.', '-' or '_' (no port or user info)");
  }
  if (slash == absl::string_view::npos) return id;
  absl::string_view path = rest.substr(slash);
  // Segment by segment: "/" then at least one path character.
  size_t i = 0;
  while (i < path.size()) {
    // path[i] == '/'
    const size_t start = i + 1;
    size_t end = start;
    while (end < path.size() && path[end] != '/') {
      if (!IsPathChar(path[end])) {
        return Bad(field,
                   "path segments hold only letters, digits, '.', '-' and "
                   "'_' (no query, fragment or percent-encoding)");
      }
      ++end;
    }
    const absl::string_view segment = path.substr(start, end - start);
    if (segment.empty()) {
      return Bad(field, "the path has an empty segment or a trailing '/'");
    }
    if (segment == "." || segment == "..") {
      return Bad(field, "the path has a '.' or '..' segment");
    }
    i = end;
  }
  id.path = std::string(path);
  return id;
}

}  // namespace tokend::identity
