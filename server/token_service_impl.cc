#include "server/token_service_impl.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/call_gate.h"
#include "server/grants.h"
#include "server/holding_writer.h"
#include "server/logging.h"
#include "server/metrics.h"
#include "server/proto_time.h"
#include "server/status_mapping.h"
#include "server/struct_json.h"

namespace tokend {
namespace {

constexpr char kIssue[] = "IssueToken";
constexpr char kVerify[] = "VerifyToken";
constexpr char kRenew[] = "RenewToken";
constexpr char kRevoke[] = "RevokeToken";
constexpr char kSubscribe[] = "SubscribeToken";

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context,
                               const CallContext& call,
                               const grpc::Status& status) {
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

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
    case v1::Subject::kUserId: return subject.user_id();
    case v1::Subject::kUid:
      return subject.uid() == 0 ? std::string() : absl::StrCat(subject.uid());
    case v1::Subject::kUserAccount: return subject.user_account();
    case v1::Subject::KIND_NOT_SET: break;
  }
  return "";
}

absl::Status Required(absl::string_view value, absl::string_view field) {
  if (!value.empty()) return absl::OkStatus();
  return Error(Reason::kInvalidArgument, absl::StrCat(field, " is required"),
               field);
}

absl::Status TokenSize(const CallContext& call, absl::string_view token) {
  const int64_t max = call.runtime->config().limits.max_token_bytes;
  if (static_cast<int64_t>(token.size()) <= max) return absl::OkStatus();
  return ErrorWithCode(absl::StatusCode::kInvalidArgument,
                       Reason::kTokenTooLarge,
                       absl::StrCat("the token is ", token.size(),
                                    " bytes; the limit is ", max),
                       "token");
}

// Resolves an IssueTokenRequest into core input (the policy has been
// checked by the caller).
absl::StatusOr<IssueInput> IssueInputFrom(const CallContext& call,
                                          absl::string_view tenant,
                                          const v1::IssueTokenRequest& request,
                                          absl::string_view field_prefix) {
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  if (profile.empty()) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("unknown tenant '", tenant, "'"), "tenant");
  }
  IssueInput input;
  input.subject = SubjectString(request.subject());
  absl::StatusOr<absl::Duration> ttl =
      TtlFromProto(request.ttl(), absl::StrCat(field_prefix, "ttl"));
  if (!ttl.ok()) return ttl.status();
  input.ttl = *ttl;
  if (request.has_not_before()) {
    return Error(Reason::kInvalidArgument,
                 "not_before is not supported by this server yet",
                 absl::StrCat(field_prefix, "not_before"));
  }
  absl::StatusOr<Grants> grants = GrantsFromRequest(request, profile);
  if (!grants.ok()) return grants.status();
  input.grants = *std::move(grants);
  return input;
}

void AuditIssue(absl::string_view action, const CallContext& call,
                absl::string_view tenant, const TokenInfo& info) {
  log::Audit(action,
             {{"caller", call.caller.Describe()},
              {"tenant", tenant},
              {"subject", info.subject},
              {"token_id", info.token_id},
              {"expires_at", absl::FormatTime(absl::RFC3339_sec, info.expires_at,
                                              absl::UTCTimeZone())}});
}

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

}  // namespace

grpc::ServerUnaryReactor* TokenServiceImpl::IssueToken(
    grpc::CallbackServerContext* context, const v1::IssueTokenRequest* request,
    v1::IssueTokenResponse* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kIssue, &call); !s.ok()) {
    return Done(context, call, s);
  }
  const std::string& tenant = request->tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok()) {
    status = call.runtime->policy().Authorize(call.caller, Action::kIssue, tenant);
  }
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));
  absl::StatusOr<IssueInput> input = IssueInputFrom(call, tenant, *request, "");
  if (!input.ok()) return Done(context, call, ToGrpcStatus(input.status()));
  absl::StatusOr<TokenInfo> info = state_.core().Issue(tenant, *input);
  if (!info.ok()) {
    return Done(context, call, ToGrpcStatus(AsRequestError(info.status())));
  }
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  FillIssued(*info, tenant, profile, call.runtime->tenants()->Find(tenant),
             response);
  Metrics::Get().TokenIssued(tenant, profile);
  AuditIssue("issue", call, tenant, *info);
  return Done(context, call, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TokenServiceImpl::VerifyToken(
    grpc::CallbackServerContext* context, const v1::VerifyTokenRequest* request,
    v1::VerifyTokenResponse* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kVerify, &call); !s.ok()) {
    return Done(context, call, s);
  }
  const std::string& tenant = request->tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok()) status = Required(request->token(), "token");
  if (status.ok()) {
    status =
        call.runtime->policy().Authorize(call.caller, Action::kVerify, tenant);
  }
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  if (status.ok() && profile.empty()) {
    status = Error(Reason::kInvalidArgument,
                   absl::StrCat("unknown tenant '", tenant, "'"), "tenant");
  }
  VerifyExpectations expect;
  const v1::VerifyExpectations& e = request->expectations();
  if (!e.audience().empty()) expect.audience = e.audience();
  if (!e.channel().empty()) expect.channel = e.channel();
  if (e.has_subject()) expect.account = SubjectString(e.subject());
  if (status.ok() && e.agora_privileges_size() > 0) {
    status = Error(Reason::kInvalidArgument,
                   "agora_privileges are not supported by this server yet",
                   "expectations.agora_privileges");
  }
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));

  response->set_tenant(tenant);
  response->set_profile(ProfileToProto(profile));
  const absl::Status size = TokenSize(call, request->token());
  absl::StatusOr<TokenInfo> info =
      size.ok() ? state_.core().Verify(tenant, request->token(), expect)
                : absl::StatusOr<TokenInfo>(size);
  if (!info.ok()) {
    const Reason reason = GetReason(info.status());
    response->set_valid(false);
    response->set_reason(std::string(ReasonName(reason)));
    // Core details never contain token bytes (core/reason.h).
    response->set_detail(std::string(info.status().message()));
    Metrics::Get().Verified(tenant, profile, ReasonName(reason));
    return Done(context, call, grpc::Status::OK);
  }
  response->set_valid(true);
  response->set_token_id(info->token_id);
  response->set_subject(info->subject);
  ToProto(info->issued_at, response->mutable_issued_at());
  ToProto(info->expires_at, response->mutable_expires_at());
  JsonToStruct(info->claims, response->mutable_claims());
  GrantsToResponse(info->grants, response);
  Metrics::Get().Verified(tenant, profile, "OK");
  return Done(context, call, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TokenServiceImpl::RenewToken(
    grpc::CallbackServerContext* context, const v1::RenewTokenRequest* request,
    v1::RenewTokenResponse* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kRenew, &call); !s.ok()) {
    return Done(context, call, s);
  }
  const std::string& tenant = request->tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok()) status = Required(request->token(), "token");
  if (status.ok()) {
    status = call.runtime->policy().Authorize(call.caller, Action::kIssue, tenant);
  }
  if (status.ok()) status = TokenSize(call, request->token());
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));
  absl::StatusOr<absl::Duration> ttl = TtlFromProto(request->ttl(), "ttl");
  if (!ttl.ok()) return Done(context, call, ToGrpcStatus(ttl.status()));
  absl::StatusOr<TokenInfo> info =
      state_.core().Renew(tenant, request->token(), *ttl);
  if (!info.ok()) {
    return Done(context, call,
                ToGrpcStatus(AsTokenInputError(info.status(), "token")));
  }
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  FillIssued(*info, tenant, profile, call.runtime->tenants()->Find(tenant),
             response);
  Metrics::Get().TokenIssued(tenant, profile);
  AuditIssue("renew", call, tenant, *info);
  return Done(context, call, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TokenServiceImpl::RevokeToken(
    grpc::CallbackServerContext* context, const v1::RevokeTokenRequest* request,
    v1::RevokeTokenResponse* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kRevoke, &call); !s.ok()) {
    return Done(context, call, s);
  }
  const std::string& tenant = request->tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok()) {
    status =
        call.runtime->policy().Authorize(call.caller, Action::kRevoke, tenant);
  }
  const Tenant* t = call.runtime->tenants()->Find(tenant);
  if (status.ok() && t == nullptr) {
    status = Error(Reason::kInvalidArgument,
                   absl::StrCat("unknown tenant '", tenant, "'"), "tenant");
  }
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));

  const absl::Time now = state_.clock().Now();
  // No token of the tenant can outlive this: its maximum TTL (from now, as
  // it was issued before now) plus the renewal grace.
  absl::Duration max_ttl = absl::Hours(24);
  for (const TenantConfig& tc : call.runtime->config().tenants) {
    if (tc.name == tenant) max_ttl = tc.max_ttl;
  }
  const absl::Time entry_expiry = now + max_ttl + t->renew_grace;
  std::string what;
  std::string subject;
  std::string token_id;
  switch (request->target_case()) {
    case v1::RevokeTokenRequest::kTokenId:
      status = Required(request->token_id(), "token_id");
      token_id = request->token_id();
      if (status.ok()) {
        state_.revocations().RevokeToken(tenant, token_id, entry_expiry, now);
      }
      what = "token_id";
      break;
    case v1::RevokeTokenRequest::kSubject:
      subject = request->subject();
      state_.revocations().RevokeSubject(tenant, subject, now);
      what = "subject";
      break;
    case v1::RevokeTokenRequest::kWholeTenant:
      if (!request->whole_tenant()) {
        status = Error(Reason::kInvalidArgument, "must be true when set",
                       "whole_tenant");
      } else {
        state_.revocations().RevokeTenant(tenant, now);
      }
      what = "tenant";
      break;
    case v1::RevokeTokenRequest::kToken: {
      status = TokenSize(call, request->token());
      VerifyExpectations expect;
      expect.expiry_grace = t->renew_grace;
      absl::StatusOr<TokenInfo> info =
          status.ok() ? state_.core().Verify(tenant, request->token(), expect)
                      : absl::StatusOr<TokenInfo>(status);
      if (info.ok()) {
        token_id = info->token_id;
        subject = info->subject;
        state_.revocations().RevokeToken(tenant, token_id,
                                         info->expires_at + t->renew_grace,
                                         now);
      } else if (GetReason(info.status()) != Reason::kRevoked &&
                 GetReason(info.status()) != Reason::kTokenExpired) {
        // Already revoked or past use: nothing left to do.
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
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));
  ToProto(now, response->mutable_revoked_at());
  ToProto(entry_expiry, response->mutable_entry_expires_at());
  Metrics::Get().Revoked(tenant);
  log::Audit("revoke", {{"caller", call.caller.Describe()},
                        {"tenant", tenant},
                        {"target", what},
                        {"subject", subject},
                        {"token_id", token_id},
                        {"reason", request->reason()}});
  return Done(context, call, grpc::Status::OK);
}

grpc::ServerWriteReactor<v1::TokenEvent>* TokenServiceImpl::SubscribeToken(
    grpc::CallbackServerContext* context,
    const v1::SubscribeTokenRequest* request) {
  CallContext call;
  auto refuse = [&](const grpc::Status& s) {
    RecordRpc(call, s);
    return new RefusedWriter<v1::TokenEvent>(s);
  };
  if (grpc::Status s = Admit(state_, *context, kSubscribe, &call); !s.ok()) {
    return refuse(s);
  }
  std::string tenant = request->tenant();
  if (tenant.empty() && request->has_spec()) tenant = request->spec().tenant();
  absl::Status status = Required(tenant, "tenant");
  if (status.ok() && request->has_spec() && !request->spec().tenant().empty() &&
      request->spec().tenant() != tenant) {
    status = Error(Reason::kInvalidArgument, "must equal tenant",
                   "spec.tenant");
  }
  if (status.ok()) {
    status = call.runtime->policy().Authorize(call.caller, Action::kIssue, tenant);
  }
  if (status.ok() &&
      request->source_case() == v1::SubscribeTokenRequest::SOURCE_NOT_SET) {
    status = Error(Reason::kInvalidArgument,
                   "one of spec or current_token is required", "source");
  }
  const size_t max_streams =
      static_cast<size_t>(call.runtime->config().limits.max_streams);
  if (status.ok() && !state_.streams().HasRoom(max_streams)) {
    status = Error(Reason::kResourceExhausted, "too many open streams");
  }
  if (!status.ok()) return refuse(ToGrpcStatus(status));

  v1::TokenEvent event;
  absl::StatusOr<TokenInfo> info;
  if (request->has_spec()) {
    absl::StatusOr<IssueInput> input =
        IssueInputFrom(call, tenant, request->spec(), "spec.");
    if (!input.ok()) return refuse(ToGrpcStatus(input.status()));
    info = state_.core().Issue(tenant, *input);
    if (!info.ok()) return refuse(ToGrpcStatus(AsRequestError(info.status())));
    event.set_reason(v1::EVENT_REASON_INITIAL);
    AuditIssue("issue", call, tenant, *info);
    Metrics::Get().TokenIssued(tenant, call.runtime->ProfileOf(tenant));
  } else {
    status = TokenSize(call, request->current_token());
    info = status.ok()
               ? state_.core().Verify(tenant, request->current_token(), {})
               : absl::StatusOr<TokenInfo>(status);
    if (!info.ok()) {
      return refuse(
          ToGrpcStatus(AsTokenInputError(info.status(), "current_token")));
    }
    event.set_reason(v1::EVENT_REASON_RESUMED);
  }
  event.set_token(info->token);
  event.set_token_id(info->token_id);
  ToProto(info->issued_at, event.mutable_issued_at());
  ToProto(info->expires_at, event.mutable_expires_at());
  const RenewalConfig& renewal = call.runtime->config().renewal;
  const double fraction = std::clamp(
      request->has_refresh_fraction() ? request->refresh_fraction()
                                      : renewal.refresh_fraction,
      renewal.min_refresh_fraction, renewal.max_refresh_fraction);
  const absl::Duration lifetime = info->expires_at - info->issued_at;
  absl::Time next = info->issued_at + lifetime * fraction;
  next = std::min(next, info->expires_at - std::min(renewal.min_lead,
                                                    lifetime / 2));
  ToProto(next, event.mutable_next_refresh_at());
  event.set_sequence(1);
  if (const Tenant* t = call.runtime->tenants()->Find(tenant);
      t != nullptr && t->session_cap != absl::InfiniteDuration() &&
      info->session_started != absl::InfinitePast()) {
    ToProto(info->session_started + t->session_cap,
            event.mutable_session_expires_at());
  }
  // Streams are counted as handled when they are accepted; their end is
  // visible in tokend_active_streams.
  auto* writer = new HoldingWriter<v1::TokenEvent>(&state_.streams(), kSubscribe,
                                                   std::move(event));
  if (!state_.streams().Add(writer, 0)) {
    // Shutdown began after Admit: end it like every other stream.
    writer->End(ToGrpcStatus(Error(Reason::kUnavailable, "tokend is shutting down")));
  }
  RecordRpc(call, grpc::Status::OK);
  return writer;
}

}  // namespace tokend
