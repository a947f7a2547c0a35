#include "server/api/token_request.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/api/unknown_tenant.h"
#include "server/observability/logging.h"
#include "server/wire/status_mapping.h"

namespace tokend {
namespace {

// A request's not_before: a valid Timestamp, rounded up to whole seconds
// (nbf is a NumericDate) so the token is never valid earlier than asked.
// Whether the profile can carry it and that it is before the expiry are
// checked by core.
absl::StatusOr<absl::Time> NotBeforeFromProto(
    const google::protobuf::Timestamp& t, absl::string_view field) {
  constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31
  if (t.seconds() < 0 || t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return Error(Reason::kInvalidArgument,
                 "must be a valid timestamp after 1970", field);
  }
  return absl::FromUnixSeconds(t.seconds() + (t.nanos() > 0 ? 1 : 0));
}

}  // namespace

// Core reports request problems of Issue (a TTL over the maximum, ...) with
// token reasons whose default code is UNAUTHENTICATED; the request is at
// fault, so they become INVALID_ARGUMENT.
absl::Status AsRequestError(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kUnauthenticated) return status;
  const std::string field = GetField(status);
  return AsTokenInputError(status, field.empty() ? "ttl" : field);
}

std::string SubjectString(const v1::Subject& subject) {
  switch (subject.kind_case()) {
    case v1::Subject::kUserId:
      return subject.user_id();
    case v1::Subject::kUid:
      return subject.uid() == 0 ? std::string() : absl::StrCat(subject.uid());
    case v1::Subject::kUserAccount:
      return subject.user_account();
    case v1::Subject::KIND_NOT_SET:
      break;
  }
  return "";
}

absl::Status Required(absl::string_view value, absl::string_view field) {
  if (!value.empty()) return absl::OkStatus();
  return Error(Reason::kInvalidArgument, absl::StrCat(field, " is required"),
               field);
}

absl::Status TokenSize(const CallContext& call, absl::string_view token) {
  const int64_t max = call.snapshot->config().limits.max_token_bytes;
  if (static_cast<int64_t>(token.size()) <= max) return absl::OkStatus();
  return ErrorWithCode(
      absl::StatusCode::kInvalidArgument, Reason::kTokenTooLarge,
      absl::StrCat("the token is ", token.size(), " bytes; the limit is ", max),
      "token");
}

// Resolves an IssueTokenRequest into core input (the policy has been
// checked by the caller).
absl::StatusOr<IssueInput> IssueInputFrom(const CallContext& call,
                                          absl::string_view tenant,
                                          const v1::IssueTokenRequest& request,
                                          absl::string_view field_prefix) {
  const absl::string_view profile = call.snapshot->ProfileOf(tenant);
  if (profile.empty()) {
    return UnknownTenant(*call.snapshot, tenant, &call.caller, Action::kIssue);
  }
  IssueInput input;
  input.subject = SubjectString(request.subject());
  absl::StatusOr<absl::Duration> ttl =
      TtlFromProto(request.ttl(), absl::StrCat(field_prefix, "ttl"));
  if (!ttl.ok()) return ttl.status();
  input.ttl = *ttl;
  if (request.has_not_before()) {
    absl::StatusOr<absl::Time> not_before = NotBeforeFromProto(
        request.not_before(), absl::StrCat(field_prefix, "not_before"));
    if (!not_before.ok()) return not_before.status();
    input.not_before = *not_before;
  }
  absl::StatusOr<Grants> grants = GrantsFromRequest(request, profile);
  if (!grants.ok()) return grants.status();
  input.grants = *std::move(grants);
  return input;
}

// An app-level token (Profile::IsAppLevel) needs the caller's
// issue_app_level right for the tenant, on top of `issue`.
absl::Status AuthorizeAppLevel(const CallContext& call, const Tenant& tenant,
                               const IssueInput& input) {
  if (!tenant.profile->IsAppLevel(input)) return absl::OkStatus();
  return call.snapshot->policy().Authorize(call.caller, Action::kIssueAppLevel,
                                           tenant.name);
}

// The same for a token that exists: its verified subject and grants.
absl::Status AuthorizeAppLevel(const CallContext& call, const Tenant& tenant,
                               const TokenInfo& info) {
  IssueInput input;
  input.subject = info.subject;
  input.grants = info.grants;
  return AuthorizeAppLevel(call, tenant, input);
}

void AuditIssue(absl::string_view action, const CallContext& call,
                absl::string_view tenant, const TokenInfo& info) {
  log::Audit(action, {{"request_id", call.request_id},
                      {"caller", call.caller.Describe()},
                      {"tenant", tenant},
                      {"subject", info.subject},
                      {"token_id", info.token_id},
                      {"expires_at", log::UtcSeconds(info.expires_at)}});
}

}  // namespace tokend
