// What the TokenService handlers (DoIssueToken, DoRenewToken,
// DoRevokeToken, DoSubscribeToken, ...) share: the request field checks,
// the IssueTokenRequest-to-core conversion, the app-level right, the
// issued-token response and its audit line. Pure functions; they run on
// the calling gRPC thread (or a test's) and never block.
#ifndef TOKEND_SERVER_API_TOKEN_REQUEST_H_
#define TOKEND_SERVER_API_TOKEN_REQUEST_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/token_service.h"
#include "server/api/call_gate.h"
#include "server/wire/grants_proto.h"
#include "server/wire/proto_time.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

// kInvalidArgument naming `field` when `value` is empty.
absl::Status Required(absl::string_view value, absl::string_view field);

// kInvalidArgument / TOKEN_TOO_LARGE (field "token") over the snapshot's
// limits.max_token_bytes.
absl::Status TokenSize(const CallContext& call, absl::string_view token);

// The subject of a request as core sees it ("" when unset).
std::string SubjectString(const v1::Subject& subject);

// Core reports request problems of Issue (a TTL over the maximum, ...) with
// token reasons whose default code is UNAUTHENTICATED; the request is at
// fault, so they become INVALID_ARGUMENT.
absl::Status AsRequestError(const absl::Status& status);

// Resolves an IssueTokenRequest into core input (the caller has checked the
// policy). An unknown tenant is refused naming the ones the caller may
// use; field names carry `field_prefix` ("spec." in SubscribeToken).
absl::StatusOr<IssueInput> IssueInputFrom(const CallContext& call,
                                          absl::string_view tenant,
                                          const v1::IssueTokenRequest& request,
                                          absl::string_view field_prefix);

// An app-level token (Profile::IsAppLevel) needs the caller's
// issue_app_level right for the tenant, on top of `issue`.
absl::Status AuthorizeAppLevel(const CallContext& call, const Tenant& tenant,
                               const IssueInput& input);
// The same for a token that exists: its verified subject and grants.
absl::Status AuthorizeAppLevel(const CallContext& call, const Tenant& tenant,
                               const TokenInfo& info);

// The audit line of an issued token: never the token, its id.
void AuditIssue(absl::string_view action, const CallContext& call,
                absl::string_view tenant, const TokenInfo& info);

// Fills an Issue/RenewTokenResponse from a minted token; `t` (may be null)
// gives the session cap.
template <typename Response>
void FillIssued(const TokenInfo& info, absl::string_view tenant,
                absl::string_view profile, const Tenant* t,
                Response* response) {
  response->set_token(info.token);
  response->set_token_id(info.token_id);
  ToProto(info.issued_at, response->mutable_issued_at());
  ToProto(info.expires_at, response->mutable_expires_at());
  response->set_tenant(std::string(tenant));
  response->set_profile(ProfileToProto(profile));
  if (t != nullptr && t->session_cap != absl::InfiniteDuration() &&
      info.session_started != absl::InfinitePast()) {
    ToProto(info.session_started + t->session_cap,
            response->mutable_session_expires_at());
  }
}

}  // namespace tokend

#endif  // TOKEND_SERVER_API_TOKEN_REQUEST_H_
