#include "server/api/token_service_impl.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/profiles/vendor_table.h"
#include "core/reason.h"
#include "core/status_macros.h"
#include "core/token_facts.h"
#include "server/api/call_gate.h"
#include "server/api/exchange_token.h"
#include "server/api/holding_writer.h"
#include "server/api/raw_messages.h"
#include "server/api/renew_token.h"
#include "server/api/revoke_token.h"
#include "server/api/subscribe_token.h"
#include "server/api/subscription_stream.h"
#include "server/api/token_request.h"
#include "server/api/unknown_tenant.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/wire/grants_proto.h"
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
constexpr char kExchange[] = "ExchangeToken";

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context,
                               const CallContext& call,
                               const grpc::Status& status) {
  RecordRpc(call, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// The call's deadline in real time; a call without one waits for the store
// as long as it takes (the revocation is enforced meanwhile).
absl::Time RevokeDeadline(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace

absl::Status DoIssueToken(const TokenService& core, const CallContext& call,
                          const v1::IssueTokenRequest& request,
                          v1::IssueTokenResponse* response) {
  const std::string& tenant = request.tenant();
  TOKEND_RETURN_IF_ERROR(Required(tenant, "tenant"));
  TOKEND_RETURN_IF_ERROR(
      call.snapshot->policy().Authorize(call.caller, Action::kIssue, tenant));
  TOKEND_ASSIGN_OR_RETURN(IssueInput input,
                          IssueInputFrom(call, tenant, request, ""));
  // IssueInputFrom refused an unknown tenant; this is the call's one lookup.
  const Tenant& t = *call.snapshot->tenants()->Find(tenant);
  TOKEND_RETURN_IF_ERROR(AuthorizeAppLevel(call, t, input));
  absl::StatusOr<TokenInfo> info = core.Issue(t, input);
  if (!info.ok()) return AsRequestError(info.status());
  const absl::string_view profile = call.snapshot->ProfileOf(tenant);
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
      call.snapshot->policy().Authorize(call.caller, Action::kVerify, tenant));
  // The call's one lookup of its tenant, in the snapshot it was admitted
  // with.
  const Tenant* t = call.snapshot->tenants()->Find(tenant);
  if (t == nullptr) {
    return UnknownTenant(*call.snapshot, tenant, &call.caller, Action::kVerify);
  }
  const absl::string_view profile = call.snapshot->ProfileOf(tenant);
  VerifyExpectations expect;
  const v1::VerifyExpectations& e = request.expectations();
  if (!e.audience().empty()) expect.audience = e.audience();
  if (!e.channel().empty()) expect.channel = e.channel();
  if (e.has_subject()) expect.account = SubjectString(e.subject());
  if (e.agora_privileges_size() > 0) {
    const VendorTraits* vendor = FindVendor(profile);
    if (vendor == nullptr || !vendor->verifies_agora_privileges) {
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
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kIssue, &call); !s.ok()) {
    return Done(context, call, s);
  }
  RawMessages<v1::IssueTokenRequest, v1::IssueTokenResponse> m;
  absl::Status s = m.Parse(*request, kIssue);
  if (s.ok()) s = DoIssueToken(state_.core(), call, m.request(), m.response());
  return Done(context, call, m.Reply(ToGrpcStatus(s), response));
}

grpc::ServerUnaryReactor* TokenServiceImpl::VerifyToken(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kVerify, &call); !s.ok()) {
    return Done(context, call, s);
  }
  RawMessages<v1::VerifyTokenRequest, v1::VerifyTokenResponse> m;
  absl::Status s = m.Parse(*request, kVerify);
  if (s.ok()) s = DoVerifyToken(state_.core(), call, m.request(), m.response());
  return Done(context, call, m.Reply(ToGrpcStatus(s), response));
}

grpc::ServerUnaryReactor* TokenServiceImpl::RenewToken(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kRenew, &call); !s.ok()) {
    return Done(context, call, s);
  }
  RawMessages<v1::RenewTokenRequest, v1::RenewTokenResponse> m;
  absl::Status s = m.Parse(*request, kRenew);
  if (s.ok()) s = DoRenewToken(state_.core(), call, m.request(), m.response());
  return Done(context, call, m.Reply(ToGrpcStatus(s), response));
}

grpc::ServerUnaryReactor* TokenServiceImpl::RevokeToken(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kRevoke, &call); !s.ok()) {
    return Done(context, call, s);
  }
  // On the heap: a revocation that waits for the store finishes after this
  // handler returns.
  using Messages = RawMessages<v1::RevokeTokenRequest, v1::RevokeTokenResponse>;
  auto m = std::make_unique<Messages>();
  if (absl::Status s = m->Parse(*request, kRevoke); !s.ok()) {
    return Done(context, call, ToGrpcStatus(s));
  }
  RevokePlan plan;
  if (absl::Status s = DoRevokeToken(state_.core(), state_.clock(), call,
                                     m->request(), &plan);
      !s.ok()) {
    return Done(context, call, ToGrpcStatus(s));
  }
  if (plan.nothing_left) {
    return Done(context, call,
                m->Reply(ToGrpcStatus(FinishRevoke(call, plan, absl::OkStatus(),
                                                   m->response())),
                         response));
  }
  // Enforced here at once; the store write runs on the revocation service's
  // store thread, and the call finishes on its completion thread when the
  // store answers (or at the call's deadline): no gRPC thread waits on the
  // store.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time deadline = RevokeDeadline(*context);
  struct Pending {
    CallContext call;
    RevokePlan plan;
    std::unique_ptr<Messages> messages;
  };
  auto pending = std::make_shared<Pending>(
      Pending{std::move(call), std::move(plan), std::move(m)});
  const absl::Status taken = state_.revocations().RevokeAsync(
      pending->plan.entry, deadline,
      [pending, reactor, response](const absl::Status& answer) {
        Messages& messages = *pending->messages;
        const grpc::Status done = messages.Reply(
            ToGrpcStatus(FinishRevoke(pending->call, pending->plan, answer,
                                      messages.response())),
            response);
        RecordRpc(pending->call, done);
        reactor->Finish(done);
      });
  if (!taken.ok()) {
    // Not taken (shutting down, or an invalid entry): the callback never
    // runs.
    const grpc::Status done = ToGrpcStatus(taken);
    RecordRpc(pending->call, done);
    reactor->Finish(done);
  }
  return reactor;
}

grpc::ServerUnaryReactor* TokenServiceImpl::ExchangeToken(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallContext call;
  if (grpc::Status s = Admit(state_, *context, kExchange, &call); !s.ok()) {
    return Done(context, call, s);
  }
  RawMessages<v1::ExchangeTokenRequest, v1::ExchangeTokenResponse> m;
  absl::Status s = m.Parse(*request, kExchange);
  if (s.ok()) {
    s = DoExchangeToken(state_.core(), call, m.request(), m.response());
  }
  return Done(context, call, m.Reply(ToGrpcStatus(s), response));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* TokenServiceImpl::SubscribeToken(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw_request) {
  CallContext call;
  auto refuse = [&](const grpc::Status& s) {
    RecordRpc(call, s);
    return new RefusedWriter<grpc::ByteBuffer>(s);
  };
  if (grpc::Status s = Admit(state_, *context, kSubscribe, &call); !s.ok()) {
    return refuse(s);
  }
  v1::SubscribeTokenRequest parsed;
  if (absl::Status s = ParseRequest(*raw_request, kSubscribe, &parsed);
      !s.ok()) {
    return refuse(ToGrpcStatus(s));
  }
  const v1::SubscribeTokenRequest* request = &parsed;
  SubscribePlan plan;
  if (absl::Status s =
          DoSubscribeToken(state_.core(), *state_.revocations().checker(), call,
                           *request, &plan);
      !s.ok()) {
    return refuse(ToGrpcStatus(s));
  }
  const SubscriptionRequest& sub = plan.request;
  const absl::Duration session_cap = plan.session_cap;
  std::shared_ptr<SubscriptionStream> stream = SubscriptionStream::Create(
      &state_.subscriptions(), kSubscribe, session_cap, !request->has_spec());
  // Subscribe sends the first event through the stream before it returns.
  absl::StatusOr<uint64_t> id = state_.subscriptions().Subscribe(sub, stream);
  if (!id.ok()) {
    const grpc::Status mapped =
        ToGrpcStatus(SubscribeError(*request, id.status()));
    stream->Refuse(mapped);
    RecordRpc(call, mapped);
    return stream.get();
  }
  stream->Attach(*id);
  if (request->has_spec()) {
    log::Audit("subscribe", {{"request_id", call.request_id},
                             {"caller", call.caller.Describe()},
                             {"tenant", sub.tenant},
                             {"subject", sub.spec->subject}});
  }
  // Streams are counted as handled when they are accepted; their end is
  // visible in tokend_active_streams.
  RecordRpc(call, grpc::Status::OK);
  return stream.get();
}

}  // namespace tokend
