#include "server/api/subscription_stream.h"

#include <utility>

#include "server/api/raw_messages.h"
#include "server/observability/metrics.h"
#include "server/wire/proto_time.h"
#include "server/wire/status_mapping.h"

namespace tokend {
namespace {

v1::EventReason ReasonToProto(EventReason reason) {
  switch (reason) {
    case EventReason::kInitial:
      return v1::EVENT_REASON_INITIAL;
    case EventReason::kScheduled:
      return v1::EVENT_REASON_SCHEDULED;
    case EventReason::kKeyRotated:
      return v1::EVENT_REASON_KEY_ROTATED;
    case EventReason::kPolicyChanged:
      return v1::EVENT_REASON_POLICY_CHANGED;
  }
  return v1::EVENT_REASON_UNSPECIFIED;
}

// The metrics label of a delivered event.
absl::string_view ReasonLabel(v1::EventReason reason) {
  switch (reason) {
    case v1::EVENT_REASON_INITIAL:
      return "initial";
    case v1::EVENT_REASON_SCHEDULED:
      return "scheduled";
    case v1::EVENT_REASON_KEY_ROTATED:
      return "key_rotated";
    case v1::EVENT_REASON_POLICY_CHANGED:
      return "policy_changed";
    case v1::EVENT_REASON_RESUMED:
      return "resumed";
    default:
      return "unspecified";
  }
}

}  // namespace

std::shared_ptr<SubscriptionStream> SubscriptionStream::Create(
    SubscriptionManager* manager, std::string method,
    absl::Duration session_cap, bool resumed) {
  std::shared_ptr<SubscriptionStream> stream(
      new SubscriptionStream(manager, std::move(method), session_cap, resumed));
  absl::MutexLock lock(&stream->mu_);
  stream->self_ = stream;
  return stream;
}

SubscriptionStream::SubscriptionStream(SubscriptionManager* manager,
                                       std::string method,
                                       absl::Duration session_cap, bool resumed)
    : manager_(manager),
      method_(std::move(method)),
      session_cap_(session_cap),
      resumed_(resumed) {
  Metrics::Get().StreamOpened(method_);
}

v1::TokenEvent SubscriptionStream::ToMessage(const TokenEvent& event) const {
  v1::TokenEvent out;
  const TokenInfo& info = event.token;
  out.set_token(info.token);
  out.set_token_id(info.token_id);
  // A resumed token without iat has no issue time: left unset.
  if (info.issued_at != absl::InfinitePast()) {
    tokend::ToProto(info.issued_at, out.mutable_issued_at());
  }
  tokend::ToProto(info.expires_at, out.mutable_expires_at());
  tokend::ToProto(event.next_refresh_at, out.mutable_next_refresh_at());
  out.set_sequence(event.sequence);
  // The first event of a resumed stream carries the presented token (or
  // its replacement): say so, so the client knows nothing was lost.
  out.set_reason(resumed_ && event.sequence == 1 ? v1::EVENT_REASON_RESUMED
                                                 : ReasonToProto(event.reason));
  if (session_cap_ != absl::InfiniteDuration() &&
      info.session_started != absl::InfinitePast()) {
    tokend::ToProto(info.session_started + session_cap_,
                    out.mutable_session_expires_at());
  }
  return out;
}

void SubscriptionStream::Attach(uint64_t id) {
  bool unsubscribe = false;
  {
    absl::MutexLock lock(&mu_);
    id_ = id;
    unsubscribe = cancelled_;
  }
  // The client left while Subscribe was still running.
  if (unsubscribe) manager_->Unsubscribe(id);
}

void SubscriptionStream::Refuse(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  latest_.reset();
  FinishLocked(status);
}

void SubscriptionStream::OnEvent(const TokenEvent& event) {
  v1::TokenEvent message = ToMessage(event);
  absl::MutexLock lock(&mu_);
  if (done_ || finished_ || end_.has_value()) return;
  if (writing_) {
    // Replaces any older unsent event: latest wins.
    if (latest_.has_value()) Metrics::Get().SubscriptionWriteCoalesced();
    latest_ = std::move(message);
    latest_planned_at_ = event.planned_at;
    return;
  }
  WriteLocked(message, event.planned_at);
}

void SubscriptionStream::OnEnd(const absl::Status& status) {
  const grpc::Status mapped = ToGrpcStatus(status);
  absl::MutexLock lock(&mu_);
  FinishLocked(mapped);
}

void SubscriptionStream::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    // The client is gone; OnCancel (or OnDone) unsubscribes.
    latest_.reset();
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
    return;
  }
  if (latest_.has_value()) {
    v1::TokenEvent next = *std::move(latest_);
    latest_.reset();
    WriteLocked(next, latest_planned_at_);
    return;
  }
  if (end_.has_value()) FinishLocked(*end_);
}

void SubscriptionStream::OnCancel() {
  std::optional<uint64_t> id;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    id = id_;
    latest_.reset();
    FinishLocked(grpc::Status::CANCELLED);
  }
  // Outside mu_: the manager may be inside OnEvent for this stream.
  if (id.has_value()) manager_->Unsubscribe(*id);
}

void SubscriptionStream::OnDone() {
  std::optional<uint64_t> id;
  std::shared_ptr<SubscriptionStream> self;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    cancelled_ = true;  // an Attach still to come unsubscribes
    id = id_;
    self = std::move(self_);
  }
  // Idempotent in the manager; covers a stream that ended on a failed write
  // without OnCancel.
  if (id.has_value()) manager_->Unsubscribe(*id);
  Metrics::Get().StreamClosed(method_);
  // `self` may be the last reference: this object is deleted on return.
}

void SubscriptionStream::WriteLocked(const v1::TokenEvent& event,
                                     absl::Time planned_at) {
  in_flight_.Clear();
  // Serializing a message tokend built cannot fail.
  SerializeMessage(event, &in_flight_);
  writing_ = true;
  const bool has_lag = planned_at != absl::InfinitePast();
  Metrics::Get().RenewalDelivered(
      ReasonLabel(event.reason()),
      has_lag ? absl::Now() - planned_at : absl::ZeroDuration(), has_lag);
  StartWrite(&in_flight_);
}

void SubscriptionStream::FinishLocked(const grpc::Status& status) {
  if (finished_ || done_) return;
  if (writing_ || latest_.has_value()) {
    // Send the newest state first, then finish.
    if (!end_.has_value()) end_ = status;
    return;
  }
  finished_ = true;
  Finish(status);
}

}  // namespace tokend
