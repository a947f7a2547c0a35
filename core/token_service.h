// The vendor-neutral façade the server calls: Issue, Verify, Renew for a
// named tenant (looked up in the TenantSet set here) or for a Tenant the
// caller resolved from its own snapshot. It owns the cross-profile rules
// (tenant lookup, revocation checks, the session cap, the renewal grace) so
// every profile gets them identically.
//
// Thread-safety: all methods may be called concurrently from any thread.
// Readers take the current TenantSet and revocation snapshots through
// atomic shared_ptr loads and hold no lock.
#ifndef TOKEND_CORE_TOKEN_SERVICE_H_
#define TOKEND_CORE_TOKEN_SERVICE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/clock.h"
#include "core/profiles/profile.h"
#include "core/tenant_set.h"

namespace tokend {

// The seam the revocation stores implement (SQLite, Redis, in-memory).
// Implementations answer from memory: this is on the verify path.
class RevocationChecker {
 public:
  virtual ~RevocationChecker() = default;
  // True when the token id, or the subject for tokens issued at or before
  // the revocation, or the whole tenant, is revoked.
  virtual bool IsRevoked(absl::string_view tenant, absl::string_view token_id,
                         absl::string_view subject,
                         absl::Time issued_at) const = 0;
  // The latest revoked_at of the entries covering tokens of `subject` (its
  // own and its tenant's), InfinitePast when none: a token of the subject
  // issued at or before it is revoked. Tells a refused issue when to retry.
  virtual absl::Time RevokedThrough(absl::string_view tenant,
                                    absl::string_view subject) const {
    return absl::InfinitePast();
  }
  // OK while new tokens may be minted. A store that cannot make
  // revocations durable answers kUnavailable when it is configured
  // fail-closed; Issue, Renew and Refresh then refuse with that status
  // (after their revocation check), so renewal retries instead of ending.
  virtual absl::Status IssuingAllowed() const { return absl::OkStatus(); }
};

class TokenService {
 public:
  explicit TokenService(const Clock& clock) : clock_(clock) {}

  void SetTenants(std::shared_ptr<const TenantSet> tenants);
  std::shared_ptr<const TenantSet> tenants() const;
  void SetRevocationChecker(std::shared_ptr<const RevocationChecker> checker);

  // Issue, Renew and Refresh never hand out a token that the revocation
  // check would refuse. Token times are whole seconds, so for the rest of
  // the second in which a subject (or its tenant) was revoked, every token
  // issued for it is covered: those calls then fail kUnavailable (retry
  // after that second; RevokeToken answers only once it is over, see
  // RevocationService), never with a token that does not verify.
  //
  // Unknown tenant: kInvalidArgument on "tenant".
  absl::StatusOr<TokenInfo> Issue(absl::string_view tenant,
                                  const IssueInput& input) const;
  // Signature, claims, expectations, then revocation (kRevoked).
  absl::StatusOr<TokenInfo> Verify(absl::string_view tenant,
                                   absl::string_view token,
                                   const VerifyExpectations& expect) const;
  // Verifies (accepting up to the tenant's renew_grace past expiry), checks
  // revocation and the session cap (kSessionLimit), then issues a fresh
  // token with the same subject and grants and a new iat, exp and id. The
  // new token's expiry never passes the session cap. `ttl` zero: the
  // tenant default.
  absl::StatusOr<TokenInfo> Renew(absl::string_view tenant,
                                  absl::string_view token,
                                  absl::Duration ttl) const;

  // Re-issues from a token's verified state without re-verifying it: the
  // renewal scheduler holds the current TokenInfo (with the session start
  // it tracks itself, since Agora tokens cannot carry one). Checks
  // revocation (kRevoked) and the session cap (kSessionLimit) first.
  absl::StatusOr<TokenInfo> Refresh(absl::string_view tenant,
                                    const TokenInfo& current,
                                    absl::Duration ttl) const;

  // The same for a tenant the caller has already resolved, from its own
  // snapshot: a server call takes the tenant once from the one ConfigSnapshot
  // it admitted with, so a reload in the middle of the call cannot mix two
  // configurations. `tenant` must outlive the call.
  absl::StatusOr<TokenInfo> Issue(const Tenant& tenant,
                                  const IssueInput& input) const;
  absl::StatusOr<TokenInfo> Verify(const Tenant& tenant,
                                   absl::string_view token,
                                   const VerifyExpectations& expect) const;
  absl::StatusOr<TokenInfo> Renew(const Tenant& tenant, absl::string_view token,
                                  absl::Duration ttl) const;
  absl::StatusOr<TokenInfo> Refresh(const Tenant& tenant,
                                    const TokenInfo& current,
                                    absl::Duration ttl) const;

  const Clock& clock() const { return clock_; }

  // `name` in `set`: kInvalidArgument on "tenant" when it is empty or
  // unknown (what the by-name calls answer).
  static absl::StatusOr<const Tenant*> FindTenant(const TenantSet& set,
                                                  absl::string_view name);

 private:
  // The profile's verdict on `token`, through the tenant's verify cache
  // when it has one and the profile verifies in two phases. On success
  // *revoked is the revocation check's verdict on the token: the one check
  // of the call, made once on every path (a miss needs it to decide
  // whether to store the token), so callers do not check again.
  absl::StatusOr<TokenInfo> VerifyThroughCache(const Tenant& tenant,
                                               absl::string_view token,
                                               const VerifyExpectations& expect,
                                               absl::Time now,
                                               bool* revoked) const;
  bool Revoked(const Tenant& tenant, const TokenInfo& info) const;
  // `minted` unless the revocation check refuses it (see Issue).
  absl::StatusOr<TokenInfo> Checked(const Tenant& tenant,
                                    absl::StatusOr<TokenInfo> minted,
                                    absl::Time now) const;
  absl::Status IssuingAllowed() const;
  // `revoked`: the revocation verdict on `current` when the caller has
  // it already (Renew), so it is not asked twice; nullopt: ask.
  absl::StatusOr<TokenInfo> RefreshFor(const Tenant& tenant,
                                       const TokenInfo& current,
                                       absl::Duration ttl, absl::Time now,
                                       std::optional<bool> revoked) const;

  const Clock& clock_;
  std::atomic<std::shared_ptr<const TenantSet>> tenants_{
      std::make_shared<const TenantSet>()};
  std::atomic<std::shared_ptr<const RevocationChecker>> revocation_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_TOKEN_SERVICE_H_
