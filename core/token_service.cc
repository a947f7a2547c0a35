#include "core/token_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/cache/verified_token_cache.h"
#include "core/reason.h"
#include "core/revocation/revocation.h"
#include "core/token_facts.h"

namespace tokend {

void TokenService::SetTenants(std::shared_ptr<const TenantSet> tenants) {
  tenants_.store(std::move(tenants), std::memory_order_release);
}

std::shared_ptr<const TenantSet> TokenService::tenants() const {
  return tenants_.load(std::memory_order_acquire);
}

void TokenService::SetRevocationChecker(
    std::shared_ptr<const RevocationChecker> checker) {
  revocation_.store(std::move(checker), std::memory_order_release);
}

absl::StatusOr<const Tenant*> TokenService::FindTenant(const TenantSet& set,
                                                       absl::string_view name) {
  if (name.empty()) {
    return Error(Reason::kInvalidArgument, "tenant is required", "tenant");
  }
  const Tenant* tenant = set.Find(name);
  if (tenant == nullptr) {
    // The name comes from the caller; it is not secret.
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("unknown tenant '", name, "'"), "tenant");
  }
  return tenant;
}

bool TokenService::Revoked(const Tenant& tenant, const TokenInfo& info) const {
  std::shared_ptr<const RevocationChecker> checker =
      revocation_.load(std::memory_order_acquire);
  return checker != nullptr &&
         checker->IsRevoked(tenant.name, info.token_id, info.subject,
                            info.earliest_issue.value_or(info.issued_at));
}

absl::StatusOr<TokenInfo> TokenService::Checked(
    const Tenant& tenant, absl::StatusOr<TokenInfo> minted,
    absl::Time now) const {
  if (!minted.ok() || !Revoked(tenant, *minted)) return minted;
  std::shared_ptr<const RevocationChecker> checker =
      revocation_.load(std::memory_order_acquire);
  absl::Time retry_at = FirstUncoveredIssue(
      checker->RevokedThrough(tenant.name, minted->subject));
  if (minted->earliest_issue.has_value()) {
    // Such a token counts as issued at its earliest possible issue time,
    // which trails the real one by a fixed gap.
    retry_at += minted->issued_at - *minted->earliest_issue;
    return Error(
        Reason::kUnavailable,
        absl::StrCat("this subject or its tenant was revoked, and this token "
                     "format carries no issue time, so the revocation covers "
                     "every such token that can have been issued before it: "
                     "retry in ",
                     absl::ToInt64Seconds(absl::Ceil(
                         std::max(retry_at - now, absl::ZeroDuration()),
                         absl::Seconds(1))),
                     " s, or issue a format with an issue time"));
  }
  std::string when = "retry";
  if (retry_at > now && retry_at != absl::InfiniteFuture()) {
    when = absl::StrCat("retry in ",
                        absl::ToInt64Milliseconds(
                            absl::Ceil(retry_at - now, absl::Milliseconds(1))),
                        " ms");
  }
  // The subject is the caller's own input; the token is not echoed.
  return Error(Reason::kUnavailable,
               absl::StrCat("this subject or its tenant was revoked within "
                            "the current second, which covers any token "
                            "issued in it: ",
                            when));
}

absl::Status TokenService::IssuingAllowed() const {
  std::shared_ptr<const RevocationChecker> checker =
      revocation_.load(std::memory_order_acquire);
  return checker != nullptr ? checker->IssuingAllowed() : absl::OkStatus();
}

absl::StatusOr<TokenInfo> TokenService::Issue(absl::string_view tenant_name,
                                              const IssueInput& input) const {
  std::shared_ptr<const TenantSet> set = tenants();
  absl::StatusOr<const Tenant*> tenant = FindTenant(*set, tenant_name);
  if (!tenant.ok()) return tenant.status();
  return Issue(**tenant, input);
}

absl::StatusOr<TokenInfo> TokenService::Issue(const Tenant& tenant,
                                              const IssueInput& input) const {
  if (absl::Status allowed = IssuingAllowed(); !allowed.ok()) return allowed;
  const Profile& profile = *tenant.profile;
  if (input.not_before != absl::InfinitePast() && !profile.CarriesNotBefore()) {
    return Error(
        Reason::kInvalidArgument,
        absl::StrCat(profile.name(), " tokens cannot carry not_before"),
        "not_before");
  }
  const absl::Time now = clock_.Now();
  return Checked(tenant, profile.Issue(input, now), now);
}

absl::StatusOr<TokenInfo> TokenService::Verify(
    absl::string_view tenant_name, absl::string_view token,
    const VerifyExpectations& expect) const {
  std::shared_ptr<const TenantSet> set = tenants();
  absl::StatusOr<const Tenant*> tenant = FindTenant(*set, tenant_name);
  if (!tenant.ok()) return tenant.status();
  return Verify(**tenant, token, expect);
}

absl::StatusOr<TokenInfo> TokenService::VerifyThroughCache(
    const Tenant& tenant, absl::string_view token,
    const VerifyExpectations& expect, absl::Time now, bool* revoked) const {
  *revoked = false;
  const Profile& profile = *tenant.profile;
  if (tenant.verify_cache == nullptr || !profile.SupportsAuthenticate()) {
    absl::StatusOr<TokenInfo> info = profile.Verify(token, expect, now);
    if (info.ok()) *revoked = Revoked(tenant, *info);
    return info;
  }
  // As Verify does: expectations the profile cannot honour are refused
  // before the token is looked at.
  if (absl::Status request = profile.CheckRequest(expect); !request.ok()) {
    return request;
  }
  VerifiedTokenCache& cache = *tenant.verify_cache;
  if (std::shared_ptr<const VerifiedToken> hit =
          cache.Lookup(token, profile, now)) {
    // The signature was checked when it was stored; the clock and the
    // call's expectations are checked again on every hit.
    absl::StatusOr<TokenInfo> info = profile.Check(*hit, expect, now);
    if (info.ok()) *revoked = Revoked(tenant, *info);
    return info;
  }
  absl::StatusOr<VerifiedToken> verified = profile.Authenticate(token);
  if (!verified.ok()) return verified.status();
  auto shared = std::make_shared<const VerifiedToken>(*std::move(verified));
  absl::StatusOr<TokenInfo> info = profile.Check(*shared, expect, now);
  if (!info.ok()) return info;
  *revoked = Revoked(tenant, *info);
  // Only tokens that pass in full are stored: failures are never cached.
  if (!*revoked) cache.Insert(token, tenant.profile, std::move(shared), now);
  return info;
}

absl::StatusOr<TokenInfo> TokenService::Verify(
    const Tenant& tenant, absl::string_view token,
    const VerifyExpectations& expect) const {
  bool revoked = false;
  absl::StatusOr<TokenInfo> info =
      VerifyThroughCache(tenant, token, expect, clock_.Now(), &revoked);
  if (!info.ok()) return info.status();
  if (revoked) {
    return WithTokenFacts(
        Error(Reason::kRevoked,
              absl::StrCat("token ", info->token_id, " is revoked")),
        {info->token_id, info->issued_at, info->expires_at});
  }
  return info;
}

absl::StatusOr<TokenInfo> TokenService::Renew(absl::string_view tenant_name,
                                              absl::string_view token,
                                              absl::Duration ttl) const {
  std::shared_ptr<const TenantSet> set = tenants();
  absl::StatusOr<const Tenant*> found = FindTenant(*set, tenant_name);
  if (!found.ok()) return found.status();
  return Renew(**found, token, ttl);
}

absl::StatusOr<TokenInfo> TokenService::Renew(const Tenant& tenant,
                                              absl::string_view token,
                                              absl::Duration ttl) const {
  const absl::Time now = clock_.Now();
  VerifyExpectations expect;
  expect.expiry_grace = tenant.renew_grace;
  bool revoked = false;
  absl::StatusOr<TokenInfo> current =
      VerifyThroughCache(tenant, token, expect, now, &revoked);
  if (!current.ok()) return current.status();
  return RefreshFor(tenant, *current, ttl, now, revoked);
}

absl::StatusOr<TokenInfo> TokenService::Refresh(absl::string_view tenant_name,
                                                const TokenInfo& current,
                                                absl::Duration ttl) const {
  std::shared_ptr<const TenantSet> set = tenants();
  absl::StatusOr<const Tenant*> found = FindTenant(*set, tenant_name);
  if (!found.ok()) return found.status();
  return Refresh(**found, current, ttl);
}

absl::StatusOr<TokenInfo> TokenService::Refresh(const Tenant& tenant,
                                                const TokenInfo& current,
                                                absl::Duration ttl) const {
  return RefreshFor(tenant, current, ttl, clock_.Now(), std::nullopt);
}

absl::StatusOr<TokenInfo> TokenService::RefreshFor(
    const Tenant& tenant, const TokenInfo& current, absl::Duration ttl,
    absl::Time now, std::optional<bool> revoked) const {
  if (revoked.has_value() ? *revoked : Revoked(tenant, current)) {
    return Error(Reason::kRevoked,
                 absl::StrCat("token ", current.token_id, " is revoked"));
  }
  if (absl::Status allowed = IssuingAllowed(); !allowed.ok()) return allowed;

  IssueInput input;
  input.subject = current.subject;
  input.grants = current.grants;
  input.ttl = ttl;
  input.session_started = current.session_started;
  if (tenant.session_cap == absl::InfiniteDuration()) {
    return Checked(tenant, tenant.profile->Issue(input, now), now);
  }
  const absl::Time session_end = current.session_started + tenant.session_cap;
  // Token times are whole seconds: a session with under a second left
  // cannot carry a token.
  const absl::Duration remaining =
      absl::Floor(session_end - now, absl::Seconds(1));
  if (remaining < absl::Seconds(1)) {
    return Error(Reason::kSessionLimit,
                 absl::StrCat("session of token ", current.token_id,
                              " reached its cap of ",
                              absl::FormatDuration(tenant.session_cap)));
  }
  absl::StatusOr<TokenInfo> renewed = tenant.profile->Issue(input, now);
  if (!renewed.ok() || renewed->expires_at <= session_end) {
    return Checked(tenant, std::move(renewed), now);
  }
  // Only the last renewal of a session gets here: shorten it to end with
  // the session rather than outlive the cap.
  input.ttl = remaining;
  return Checked(tenant, tenant.profile->Issue(input, now), now);
}

}  // namespace tokend
