#include "core/identity/trusted_issuer.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/identity/kubernetes_claims.h"
#include "core/identity/spiffe_id.h"
#include "core/identity/token_peek.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

std::string UnknownKidDetail(const std::string& issuer,
                             RemoteKeySet::KidMissResult miss, absl::Time now) {
  std::string head =
      absl::StrCat("no key of issuer ", issuer, " has this kid; ");
  switch (miss.action) {
    case RemoteKeySet::KidMiss::kFetchScheduled:
      return absl::StrCat(head, "its keys are being fetched again");
    case RemoteKeySet::KidMiss::kFetchDeferred:
      return absl::StrCat(head, "its keys will be fetched again in ",
                          absl::FormatDuration(absl::Ceil(miss.fetch_at - now,
                                                          absl::Seconds(1))),
                          " (rate limit)");
    case RemoteKeySet::KidMiss::kAlreadyPending:
      return absl::StrCat(head, "a fetch of its keys is already planned");
    case RemoteKeySet::KidMiss::kNegativelyCached:
      return absl::StrCat(head,
                          "a recent fetch of its keys did not find it either");
  }
  return head;
}

}  // namespace

TrustedIssuer::TrustedIssuer(IssuerSpec spec,
                             std::shared_ptr<RemoteKeySet> keys)
    : spec_(std::move(spec)), keys_(std::move(keys)) {
  if (!spec_.issuer.empty()) policy_.issuer = spec_.issuer;
  policy_.audiences = spec_.audiences;
  policy_.typ = spec_.typ;
  policy_.leeway = spec_.leeway;
  policy_.require_exp = true;
  policy_.max_lifetime = spec_.max_token_lifetime;
  policy_.max_token_bytes = spec_.max_token_bytes;
}

absl::StatusOr<std::unique_ptr<TrustedIssuer>> TrustedIssuer::Create(
    IssuerSpec spec, std::shared_ptr<RemoteKeySet> keys) {
  if (keys == nullptr) {
    return Error(Reason::kInvalidArgument, "an issuer needs a key set");
  }
  std::vector<ClaimPath> required;
  for (size_t i = 0; i < spec.required_claims.size(); ++i) {
    absl::StatusOr<ClaimPath> path = ParseClaimPath(
        spec.required_claims[i], absl::StrCat("required_claims[", i, "]"));
    if (!path.ok()) return path.status();
    required.push_back(*std::move(path));
  }
  std::unique_ptr<TrustedIssuer> issuer(
      new TrustedIssuer(std::move(spec), std::move(keys)));
  issuer->required_claims_ = std::move(required);
  return issuer;
}

absl::Status TrustedIssuer::CheckAudiences(const VerifiedJwt& jwt) const {
  // VerifyJwt has already required at least one accepted audience.
  switch (spec_.audience_match) {
    case AudienceMatch::kAny:
      return absl::OkStatus();
    case AudienceMatch::kSingle:
      if (jwt.audiences.size() == 1) return absl::OkStatus();
      return Error(Reason::kAudienceMismatch,
                   absl::StrCat("the token names ", jwt.audiences.size(),
                                " audiences; issuer ", spec_.name,
                                " accepts single-audience tokens only "
                                "(audience_match: single)"),
                   "aud");
    case AudienceMatch::kAll:
      for (const std::string& aud : jwt.audiences) {
        if (!absl::c_linear_search(spec_.audiences, aud)) {
          return Error(Reason::kAudienceMismatch,
                       absl::StrCat("the token also names an audience that "
                                    "issuer ",
                                    spec_.name,
                                    " does not accept (audience_match: all)"),
                       "aud");
        }
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status TrustedIssuer::CheckKind(VerifiedIdentity& identity,
                                      const JoseHeader& header) const {
  switch (spec_.kind) {
    case IssuerKind::kOidc:
      return absl::OkStatus();
    case IssuerKind::kKubernetes: {
      absl::StatusOr<json::Object> k8s = KubernetesAttributes(
          identity.claims, identity.subject, spec_.require_bound_pod);
      if (!k8s.ok()) return k8s.status();
      identity.attributes.Set("k8s", *std::move(k8s));
      return absl::OkStatus();
    }
    case IssuerKind::kSpiffe: {
      // JWT-SVID §2.3: typ, when present, is JWT or JOSE; §2: no other
      // header than alg, kid and typ (cty is the one the core would pass).
      if (!header.typ.empty() && !TypMatches(header.typ, "JWT") &&
          !absl::EqualsIgnoreCase(header.typ, "JOSE")) {
        return Error(Reason::kTypeMismatch, "a JWT-SVID's typ is JWT or JOSE",
                     "typ");
      }
      if (!header.cty.empty()) {
        return Error(Reason::kUnsupportedHeader,
                     "a JWT-SVID carries no cty header", "cty");
      }
      absl::StatusOr<SpiffeId> id = ParseSpiffeId(identity.subject, "sub");
      if (!id.ok()) return id.status();
      if (id->trust_domain != spec_.trust_domain) {
        return Error(
            Reason::kBadClaim,
            absl::StrCat("sub is not in trust domain ", spec_.trust_domain),
            "sub");
      }
      if (id->path.empty()) {
        return Error(Reason::kBadClaim,
                     "sub names the trust domain itself, not a workload",
                     "sub");
      }
      json::Object spiffe;
      spiffe.Set("id", identity.subject);
      spiffe.Set("trust_domain", id->trust_domain);
      spiffe.Set("path", id->path);
      identity.attributes.Set("spiffe", std::move(spiffe));
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifiedIdentity> TrustedIssuer::Verify(absl::string_view token,
                                                       absl::Time now) const {
  std::shared_ptr<const KeySet> keys = keys_->Snapshot();
  if (keys == nullptr) {
    return Error(Reason::kUnavailable,
                 absl::StrCat("the keys of issuer ", spec_.name,
                              " are not available (not fetched yet, or past "
                              "max_stale)"));
  }
  absl::StatusOr<VerifiedJwt> jwt = VerifyJwt(token, *keys, policy_, now);
  if (!jwt.ok() && GetReason(jwt.status()) == Reason::kUnknownKid) {
    // A fetch may have installed the key since the snapshot was taken.
    std::shared_ptr<const KeySet> fresh = keys_->Snapshot();
    if (fresh != nullptr && fresh != keys) {
      jwt = VerifyJwt(token, *fresh, policy_, now);
    }
  }
  if (!jwt.ok()) {
    if (GetReason(jwt.status()) != Reason::kUnknownKid) return jwt.status();
    absl::StatusOr<TokenPeek> peek = PeekToken(token, spec_.max_token_bytes);
    if (!peek.ok() || !peek->kid.has_value()) return jwt.status();
    const RemoteKeySet::KidMissResult miss = keys_->OnUnknownKid(*peek->kid);
    return Error(Reason::kUnknownKid, UnknownKidDetail(spec_.name, miss, now),
                 "kid");
  }

  // Keys for other algorithms were never imported, so this holds; kept as
  // a second line should an issuer's algorithms and keys ever disagree.
  if (std::find(spec_.algorithms.begin(), spec_.algorithms.end(),
                jwt->header.alg) == spec_.algorithms.end()) {
    return Error(Reason::kAlgNotAllowed,
                 absl::StrCat("issuer ", spec_.name, " does not use this alg"),
                 "alg");
  }
  absl::Status status = CheckAudiences(*jwt);
  if (!status.ok()) return status;
  if (jwt->subject.empty()) {
    return Error(Reason::kBadClaim, "sub is missing or empty", "sub");
  }

  absl::StatusOr<json::Object> claims = jwt->DecodeClaims();
  if (!claims.ok()) return claims.status();
  VerifiedIdentity identity;
  identity.issuer_name = spec_.name;
  identity.kind = spec_.kind;
  identity.issuer = std::move(jwt->issuer);
  identity.subject = std::move(jwt->subject);
  identity.audiences.assign(jwt->audiences.begin(), jwt->audiences.end());
  identity.issued_at = jwt->issued_at;
  identity.not_before = jwt->not_before;
  identity.expires_at = jwt->expires_at;
  identity.token_id = std::move(jwt->jti);
  identity.kid = std::move(jwt->kid);
  identity.alg = jwt->header.alg;
  identity.claims = *std::move(claims);

  status = CheckKind(identity, jwt->header);
  if (!status.ok()) return status;
  const EvalContext context = identity.Context();
  for (const ClaimPath& path : required_claims_) {
    if (Lookup(context, path) == nullptr) {
      return Error(Reason::kBadClaim,
                   absl::StrCat("required claim ", path.text, " is missing"),
                   path.text);
    }
  }
  return identity;
}

}  // namespace tokend::identity
