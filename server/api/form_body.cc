#include "server/api/form_body.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/reason.h"

namespace tokend {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A name for error messages: printable ASCII only, at most 40 characters
// (a name is the client's input; it never holds a token, but may hold
// anything).
std::string Printable(absl::string_view name) {
  std::string out;
  for (char c : name.substr(0, 40)) {
    out.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?');
  }
  return out;
}

}  // namespace

std::optional<std::string> FormDecode(absl::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (size_t i = 0; i < component.size(); ++i) {
    const char c = component[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= component.size()) return std::nullopt;
      const int hi = HexValue(component[i + 1]);
      const int lo = HexValue(component[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<FormBody> FormBody::Parse(absl::string_view body) {
  FormBody form;
  for (absl::string_view pair : absl::StrSplit(body, '&')) {
    if (pair.empty()) continue;
    if (form.pairs_.size() == kMaxPairs) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("more than ", kMaxPairs, " parameters"),
                   "body");
    }
    const size_t eq = pair.find('=');
    const absl::string_view raw_name = pair.substr(0, eq);
    const absl::string_view raw_value = eq == absl::string_view::npos
                                            ? absl::string_view()
                                            : pair.substr(eq + 1);
    std::optional<std::string> name = FormDecode(raw_name);
    if (!name.has_value()) {
      return Error(Reason::kInvalidArgument,
                   "a parameter name has bad percent-encoding", "body");
    }
    const std::string field = Printable(*name);
    std::optional<std::string> value = FormDecode(raw_value);
    if (!value.has_value()) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(field, ": bad percent-encoding"), field);
    }
    for (unsigned char c : *name) {
      if (c < 0x20 || c == 0x7f) {
        return Error(Reason::kInvalidArgument,
                     "a parameter name contains a control character", "body");
      }
    }
    for (unsigned char c : *value) {
      if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
        return Error(Reason::kInvalidArgument,
                     absl::StrCat(field, ": contains a control character"),
                     field);
      }
    }
    form.pairs_.emplace_back(*std::move(name), *std::move(value));
  }
  return form;
}

absl::StatusOr<std::optional<std::string>> FormBody::Single(
    absl::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [n, v] : pairs_) {
    if (n != name) continue;
    if (found.has_value()) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(name, ": repeated (at most once)"), name);
    }
    found = v;
  }
  return found;
}

std::vector<std::string> FormBody::All(absl::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : pairs_) {
    if (n == name) out.push_back(v);
  }
  return out;
}

}  // namespace tokend
