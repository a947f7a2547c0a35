#include "server/api/token_service_impl.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "core/status_macros.h"
#include "core/token_facts.h"
#include "server/api/call_gate.h"
#include "server/api/holding_writer.h"
#include "server/api/subscription_stream.h"
#include "server/api/unknown_tenant.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/runtime/revocations.h"
#include "server/wire/grants.h"
#include "server/wire/proto_time.h"
#include "server/wire/status_mapping.h"
#include "server/wire/struct_json.h"

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
  const int64_t max = call.runtime->config().limits.max_token_bytes;
  if (static_cast<int64_t>(token.size()) <= max) return absl::OkStatus();
  return ErrorWithCode(
      absl::StatusCode::kInvalidArgument, Reason::kTokenTooLarge,
      absl::StrCat("the token is ", token.size(), " bytes; the limit is ", max),
      "token");
}

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

// Resolves an IssueTokenRequest into core input (the policy has been
// checked by the caller).
absl::StatusOr<IssueInput> IssueInputFrom(const CallContext& call,
                                          absl::string_view tenant,
                                          const v1::IssueTokenRequest& request,
                                          absl::string_view field_prefix) {
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  if (profile.empty()) {
    return UnknownTenant(*call.runtime, tenant, &call.caller, Action::kIssue);
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
  return call.runtime->policy().Authorize(call.caller, Action::kIssueAppLevel,
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

// What a RevokeToken call needs to answer once the store has.
struct RevokeOutcome {
  CallContext call;
  std::string what;
  std::string subject;
  std::string token_id;
  std::string reason;
  Revocation entry;
};

// The call's deadline in real time; a call without one waits for the store
// as long as it takes (the revocation is enforced meanwhile).
absl::Time RevokeDeadline(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

// The audit line, the metrics and the answer for a revocation the store
// answered with `store` (OK for a target that is already gone). Runs on the
// revocation service's completion thread (or the call's, when nothing was
// written); must not block.
grpc::Status FinishRevoke(const RevokeOutcome& outcome,
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
  log::Audit("revoke", {{"request_id", outcome.call.request_id},
                        {"caller", outcome.call.caller.Describe()},
                        {"tenant", tenant},
                        {"target", outcome.what},
                        {"subject", outcome.subject},
                        {"token_id", outcome.token_id},
                        {"reason", outcome.reason},
                        {"durable", store.ok() ? "yes" : "no"}});
  if (store.code() == absl::StatusCode::kUnavailable) {
    // Enforced by this replica and queued, but not durable (nor shared)
    // until the store takes it: the caller must know.
    return ToGrpcStatus(
        ErrorWithCode(absl::StatusCode::kUnavailable, Reason::kUnavailable,
                      absl::StrCat("the revocation is enforced by this tokend "
                                   "but not yet durable: the revocation store "
                                   "is unavailable (",
                                   StatusDetail(store),
                                   "); it is retried until the store takes "
                                   "it; repeat RevokeToken to confirm")));
  }
  if (!store.ok()) return ToGrpcStatus(store);
  ToProto(outcome.entry.revoked_at, response->mutable_revoked_at());
  ToProto(outcome.entry.expires_at, response->mutable_entry_expires_at());
  return grpc::Status::OK;
}

}  // namespace

absl::Status DoIssueToken(const TokenService& core, const CallContext& call,
                          const v1::IssueTokenRequest& request,
                          v1::IssueTokenResponse* response) {
  const std::string& tenant = request.tenant();
  TOKEND_RETURN_IF_ERROR(Required(tenant, "tenant"));
  TOKEND_RETURN_IF_ERROR(
      call.runtime->policy().Authorize(call.caller, Action::kIssue, tenant));
  TOKEND_ASSIGN_OR_RETURN(IssueInput input,
                          IssueInputFrom(call, tenant, request, ""));
  // IssueInputFrom refused an unknown tenant; this is the call's one lookup.
  const Tenant& t = *call.runtime->tenants()->Find(tenant);
  TOKEND_RETURN_IF_ERROR(AuthorizeAppLevel(call, t, input));
  absl::StatusOr<TokenInfo> info = core.Issue(t, input);
  if (!info.ok()) return AsRequestError(info.status());
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  FillIssued(*info, tenant, profile, &t, response);
  Metrics::Get().TokenIssued(tenant, profile);
  AuditIssue("issue", call, tenant, *info);
  return absl::OkStatus();
}

absl::Status DoVerifyToken(const TokenService& core, const CallContext& call,
                           const v1::VerifyTokenRequest& request,
                           v1::VerifyTokenResponse* response) {
  const std::string& tenant = request.tenant();
  TOKEND_RETURN_IF_ERROR(Required(tenant, "tenant"));
  TOKEND_RETURN_IF_ERROR(Required(request.token(), "token"));
  TOKEND_RETURN_IF_ERROR(
      call.runtime->policy().Authorize(call.caller, Action::kVerify, tenant));
  // The call's one lookup of its tenant, in the snapshot it was admitted
  // with.
  const Tenant* t = call.runtime->tenants()->Find(tenant);
  if (t == nullptr) {
    return UnknownTenant(*call.runtime, tenant, &call.caller, Action::kVerify);
  }
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  VerifyExpectations expect;
  const v1::VerifyExpectations& e = request.expectations();
  if (!e.audience().empty()) expect.audience = e.audience();
  if (!e.channel().empty()) expect.channel = e.channel();
  if (e.has_subject()) expect.account = SubjectString(e.subject());
  if (e.agora_privileges_size() > 0) {
    if (profile != "agora") {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(profile, " tokens carry no Agora privileges"),
                   "expectations.agora_privileges");
    }
    TOKEND_ASSIGN_OR_RETURN(expect.privileges, AgoraPrivilegesFrom(e));
  }

  response->set_tenant(tenant);
  response->set_profile(ProfileToProto(profile));
  const absl::Status size = TokenSize(call, request.token());
  absl::StatusOr<TokenInfo> info =
      size.ok() ? core.Verify(*t, request.token(), expect)
                : absl::StatusOr<TokenInfo>(size);
  if (!info.ok()) {
    const Reason reason = GetReason(info.status());
    response->set_valid(false);
    response->set_reason(std::string(ReasonName(reason)));
    // Core details never contain token bytes (core/reason.h).
    response->set_detail(std::string(info.status().message()));
    // Only what a good signature vouches for (core/token_facts.h).
    if (std::optional<TokenFacts> facts = GetTokenFacts(info.status())) {
      response->set_token_id(facts->token_id);
      if (facts->issued_at != absl::InfinitePast()) {
        ToProto(facts->issued_at, response->mutable_issued_at());
      }
      if (facts->expires_at != absl::InfiniteFuture()) {
        ToProto(facts->expires_at, response->mutable_expires_at());
      }
    }
    Metrics::Get().Verified(tenant, profile, ReasonName(reason));
    return absl::OkStatus();
  }
  response->set_valid(true);
  response->set_token_id(info->token_id);
  response->set_subject(info->subject);
  // A token without iat (or exp) has no such time: left unset, as the proto
  // says, rather than sent as a year-minus-292-billion timestamp.
  if (info->issued_at != absl::InfinitePast()) {
    ToProto(info->issued_at, response->mutable_issued_at());
  }
  if (info->expires_at != absl::InfiniteFuture()) {
    ToProto(info->expires_at, response->mutable_expires_at());
  }
  JsonToStruct(info->claims, response->mutable_claims());
  GrantsToResponse(info->grants, response);
  Metrics::Get().Verified(tenant, profile, "OK");
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* TokenServiceImpl::IssueToken(
    grpc::CallbackServerContext* context, const v1::IssueTokenRequest* request,
    v1::IssueTokenResponse* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kIssue, &call); !s.ok()) {
    return Done(context, call, s);
  }
  return Done(
      context, call,
      ToGrpcStatus(DoIssueToken(state_.core(), call, *request, response)));
}

grpc::ServerUnaryReactor* TokenServiceImpl::VerifyToken(
    grpc::CallbackServerContext* context, const v1::VerifyTokenRequest* request,
    v1::VerifyTokenResponse* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kVerify, &call); !s.ok()) {
    return Done(context, call, s);
  }
  return Done(
      context, call,
      ToGrpcStatus(DoVerifyToken(state_.core(), call, *request, response)));
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
    status =
        call.runtime->policy().Authorize(call.caller, Action::kIssue, tenant);
  }
  if (status.ok()) status = TokenSize(call, request->token());
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));
  absl::StatusOr<absl::Duration> ttl = TtlFromProto(request->ttl(), "ttl");
  if (!ttl.ok()) return Done(context, call, ToGrpcStatus(ttl.status()));
  // The call's one lookup of its tenant, in the snapshot it was admitted
  // with (an unknown one answers as core's Renew by name would).
  absl::StatusOr<const Tenant*> t =
      TokenService::FindTenant(*call.runtime->tenants(), tenant);
  absl::StatusOr<TokenInfo> info =
      t.ok() ? state_.core().Renew(**t, request->token(), *ttl)
             : absl::StatusOr<TokenInfo>(t.status());
  if (!info.ok()) {
    return Done(context, call,
                ToGrpcStatus(AsTokenInputError(info.status(), "token")));
  }
  // The renewed token carries the same subject and grants as the one given.
  status = AuthorizeAppLevel(call, **t, *info);
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));
  const absl::string_view profile = call.runtime->ProfileOf(tenant);
  FillIssued(*info, tenant, profile, *t, response);
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
    status =
        UnknownTenant(*call.runtime, tenant, &call.caller, Action::kRevoke);
  }
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));

  const absl::Time now = state_.clock().Now();
  // The entry lives as long as a token it affects can still be accepted:
  // the tenant's max TTL + leeway + renew grace (server/revocations.h).
  Revocation entry;
  entry.tenant = tenant;
  entry.revoked_at = now;
  entry.expires_at = now + RevocationLifetime(call.runtime->config(), tenant);
  bool nothing_left = false;  // the token is already revoked or expired
  std::string what;
  std::string subject;
  std::string token_id;
  switch (request->target_case()) {
    case v1::RevokeTokenRequest::kTokenId:
      status = Required(request->token_id(), "token_id");
      token_id = request->token_id();
      entry.kind = Revocation::Kind::kTokenId;
      entry.value = token_id;
      what = "token_id";
      break;
    case v1::RevokeTokenRequest::kSubject:
      subject = request->subject();
      status = Required(subject, "subject");
      entry.kind = Revocation::Kind::kSubject;
      entry.value = subject;
      what = "subject";
      break;
    case v1::RevokeTokenRequest::kWholeTenant:
      if (!request->whole_tenant()) {
        status = Error(Reason::kInvalidArgument, "must be true when set",
                       "whole_tenant");
      }
      entry.kind = Revocation::Kind::kTenant;
      what = "tenant";
      break;
    case v1::RevokeTokenRequest::kToken: {
      status = TokenSize(call, request->token());
      VerifyExpectations expect;
      expect.expiry_grace = t->renew_grace;
      absl::StatusOr<TokenInfo> info =
          status.ok() ? state_.core().Verify(*t, request->token(), expect)
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
        nothing_left = true;
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
  if (!status.ok()) return Done(context, call, ToGrpcStatus(status));
  RevokeOutcome outcome{std::move(call),   what, subject, token_id,
                        request->reason(), entry};
  if (nothing_left) {
    return Done(context, outcome.call,
                FinishRevoke(outcome, absl::OkStatus(), response));
  }
  // Enforced here at once; the store write runs on the revocation service's
  // store thread, and the call finishes on its completion thread when the
  // store answers (or at the call's deadline): no gRPC thread waits on the
  // store.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time deadline = RevokeDeadline(*context);
  auto shared = std::make_shared<RevokeOutcome>(std::move(outcome));
  status = state_.revocations().RevokeAsync(
      entry, deadline, [shared, reactor, response](const absl::Status& answer) {
        const grpc::Status done = FinishRevoke(*shared, answer, response);
        RecordRpc(shared->call, done);
        reactor->Finish(done);
      });
  if (!status.ok()) {
    // Not taken (shutting down, or an invalid entry): `done` never runs.
    const grpc::Status done = ToGrpcStatus(status);
    RecordRpc(shared->call, done);
    reactor->Finish(done);
  }
  return reactor;
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
    status =
        Error(Reason::kInvalidArgument, "must equal tenant", "spec.tenant");
  }
  if (status.ok()) {
    status =
        call.runtime->policy().Authorize(call.caller, Action::kIssue, tenant);
  }
  if (status.ok() &&
      request->source_case() == v1::SubscribeTokenRequest::SOURCE_NOT_SET) {
    status = Error(Reason::kInvalidArgument,
                   "one of spec or current_token is required", "source");
  }
  // Fail-closed with the store down: no new subscription, not even a
  // resumed one, since its re-issues would be refused.
  if (status.ok()) status = state_.revocations().checker()->IssuingAllowed();
  if (!status.ok()) return refuse(ToGrpcStatus(status));

  // The call's one lookup of its tenant, in the snapshot it was admitted
  // with; the subscription manager mints the first token from it too.
  const Tenant* t = call.runtime->tenants()->Find(tenant);
  SubscriptionRequest sub;
  sub.tenant = tenant;
  sub.tenants = call.runtime->tenants();
  sub.caller = call.caller.Describe();
  if (request->has_spec()) {
    absl::StatusOr<IssueInput> input =
        IssueInputFrom(call, tenant, request->spec(), "spec.");
    if (!input.ok()) return refuse(ToGrpcStatus(input.status()));
    // IssueInputFrom refused an unknown tenant.
    status = AuthorizeAppLevel(call, *t, *input);
    if (!status.ok()) return refuse(ToGrpcStatus(status));
    sub.ttl = input->ttl;
    sub.spec = *std::move(input);
  } else {
    status = TokenSize(call, request->current_token());
    if (!status.ok()) return refuse(ToGrpcStatus(status));
    // Resuming keeps re-issuing the token's grants: an app-level token needs
    // the same right as issuing one. A token that does not verify is left
    // to Subscribe, which refuses it with its reason.
    if (t != nullptr) {
      VerifyExpectations expect;
      expect.expiry_grace = t->renew_grace;
      absl::StatusOr<TokenInfo> current =
          state_.core().Verify(*t, request->current_token(), expect);
      if (current.ok()) status = AuthorizeAppLevel(call, *t, *current);
      if (!status.ok()) return refuse(ToGrpcStatus(status));
    }
    sub.current_token = request->current_token();
  }
  const RenewalConfig& renewal = call.runtime->config().renewal;
  if (request->has_refresh_fraction()) {
    sub.refresh_fraction =
        std::clamp(request->refresh_fraction(), renewal.min_refresh_fraction,
                   renewal.max_refresh_fraction);
  }
  const absl::Duration session_cap =
      t != nullptr ? t->session_cap : absl::InfiniteDuration();
  std::shared_ptr<SubscriptionStream> stream = SubscriptionStream::Create(
      &state_.subscriptions(), kSubscribe, session_cap, !request->has_spec());
  // Subscribe sends the first event through the stream before it returns.
  absl::StatusOr<uint64_t> id = state_.subscriptions().Subscribe(sub, stream);
  if (!id.ok()) {
    const absl::Status error =
        request->has_spec() ? AsRequestError(id.status())
                            : AsTokenInputError(id.status(), "current_token");
    const grpc::Status mapped = ToGrpcStatus(error);
    stream->Refuse(mapped);
    RecordRpc(call, mapped);
    return stream.get();
  }
  stream->Attach(*id);
  if (request->has_spec()) {
    log::Audit("subscribe", {{"request_id", call.request_id},
                             {"caller", call.caller.Describe()},
                             {"tenant", tenant},
                             {"subject", sub.spec->subject}});
  }
  // Streams are counted as handled when they are accepted; their end is
  // visible in tokend_active_streams.
  RecordRpc(call, grpc::Status::OK);
  return stream.get();
}

}  // namespace tokend
