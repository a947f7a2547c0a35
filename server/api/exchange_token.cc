#include "server/api/exchange_token.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/identity/exchange_policy.h"
#include "core/identity/grant_bounds.h"
#include "core/identity/trusted_issuers.h"
#include "core/identity/verified_identity.h"
#include "core/reason.h"
#include "google/protobuf/descriptor.h"
#include "server/api/server_state.h"
#include "server/api/token_request.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"
#include "server/wire/grants_proto.h"
#include "server/wire/proto_time.h"
#include "server/wire/vendor_table.h"

namespace tokend {
namespace {

using identity::ExchangeDecision;
using identity::ExchangeRequest;
using identity::VerifiedIdentity;

// What one exchange did, for its audit line and metric: filled as the
// exchange goes, written once at the end whatever the outcome.
struct ExchangeRecord {
  std::string outcome;
  std::string rule;
  std::string tenant;
  // The verified incoming identity (unset until it verified: an
  // unverified token's claims are whatever its holder wrote).
  std::string issuer;
  std::string incoming_subject;
  std::string actor_issuer;
  std::string actor_subject;
  // Of the issued token.
  std::string subject;
  std::string token_id;
  absl::Time expires_at = absl::InfinitePast();
  // Of a failure: the field at fault and the condition.
  std::string field;
  std::string condition;
};

absl::Status CheckTokenType(absl::string_view type, absl::string_view field) {
  if (type.empty() || type == kTokenTypeJwt || type == kTokenTypeIdToken ||
      type == kTokenTypeAccessToken) {
    return absl::OkStatus();
  }
  return Error(Reason::kInvalidArgument,
               absl::StrCat(field, " must be one of ", kTokenTypeJwt, ", ",
                            kTokenTypeIdToken, " or ", kTokenTypeAccessToken),
               field);
}

// The size limit (limits.max_token_bytes) before anything is decoded.
absl::Status CheckTokenSize(const CallContext& call, absl::string_view token,
                            absl::string_view field) {
  const int64_t max = call.snapshot->config().limits.max_token_bytes;
  if (static_cast<int64_t>(token.size()) <= max) return absl::OkStatus();
  return ErrorWithCode(
      absl::StatusCode::kInvalidArgument, Reason::kTokenTooLarge,
      absl::StrCat(field, " is ", token.size(), " bytes; the limit is ", max),
      field);
}

absl::Status CheckInput(const CallContext& call, const ExchangeInput& input) {
  if (input.subject_token.empty()) {
    return Required(input.subject_token, "subject_token");
  }
  absl::Status s = CheckTokenSize(call, input.subject_token, "subject_token");
  if (s.ok())
    s = CheckTokenType(input.subject_token_type, "subject_token_type");
  if (!s.ok()) return s;
  if (input.actor_token.empty()) {
    // RFC 8693 §2.1: actor_token_type only with an actor_token.
    if (!input.actor_token_type.empty()) {
      return Error(Reason::kInvalidArgument,
                   "actor_token_type is given without an actor_token",
                   "actor_token_type");
    }
  } else {
    s = CheckTokenSize(call, input.actor_token, "actor_token");
    if (s.ok()) s = CheckTokenType(input.actor_token_type, "actor_token_type");
    if (!s.ok()) return s;
  }
  if (input.ttl < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "ttl must not be negative", "ttl");
  }
  return absl::OkStatus();
}

// A token that did not verify: UNAUTHENTICATED with the verifier's reason
// naming `field`; a token over its issuer's size limit is the request's
// fault (INVALID_ARGUMENT); key sets not serving yet stay UNAVAILABLE (the
// caller should retry).
absl::Status VerificationFailed(const absl::Status& status,
                                absl::string_view field) {
  const Reason reason = GetReason(status);
  absl::StatusCode code = absl::StatusCode::kUnauthenticated;
  if (reason == Reason::kTokenTooLarge) {
    code = absl::StatusCode::kInvalidArgument;
  } else if (reason == Reason::kUnavailable) {
    code = absl::StatusCode::kUnavailable;
  }
  // The verifier's details never contain token bytes (core/reason.h).
  return ErrorWithCode(
      code, reason, absl::StrCat(field, ": ", identity::StatusDetail(status)),
      field);
}

absl::StatusOr<ExchangeResult> Exchange(const TokenService& core,
                                        const CallContext& call,
                                        const ExchangeInput& input,
                                        ExchangeRecord& record) {
  record.outcome = "invalid_request";
  if (absl::Status s = CheckInput(call, input); !s.ok()) return s;
  const ConfigSnapshot& snapshot = *call.snapshot;
  if (snapshot.issuers() == nullptr || snapshot.exchange_policy() == nullptr) {
    record.outcome = "not_configured";
    return ErrorWithCode(absl::StatusCode::kFailedPrecondition,
                         Reason::kPermissionDenied,
                         "identity exchange is not configured on this tokend "
                         "(no trusted issuers)");
  }
  const absl::Time now = core.clock().Now();

  absl::StatusOr<VerifiedIdentity> subject =
      snapshot.issuers()->Verify(input.subject_token, now);
  if (!subject.ok()) {
    record.outcome = "invalid_subject_token";
    return VerificationFailed(subject.status(), "subject_token");
  }
  record.issuer = subject->issuer_name;
  record.incoming_subject = subject->subject;
  std::optional<VerifiedIdentity> actor;
  if (!input.actor_token.empty()) {
    absl::StatusOr<VerifiedIdentity> verified =
        snapshot.issuers()->Verify(input.actor_token, now);
    if (!verified.ok()) {
      record.outcome = "invalid_actor_token";
      return VerificationFailed(verified.status(), "actor_token");
    }
    actor = *std::move(verified);
    record.actor_issuer = actor->issuer_name;
    record.actor_subject = actor->subject;
  }

  ExchangeRequest request;
  request.subject = &*subject;
  request.actor = actor.has_value() ? &*actor : nullptr;
  request.tenant = input.tenant;
  request.grants = input.grants;
  request.ttl = input.ttl;
  ExchangeDecision decision = snapshot.exchange_policy()->Decide(request, now);
  record.outcome = std::string(decision.outcome());
  record.rule = decision.rule;
  if (!decision.allowed) {
    record.field = decision.field;
    record.condition = decision.condition;
    return decision.ToStatus();
  }
  record.tenant = decision.tenant;
  record.subject = decision.subject;

  // The tenant from the same snapshot as the issuers and the rules.
  record.outcome = "issue_failed";
  const Tenant* tenant = snapshot.tenants()->Find(decision.tenant);
  if (tenant == nullptr) {
    // The config parser refuses such a rule; never issue elsewhere.
    return ErrorWithCode(
        absl::StatusCode::kFailedPrecondition, Reason::kInvalidArgument,
        absl::StrCat("rule ", decision.rule, " names tenant ", decision.tenant,
                     ", which is not configured"));
  }
  IssueInput issue;
  issue.subject = decision.subject;
  issue.ttl = decision.ttl;
  issue.grants = std::move(decision.grants);
  // An exchange acts for one user: never an app-level token (which the
  // caller policy reserves for issue_app_level callers).
  if (tenant->profile->IsAppLevel(issue)) {
    record.field = "grants";
    return Error(Reason::kPermissionDenied,
                 "an exchange never issues app-level tokens", "grants");
  }
  // Through the core as IssueToken: its revocation check runs before
  // minting.
  absl::StatusOr<TokenInfo> info = core.Issue(*tenant, issue);
  if (!info.ok()) {
    record.field = GetField(info.status());
    return AsRequestError(info.status());
  }
  record.outcome = "allowed";
  record.token_id = info->token_id;
  record.expires_at = info->expires_at;
  ExchangeResult result;
  result.tenant = tenant->name;
  result.profile = std::string(snapshot.ProfileOf(tenant->name));
  result.rule = decision.rule;
  result.info = *std::move(info);
  Metrics::Get().TokenIssued(result.tenant, result.profile);
  return result;
}

// One audit line per exchange, whatever its outcome: never a token.
void Audit(const CallContext& call, const ExchangeInput& input,
           const ExchangeRecord& r, const absl::Status& status) {
  const std::string expires_at = r.expires_at == absl::InfinitePast()
                                     ? std::string()
                                     : log::UtcSeconds(r.expires_at);
  log::Audit("exchange",
             {{"request_id", call.request_id},
              {"caller", call.caller.Describe()},
              {"via", input.via},
              {"outcome", r.outcome},
              {"reason", status.ok() ? "" : ReasonName(GetReason(status))},
              {"rule", r.rule},
              {"issuer", r.issuer},
              {"incoming_subject", r.incoming_subject},
              {"actor_issuer", r.actor_issuer},
              {"actor_subject", r.actor_subject},
              {"tenant", r.tenant},
              {"subject", r.subject},
              {"token_id", r.token_id},
              {"expires_at", expires_at},
              {"field", status.ok() ? "" : GetField(status)},
              {"condition", r.condition}});
}

// A request refused before DoExchange (its adapter could not parse it):
// counted and audited as invalid_request.
absl::Status RefuseRequest(const CallContext& call, const ExchangeInput& input,
                           const absl::Status& status) {
  ExchangeRecord record;
  record.outcome = "invalid_request";
  Metrics::Get().Exchanged(record.rule, record.outcome, input.via);
  Audit(call, input, record, status);
  return status;
}

// The request's grants oneof as core grants, through the IssueTokenRequest
// conversions (the same field numbers and messages): std::monostate when
// unset (the rule's vendor, nothing asked).
absl::StatusOr<Grants> GrantsOf(const v1::ExchangeTokenRequest& request) {
  const int number = static_cast<int>(request.grants_case());
  if (number == 0) return Grants(std::monostate{});
  const VendorWire* vendor =
      FindVendorWire(static_cast<v1::IssueTokenRequest::GrantsCase>(number));
  const google::protobuf::FieldDescriptor* from =
      request.GetDescriptor()->FindFieldByNumber(number);
  v1::IssueTokenRequest issue;
  const google::protobuf::FieldDescriptor* to =
      issue.GetDescriptor()->FindFieldByNumber(number);
  if (vendor == nullptr || from == nullptr || to == nullptr ||
      from->message_type() != to->message_type()) {
    return Error(Reason::kInvalidArgument, "unknown grants", "grants");
  }
  issue.GetReflection()
      ->MutableMessage(&issue, to)
      ->CopyFrom(request.GetReflection()->GetMessage(request, from));
  return vendor->from_request(issue);
}

}  // namespace

absl::Status DoExchangeToken(const TokenService& core, const CallContext& call,
                             const v1::ExchangeTokenRequest& request,
                             v1::ExchangeTokenResponse* response) {
  ExchangeInput input;
  input.via = "grpc";
  input.subject_token = request.subject_token();
  input.subject_token_type = request.subject_token_type();
  input.actor_token = request.actor_token();
  input.actor_token_type = request.actor_token_type();
  input.tenant = request.tenant();
  absl::StatusOr<absl::Duration> ttl = TtlFromProto(request.ttl(), "ttl");
  absl::StatusOr<Grants> grants =
      ttl.ok() ? GrantsOf(request) : absl::StatusOr<Grants>(ttl.status());
  if (!grants.ok()) {
    // Counted and audited like every other refused exchange.
    return RefuseRequest(call, input, grants.status());
  }
  input.ttl = *ttl;
  input.grants = *std::move(grants);
  absl::StatusOr<ExchangeResult> result = DoExchange(core, call, input);
  if (!result.ok()) return result.status();
  const Tenant* t = call.snapshot->tenants()->Find(result->tenant);
  FillIssued(result->info, result->tenant, result->profile, t, response);
  response->set_rule(result->rule);
  response->set_subject(result->info.subject);
  return absl::OkStatus();
}

absl::StatusOr<ExchangeResult> DoExchange(const TokenService& core,
                                          const CallContext& call,
                                          const ExchangeInput& input) {
  ExchangeRecord record;
  absl::StatusOr<ExchangeResult> result = Exchange(core, call, input, record);
  Metrics::Get().Exchanged(record.rule, record.outcome, input.via);
  Audit(call, input, record, result.status());
  return result;
}

absl::StatusOr<ExchangeResult> DoExchange(const CallContext& call,
                                          const ExchangeInput& input) {
  if (call.state == nullptr) {
    return Error(Reason::kInternal, "the call has no server state");
  }
  return DoExchange(call.state->core(), call, input);
}

}  // namespace tokend
