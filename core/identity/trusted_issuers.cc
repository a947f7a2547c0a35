#include "core/identity/trusted_issuers.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/identity/spiffe_id.h"
#include "core/identity/token_peek.h"
#include "core/reason.h"

namespace tokend::identity {

absl::StatusOr<std::shared_ptr<const TrustedIssuers>> TrustedIssuers::Create(
    std::vector<IssuerSpec> specs, const IssuerDeps& deps) {
  if (deps.clock == nullptr) {
    return Error(Reason::kInvalidArgument, "issuers need a clock");
  }
  std::shared_ptr<TrustedIssuers> out(new TrustedIssuers());
  Fetcher* file_fetcher = deps.file;
  if (file_fetcher == nullptr) {
    out->own_file_fetcher_ = std::make_unique<FileFetcher>();
    file_fetcher = out->own_file_fetcher_.get();
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    IssuerSpec& spec = specs[i];
    const std::string prefix = absl::StrCat("issuers[", i, "]");
    absl::Status valid = ValidateIssuerSpec(spec, prefix);
    if (!valid.ok()) return valid;
    if (out->by_name_.contains(spec.name)) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("another issuer is named ", spec.name),
                   absl::StrCat(prefix, ".name"));
    }
    if (!spec.issuer.empty() && out->by_iss_.contains(spec.issuer)) {
      return Error(Reason::kInvalidArgument,
                   "another issuer has the same iss: a token could not say "
                   "which one's rules apply",
                   absl::StrCat(prefix, ".issuer"));
    }
    if (spec.kind == IssuerKind::kSpiffe && spec.issuer.empty() &&
        out->by_trust_domain_.contains(spec.trust_domain)) {
      return Error(Reason::kInvalidArgument,
                   "another spiffe issuer without iss has this trust domain",
                   absl::StrCat(prefix, ".trust_domain"));
    }
    Fetcher* fetcher =
        spec.keys.kind == KeySourceKind::kJwksFile ? file_fetcher : deps.http;
    if (fetcher == nullptr) {
      return Error(Reason::kInvalidArgument,
                   "no HTTP fetcher is available for this key source",
                   absl::StrCat(prefix, ".keys"));
    }
    spec.keys.issuer = spec.issuer;
    JwksImportOptions import;
    import.algorithms = spec.algorithms;
    import.allow_symmetric = IsSymmetric(spec.algorithms.front());
    import.spiffe_bundle = spec.kind == IssuerKind::kSpiffe;
    std::shared_ptr<RemoteKeySet> keys;
    if (deps.reuse && deps.file != nullptr) {
      keys = deps.reuse(spec.name, spec.keys, import, spec.refresh);
    }
    if (keys == nullptr) {
      keys = std::make_shared<RemoteKeySet>(spec.name, spec.keys, import,
                                            spec.refresh, *fetcher, *deps.clock,
                                            deps.uniform);
    }
    out->max_token_bytes_ =
        std::max(out->max_token_bytes_, spec.max_token_bytes);
    absl::StatusOr<std::unique_ptr<TrustedIssuer>> issuer =
        TrustedIssuer::Create(std::move(spec), std::move(keys));
    if (!issuer.ok()) return issuer.status();
    const TrustedIssuer* raw = issuer->get();
    out->by_name_.emplace(raw->spec().name, raw);
    if (!raw->spec().issuer.empty()) {
      out->by_iss_.emplace(raw->spec().issuer, raw);
    } else {
      out->by_trust_domain_.emplace(raw->spec().trust_domain, raw);
    }
    out->issuers_.push_back(*std::move(issuer));
  }
  return std::shared_ptr<const TrustedIssuers>(std::move(out));
}

absl::StatusOr<const TrustedIssuer*> TrustedIssuers::Select(
    absl::string_view token) const {
  if (issuers_.empty()) {
    return Error(Reason::kIssuerMismatch, "no issuer is trusted", "iss");
  }
  absl::StatusOr<TokenPeek> peek = PeekToken(token, max_token_bytes_);
  if (!peek.ok()) return peek.status();
  if (peek->iss.has_value()) {
    auto it = by_iss_.find(*peek->iss);
    if (it == by_iss_.end()) {
      // The value is not echoed: it is the token's, and unverified.
      return Error(Reason::kIssuerMismatch, "iss names no trusted issuer",
                   "iss");
    }
    return it->second;
  }
  if (peek->sub.has_value() && absl::StartsWith(*peek->sub, "spiffe://")) {
    absl::StatusOr<SpiffeId> id = ParseSpiffeId(*peek->sub, "sub");
    if (id.ok()) {
      auto it = by_trust_domain_.find(id->trust_domain);
      if (it != by_trust_domain_.end()) return it->second;
    }
    return Error(Reason::kIssuerMismatch,
                 "the token has no iss and its SPIFFE trust domain is not "
                 "trusted",
                 "iss");
  }
  return Error(Reason::kIssuerMismatch,
               "the token has no iss (and is not a JWT-SVID of a trusted "
               "trust domain)",
               "iss");
}

absl::StatusOr<VerifiedIdentity> TrustedIssuers::Verify(absl::string_view token,
                                                        absl::Time now) const {
  absl::StatusOr<const TrustedIssuer*> issuer = Select(token);
  if (!issuer.ok()) return issuer.status();
  return (*issuer)->Verify(token, now);
}

const TrustedIssuer* TrustedIssuers::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<RemoteKeySet>> TrustedIssuers::key_sets() const {
  std::vector<std::shared_ptr<RemoteKeySet>> out;
  for (const auto& issuer : issuers_) out.push_back(issuer->keys());
  return out;
}

bool TrustedIssuers::Ready() const {
  for (const auto& issuer : issuers_) {
    if (issuer->spec().required_for_readiness &&
        issuer->keys()->Snapshot() == nullptr) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> TrustedIssuers::ReadinessLines(absl::Time now) const {
  std::vector<std::string> out;
  for (const auto& issuer : issuers_) {
    std::string line = ReadinessLine(issuer->keys()->Status(), now);
    if (!issuer->spec().required_for_readiness) {
      absl::StrAppend(&line, " [optional]");
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<KeySetStatus> TrustedIssuers::Statuses() const {
  std::vector<KeySetStatus> out;
  for (const auto& issuer : issuers_) out.push_back(issuer->keys()->Status());
  return out;
}

}  // namespace tokend::identity
