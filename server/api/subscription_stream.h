// The SubscribeToken stream: a gRPC write reactor that is also the renewal
// core's SubscriptionSink (core/renewal/subscription_manager.h).
//
// One write in flight, latest wins: OnEvent (from any thread) replaces the
// pending event and starts a write only when none is running, so a slow
// client never holds up the manager's threads and only ever receives the
// newest state. OnEnd finishes the stream with the mapped status once the
// write in flight (and the pending latest event) are out.
//
// Lifetime: the reactor is owned by shared_ptr (the manager holds one as the
// sink, the reactor one on itself until OnDone). After OnDone nothing
// touches gRPC; late calls from the manager are ignored.
#ifndef TOKEND_SERVER_API_SUBSCRIPTION_STREAM_H_
#define TOKEND_SERVER_API_SUBSCRIPTION_STREAM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/renewal/subscription_manager.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "tokend/v1/token_service.pb.h"

namespace tokend {

class SubscriptionStream final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
      public SubscriptionSink {
 public:
  // `session_cap`: the tenant's maximum session length (InfiniteDuration
  // when none); `resumed`: the request presented a current token, so its
  // first event is marked RESUMED.
  static std::shared_ptr<SubscriptionStream> Create(
      SubscriptionManager* manager, std::string method,
      absl::Duration session_cap, bool resumed);

  // Called once Subscribe returned: the id to unsubscribe on cancel.
  void Attach(uint64_t id);
  // Subscribe failed: finish with `status` (already mapped).
  void Refuse(const grpc::Status& status);

  // SubscriptionSink.
  void OnEvent(const TokenEvent& event) override;
  void OnEnd(const absl::Status& status) override;

  // ServerWriteReactor.
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  SubscriptionStream(SubscriptionManager* manager, std::string method,
                     absl::Duration session_cap, bool resumed);

  v1::TokenEvent ToMessage(const TokenEvent& event) const;
  // Starts the write and counts the delivery (with its lag when
  // `planned_at` is finite).
  void WriteLocked(const v1::TokenEvent& event, absl::Time planned_at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SubscriptionManager* const manager_;
  const std::string method_;
  const absl::Duration session_cap_;
  const bool resumed_;

  absl::Mutex mu_;
  // Until OnDone.
  std::shared_ptr<SubscriptionStream> self_ ABSL_GUARDED_BY(mu_);
  // The serialized event gRPC is writing (SubscribeToken is a raw method:
  // token_service_impl.h).
  grpc::ByteBuffer in_flight_ ABSL_GUARDED_BY(mu_);
  // The newest unsent event, and its planned time.
  std::optional<v1::TokenEvent> latest_ ABSL_GUARDED_BY(mu_);
  absl::Time latest_planned_at_ ABSL_GUARDED_BY(mu_);
  // Finish after the writes.
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> id_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ = false;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_SUBSCRIPTION_STREAM_H_
