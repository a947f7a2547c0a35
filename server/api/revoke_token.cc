#include "server/api/revoke_token.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/api/token_request.h"
#include "server/api/unknown_tenant.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/runtime/revocations.h"
#include "server/wire/proto_time.h"
#include "server/wire/status_mapping.h"

namespace tokend {

absl::Status DoRevokeToken(const TokenService& core, const Clock& clock,
                           const CallContext& call,
                           const v1::RevokeTokenRequest& request,
                           RevokePlan* plan) {
  const std::string& tenant = request.tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok()) {
    status =
        call.snapshot->policy().Authorize(call.caller, Action::kRevoke, tenant);
  }
  const Tenant* t = call.snapshot->tenants()->Find(tenant);
  if (status.ok() && t == nullptr) {
    status =
        UnknownTenant(*call.snapshot, tenant, &call.caller, Action::kRevoke);
  }
  if (!status.ok()) return status;

  const absl::Time now = clock.Now();
  // The entry lives as long as a token it affects can still be accepted:
  // the tenant's max TTL + leeway + renew grace (server/revocations.h).
  Revocation entry;
  entry.tenant = tenant;
  entry.revoked_at = now;
  entry.expires_at = now + RevocationLifetime(call.snapshot->config(), tenant);
  std::string what;
  std::string subject;
  std::string token_id;
  switch (request.target_case()) {
    case v1::RevokeTokenRequest::kTokenId:
      status = Required(request.token_id(), "token_id");
      token_id = request.token_id();
      entry.kind = Revocation::Kind::kTokenId;
      entry.value = token_id;
      what = "token_id";
      break;
    case v1::RevokeTokenRequest::kSubject:
      subject = request.subject();
      status = Required(subject, "subject");
      entry.kind = Revocation::Kind::kSubject;
      entry.value = subject;
      what = "subject";
      break;
    case v1::RevokeTokenRequest::kWholeTenant:
      if (!request.whole_tenant()) {
        status = Error(Reason::kInvalidArgument, "must be true when set",
                       "whole_tenant");
      }
      entry.kind = Revocation::Kind::kTenant;
      what = "tenant";
      break;
    case v1::RevokeTokenRequest::kToken: {
      status = TokenSize(call, request.token());
      VerifyExpectations expect;
      expect.expiry_grace = t->renew_grace;
      absl::StatusOr<TokenInfo> info =
          status.ok() ? core.Verify(*t, request.token(), expect)
                      : absl::StatusOr<TokenInfo>(status);
      if (info.ok() && info->token_id.empty()) {
        // No jti (a livekit-server-sdk token, a generic JWT without one):
        // nothing names this token alone. Say what can be revoked instead
        // rather than store an entry that matches nothing.
        status = ErrorWithCode(
            absl::StatusCode::kFailedPrecondition, Reason::kInvalidArgument,
            info->subject.empty()
                ? "the token carries no id (jti) and no subject: only "
                  "whole_tenant revokes it"
                : "the token carries no id (jti): revoke its subject (every "
                  "token of that subject issued before now) or the whole "
                  "tenant",
            "token");
      } else if (info.ok()) {
        token_id = info->token_id;
        subject = info->subject;
        entry.kind = Revocation::Kind::kTokenId;
        entry.value = token_id;
      } else if (GetReason(info.status()) == Reason::kRevoked ||
                 GetReason(info.status()) == Reason::kTokenExpired) {
        plan->nothing_left = true;
      } else {
        status = AsTokenInputError(info.status(), "token");
      }
      what = "token";
      break;
    }
    case v1::RevokeTokenRequest::TARGET_NOT_SET:
      status = Error(Reason::kInvalidArgument,
                     "one of token_id, subject, whole_tenant or token is "
                     "required",
                     "target");
      break;
  }
  if (!status.ok()) return status;
  plan->what = std::move(what);
  plan->subject = std::move(subject);
  plan->token_id = std::move(token_id);
  plan->reason = request.reason();
  plan->entry = std::move(entry);
  return absl::OkStatus();
}

absl::Status FinishRevoke(const CallContext& call, const RevokePlan& outcome,
                          const absl::Status& store,
                          v1::RevokeTokenResponse* response) {
  const std::string& tenant = outcome.entry.tenant;
  // Enforced by this replica whatever the store said, unless refused.
  if (store.ok() || store.code() == absl::StatusCode::kUnavailable ||
      store.code() == absl::StatusCode::kDeadlineExceeded) {
    Metrics::Get().Revoked(tenant);
    Metrics::Get().RevocationAdded(RevocationKindName(outcome.entry.kind),
                                   "local");
  }
  log::Audit("revoke", {{"request_id", call.request_id},
                        {"caller", call.caller.Describe()},
                        {"tenant", tenant},
                        {"target", outcome.what},
                        {"subject", outcome.subject},
                        {"token_id", outcome.token_id},
                        {"reason", outcome.reason},
                        {"durable", store.ok() ? "yes" : "no"}});
  if (store.code() == absl::StatusCode::kUnavailable) {
    // Enforced by this replica and queued, but not durable (nor shared)
    // until the store takes it: the caller must know.
    return ErrorWithCode(
        absl::StatusCode::kUnavailable, Reason::kUnavailable,
        absl::StrCat("the revocation is enforced by this tokend "
                     "but not yet durable: the revocation store "
                     "is unavailable (",
                     StatusDetail(store),
                     "); it is retried until the store takes "
                     "it; repeat RevokeToken to confirm"));
  }
  if (!store.ok()) return store;
  ToProto(outcome.entry.revoked_at, response->mutable_revoked_at());
  ToProto(outcome.entry.expires_at, response->mutable_entry_expires_at());
  return absl::OkStatus();
}

}  // namespace tokend
