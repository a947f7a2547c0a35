// application/x-www-form-urlencoded bodies (the WHATWG URL standard's
// parser, strict where it is lenient): pairs split on '&', each
// "name=value" (no '=': an empty value), '+' is a space, "%XY" a byte.
// Stricter than browsers, so that a bad body is a clear error, never a
// guess: a '%' not followed by two hex digits, a decoded control character
// (other than tab, CR and LF: gRPC's StsCredentials sends its token file
// raw, trailing newline included) and more than kMaxPairs
// pairs are refused, each error naming the parameter. Empty pairs ("a&&b")
// are skipped, as the standard says. Plain data; any thread.
#ifndef TOKEND_SERVER_API_FORM_BODY_H_
#define TOKEND_SERVER_API_FORM_BODY_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend {

class FormBody {
 public:
  static constexpr size_t kMaxPairs = 64;

  // kInvalidArgument with the parameter as the field ("body" when the
  // name itself cannot be decoded).
  static absl::StatusOr<FormBody> Parse(absl::string_view body);

  // The value of a parameter that may appear at most once: nullopt when
  // absent, kInvalidArgument naming it when repeated (RFC 6749 §3.2).
  absl::StatusOr<std::optional<std::string>> Single(
      absl::string_view name) const;
  // Every value of a (repeatable) parameter, in order.
  std::vector<std::string> All(absl::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& pairs() const {
    return pairs_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Percent-decodes one form component ('+' is a space). nullopt when a '%'
// is not followed by two hex digits.
std::optional<std::string> FormDecode(absl::string_view component);

}  // namespace tokend

#endif  // TOKEND_SERVER_API_FORM_BODY_H_
