#include "core/identity/template.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

absl::Status Denied(absl::string_view path_text, absl::string_view why) {
  return Error(Reason::kPermissionDenied, absl::StrCat(path_text, " ", why),
               path_text);
}

}  // namespace

absl::StatusOr<std::string> SubstitutionText(const json::Value* value,
                                             absl::string_view path_text) {
  if (value == nullptr) return Denied(path_text, "is missing");
  std::string text;
  if (value->is_string()) {
    text = value->as_string();
  } else if (value->is_int()) {
    text = absl::StrCat(value->as_int());
  } else {
    return Denied(path_text, "is not a string or an integer");
  }
  if (text.empty()) return Denied(path_text, "is empty");
  if (text.size() > kMaxSubstitutionBytes) {
    return Denied(path_text, absl::StrCat("is longer than ",
                                          kMaxSubstitutionBytes, " bytes"));
  }
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Denied(path_text, "contains a control character");
    }
  }
  return text;
}

absl::StatusOr<Template> Template::Compile(absl::string_view text,
                                           absl::string_view field) {
  if (text.size() > kMaxTemplateBytes) {
    return Error(
        Reason::kInvalidArgument,
        absl::StrCat("template is longer than ", kMaxTemplateBytes, " bytes"),
        field);
  }
  Template out;
  out.text_ = std::string(text);
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    if (open == absl::string_view::npos) {
      out.parts_.emplace_back(std::string(text.substr(i)));
      break;
    }
    if (open > i)
      out.parts_.emplace_back(std::string(text.substr(i, open - i)));
    const size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("template has \"{{\" at offset ", open,
                                " without a closing \"}}\""),
                   field);
    }
    absl::string_view inner =
        absl::StripAsciiWhitespace(text.substr(open + 2, close - open - 2));
    if (inner.empty()) {
      return Error(
          Reason::kInvalidArgument,
          absl::StrCat("template has an empty reference at offset ", open),
          field);
    }
    absl::StatusOr<ClaimPath> path = ParseClaimPath(inner, field);
    if (!path.ok()) return path.status();
    out.parts_.emplace_back(*std::move(path));
    i = close + 2;
  }
  return out;
}

bool Template::is_literal() const {
  for (const Part& part : parts_) {
    if (std::holds_alternative<ClaimPath>(part)) return false;
  }
  return true;
}

template <typename LiteralFn, typename ValueFn>
absl::Status Template::Expand(const EvalContext& context, LiteralFn literal,
                              ValueFn value) const {
  size_t total = 0;
  for (const Part& part : parts_) {
    if (const std::string* text = std::get_if<std::string>(&part)) {
      total += text->size();
      literal(*text);
      continue;
    }
    const ClaimPath& path = std::get<ClaimPath>(part);
    absl::StatusOr<std::string> substituted =
        SubstitutionText(Lookup(context, path), path.text);
    if (!substituted.ok()) return substituted.status();
    total += substituted->size();
    if (total > kMaxRenderedBytes) {
      return Error(Reason::kPermissionDenied,
                   absl::StrCat("rendering \"", text_, "\" is longer than ",
                                kMaxRenderedBytes, " bytes"),
                   path.text);
    }
    value(*substituted);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Template::Render(const EvalContext& context) const {
  std::string out;
  auto append = [&out](absl::string_view piece) {
    out.append(piece.data(), piece.size());
  };
  absl::Status status = Expand(context, append, append);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<GlobPattern> Template::RenderPattern(
    const EvalContext& context) const {
  GlobPattern out;
  // The template's own text: its '*' are wildcards.
  auto literal_text = [&out](absl::string_view piece) {
    out.AppendConfig(piece);
  };
  // A substituted claim value: always literal, whatever it contains.
  auto substituted = [&out](absl::string_view piece) {
    out.AppendLiteral(piece);
  };
  absl::Status status = Expand(context, literal_text, substituted);
  if (!status.ok()) return status;
  return out;
}

}  // namespace tokend::identity
