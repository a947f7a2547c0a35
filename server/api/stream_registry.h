// The open server streams, so that shutdown can end each with UNAVAILABLE
// before the server stops (clients then reconnect elsewhere), and so that
// the stream cap can be enforced. Thread-safe.
#ifndef TOKEND_SERVER_API_STREAM_REGISTRY_H_
#define TOKEND_SERVER_API_STREAM_REGISTRY_H_

#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/status.h"

namespace tokend {

class StreamRegistry {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    // Ends the stream with `status` (idempotent; may race the stream's own
    // end).
    virtual void End(const grpc::Status& status) = 0;
  };

  // False when `max` streams are open (or the registry is closed).
  bool Add(Stream* stream, size_t max);
  // Whether another stream fits under `max` (0: no cap) right now.
  bool HasRoom(size_t max);
  // Called from the stream's OnDone, before it is deleted.
  void Remove(Stream* stream);
  // Closes the registry to new streams and ends every open one.
  void EndAll(const grpc::Status& status);

 private:
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_STREAM_REGISTRY_H_
