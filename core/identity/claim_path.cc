#include "core/identity/claim_path.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

bool IsBareNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-';
}

absl::Status Bad(absl::string_view field, absl::string_view text,
                 absl::string_view why) {
  return Error(
      Reason::kInvalidArgument,
      absl::StrCat("claim path \"", absl::CHexEscape(text), "\" ", why), field);
}

}  // namespace

absl::StatusOr<ClaimPath> ParseClaimPath(absl::string_view text,
                                         absl::string_view field) {
  if (text.size() > kMaxClaimPathBytes) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("claim path is longer than ", kMaxClaimPathBytes,
                              " bytes"),
                 field);
  }
  ClaimPath path;
  path.text = std::string(text);
  size_t i = 0;
  while (i < text.size() && IsBareNameChar(text[i])) ++i;
  path.root = std::string(text.substr(0, i));
  if (path.root != "claims" && path.root != "k8s" && path.root != "spiffe") {
    return Bad(field, text, "must start with claims, k8s or spiffe");
  }
  while (i < text.size()) {
    if (path.segments.size() == kMaxClaimPathSegments) {
      return Bad(
          field, text,
          absl::StrCat("has more than ", kMaxClaimPathSegments, " names"));
    }
    if (text[i] == '.') {
      const size_t start = ++i;
      while (i < text.size() && IsBareNameChar(text[i])) ++i;
      if (i == start) {
        return Bad(field, text,
                   "has an empty or non-bare name after '.' (quote it: "
                   "[\"name\"])");
      }
      path.segments.emplace_back(text.substr(start, i - start));
    } else if (text[i] == '[') {
      if (i + 1 >= text.size() || text[i + 1] != '"') {
        return Bad(field, text, "has '[' not followed by '\"'");
      }
      const size_t start = i + 2;
      size_t end = start;
      while (end < text.size() && text[end] != '"' && text[end] != '\\') ++end;
      if (end >= text.size() || text[end] != '"' || end + 1 >= text.size() ||
          text[end + 1] != ']') {
        return Bad(field, text,
                   "has a quoted name that is not closed by \"] (no '\\' "
                   "escapes)");
      }
      if (end == start) return Bad(field, text, "has an empty quoted name");
      path.segments.emplace_back(text.substr(start, end - start));
      i = end + 2;
    } else {
      return Bad(field, text,
                 absl::StrCat("has an unexpected character at offset ", i));
    }
  }
  if (path.segments.empty()) {
    return Bad(field, text, "names no member of its root");
  }
  return path;
}

const json::Value* Lookup(const EvalContext& context, const ClaimPath& path) {
  const json::Object* object = nullptr;
  if (path.root == "claims") {
    object = context.claims;
  } else if (context.attributes != nullptr) {
    const json::Value* root = context.attributes->Find(path.root);
    if (root != nullptr && root->is_object()) object = &root->as_object();
  }
  const json::Value* value = nullptr;
  for (const std::string& name : path.segments) {
    if (object == nullptr) return nullptr;
    value = object->Find(name);
    if (value == nullptr) return nullptr;
    object = value->is_object() ? &value->as_object() : nullptr;
  }
  return value;
}

}  // namespace tokend::identity
