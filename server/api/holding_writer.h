// A server-streaming reactor that writes its first message at once and
// then holds the stream open until the client cancels or the server ends
// it (StreamRegistry::EndAll at shutdown). One write in flight at most; a
// Finish requested during a write is sent when the write completes. Owns
// itself (OnDone deletes it).
//
// Used by WatchJwks; SubscribeToken streams are SubscriptionStream
// (subscription_stream.h), driven by the renewal manager.
#ifndef TOKEND_SERVER_API_HOLDING_WRITER_H_
#define TOKEND_SERVER_API_HOLDING_WRITER_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "server/api/stream_registry.h"
#include "server/observability/metrics.h"

namespace tokend {

// Finishes at once with `status`: the reactor for a refused stream.
template <typename T>
class RefusedWriter final : public grpc::ServerWriteReactor<T> {
 public:
  explicit RefusedWriter(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

template <typename T>
class HoldingWriter final : public grpc::ServerWriteReactor<T>,
                            public StreamRegistry::Stream {
 public:
  // Registers with `registry` (already checked with Add by the caller).
  HoldingWriter(StreamRegistry* registry, std::string method,
                std::optional<T> first)
      : registry_(registry), method_(std::move(method)) {
    Metrics::Get().StreamOpened(method_);
    absl::MutexLock lock(&mu_);
    if (first.has_value()) {
      first_ = *std::move(first);
      writing_ = true;
      this->StartWrite(&first_);
    }
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
    } else if (pending_.has_value()) {
      FinishLocked(*pending_);
    }
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void End(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    FinishLocked(status);
  }

  void OnDone() override {
    registry_->Remove(this);
    Metrics::Get().StreamClosed(method_);
    delete this;
  }

 private:
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    if (writing_) {
      if (!pending_.has_value()) pending_ = status;
      return;
    }
    finished_ = true;
    this->Finish(status);
  }

  StreamRegistry* registry_;
  std::string method_;
  absl::Mutex mu_;
  T first_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_HOLDING_WRITER_H_
