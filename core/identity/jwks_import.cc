#include "core/identity/jwks_import.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/crypto/key.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"

namespace tokend::identity {
namespace {

constexpr size_t kMaxJwksTextBytes = 16 << 20;
constexpr size_t kMaxJwksDepth = 16;
constexpr size_t kMaxReportedKidBytes = 64;

std::string ShortKid(absl::string_view kid) {
  return absl::CHexEscape(kid.substr(0, kMaxReportedKidBytes));
}

std::optional<Algorithm> FirstOf(const std::vector<Algorithm>& algorithms,
                                 bool (*fits)(Algorithm)) {
  for (Algorithm alg : algorithms) {
    if (fits(alg)) return alg;
  }
  return std::nullopt;
}

bool IsRsaFamily(Algorithm alg) {
  return FamilyOf(alg) == KeyFamily::kRsa ||
         FamilyOf(alg) == KeyFamily::kRsaPss;
}
bool IsHmacFamily(Algorithm alg) { return FamilyOf(alg) == KeyFamily::kHmac; }

struct Candidate {
  size_t index;
  std::shared_ptr<const Key> key;
};

}  // namespace

std::string DescribeSkipped(const SkippedKey& skipped) {
  return absl::StrCat("keys[", skipped.index, "] (kid \"", skipped.kid,
                      "\"): ", ReasonName(skipped.reason), ": ",
                      skipped.detail);
}

absl::StatusOr<ImportedJwks> ImportForeignJwks(
    absl::string_view text, const JwksImportOptions& options) {
  if (options.algorithms.empty()) {
    return Error(Reason::kInvalidArgument, "no algorithm is allowed",
                 "algorithms");
  }
  json::ParseLimits limits;
  limits.max_bytes = kMaxJwksTextBytes;
  limits.max_depth = kMaxJwksDepth;
  absl::StatusOr<json::Object> root = json::ParseObject(text, limits);
  if (!root.ok()) {
    return Error(Reason::kKeySetInvalid,
                 absl::StrCat("the JWK Set is not a strict JSON object (",
                              ReasonName(GetReason(root.status())), ")"));
  }
  const json::Value* keys = root->Find("keys");
  if (keys == nullptr || !keys->is_array()) {
    return Error(Reason::kKeySetInvalid, "the JWK Set has no \"keys\" array",
                 "keys");
  }

  ImportedJwks out;
  if (options.spiffe_bundle) {
    const json::Value* hint = root->Find("spiffe_refresh_hint");
    if (hint != nullptr && hint->is_int() && hint->as_int() > 0) {
      out.refresh_hint = absl::Seconds(hint->as_int());
    }
  }
  auto skip = [&out](size_t index, absl::string_view kid, Reason reason,
                     std::string detail) {
    out.skipped.push_back({index, ShortKid(kid), reason, std::move(detail)});
  };

  const std::optional<Algorithm> rsa_default =
      FirstOf(options.algorithms, IsRsaFamily);
  const std::optional<Algorithm> hmac_default =
      FirstOf(options.algorithms, IsHmacFamily);

  std::vector<Candidate> accepted;
  const json::Array& entries = keys->as_array();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i == kMaxJwksEntries) {
      skip(i, "", Reason::kKeySetInvalid,
           absl::StrCat(entries.size() - i, " entries past the first ",
                        kMaxJwksEntries, " were not read"));
      break;
    }
    if (!entries[i].is_object()) {
      skip(i, "", Reason::kKeyInvalid, "the entry is not an object");
      continue;
    }
    const json::Object* jwk = &entries[i].as_object();
    const json::Value* kid_value = jwk->Find("kid");
    const std::string kid = kid_value != nullptr && kid_value->is_string()
                                ? kid_value->as_string()
                                : "";
    const json::Value* kty_value = jwk->Find("kty");
    const std::string kty = kty_value != nullptr && kty_value->is_string()
                                ? kty_value->as_string()
                                : "";

    json::Object spiffe_copy;
    if (options.spiffe_bundle) {
      const json::Value* use = jwk->Find("use");
      if (use != nullptr && use->is_string() &&
          use->as_string() == "x509-svid") {
        skip(i, kid, Reason::kKeyUseInvalid,
             "an X.509-SVID authority, not a JWT-SVID key");
        continue;
      }
      if (use != nullptr && use->is_string() &&
          use->as_string() == "jwt-svid") {
        spiffe_copy = *jwk;
        spiffe_copy.Set("use", "sig");
        jwk = &spiffe_copy;
      }
    }

    if (kty == "oct" && !options.allow_symmetric) {
      skip(i, kid, Reason::kAlgNotAllowed,
           "symmetric (oct) keys are accepted only from a JWKS file of an "
           "issuer that allows HS* algorithms");
      continue;
    }
    JwkOptions jwk_options;
    jwk_options.allow_private = false;
    if (kty == "RSA") jwk_options.default_alg = rsa_default;
    if (kty == "oct") jwk_options.default_alg = hmac_default;
    absl::StatusOr<std::shared_ptr<const Key>> key =
        KeyFromJwk(*jwk, jwk_options);
    if (!key.ok()) {
      skip(i, kid, GetReason(key.status()),
           std::string(key.status().message()));
      continue;
    }
    if (std::find(options.algorithms.begin(), options.algorithms.end(),
                  (*key)->alg()) == options.algorithms.end()) {
      skip(i, kid, Reason::kAlgNotAllowed,
           absl::StrCat("the key is for ", AlgorithmName((*key)->alg()),
                        ", which this issuer does not allow"));
      continue;
    }
    accepted.push_back({i, *std::move(key)});
  }

  // Ambiguity: a kid shared by several keys, or several keys without one.
  std::map<std::string, int> count_by_kid;
  for (const Candidate& c : accepted) ++count_by_kid[c.key->kid()];
  std::vector<std::shared_ptr<const Key>> usable;
  for (const Candidate& c : accepted) {
    if (count_by_kid[c.key->kid()] > 1) {
      skip(c.index, c.key->kid(), Reason::kKeySetInvalid,
           c.key->kid().empty()
               ? "several keys have no kid: which one signs is ambiguous"
               : "several keys share this kid: which one signs is ambiguous");
      continue;
    }
    usable.push_back(c.key);
  }
  std::sort(out.skipped.begin(), out.skipped.end(),
            [](const SkippedKey& a, const SkippedKey& b) {
              return a.index < b.index;
            });

  if (usable.empty()) {
    std::string why =
        entries.empty() ? "the set has no keys" : "no key in the set is usable";
    for (size_t i = 0; i < out.skipped.size() && i < 3; ++i) {
      absl::StrAppend(&why, i == 0 ? ": " : "; ",
                      DescribeSkipped(out.skipped[i]));
    }
    return Error(Reason::kKeySetInvalid, why, "keys");
  }
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(usable));
  if (!set.ok()) {
    return Error(Reason::kKeySetInvalid,
                 absl::StrCat("the JWK Set is not a valid key set: ",
                              set.status().message()),
                 "keys");
  }
  out.keys = *std::move(set);
  return out;
}

}  // namespace tokend::identity
