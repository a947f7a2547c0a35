// WatchJwks streams: each sends the key set at once (unless the caller's
// etag is current) and again after every change of the ConfigSnapshot (a config
// reload or a key rotation), until the client cancels or shutdown ends it.
//
// Push() may be called from any thread (the key thread, the reload
// thread). One write is in flight per stream at most; a change that
// arrives during a write is sent after it, built from the ConfigSnapshot
// current then (latest wins), so a slow client never holds anyone up.
#ifndef TOKEND_SERVER_API_JWKS_WATCH_H_
#define TOKEND_SERVER_API_JWKS_WATCH_H_

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/server_state.h"
#include "server/api/stream_registry.h"
#include "server/runtime/config_snapshot.h"
#include "tokend/v1/key_service.pb.h"

namespace tokend {

// Fills a GetJwksResponse or WatchJwksResponse with `tenant`'s keys ("":
// every jwt tenant).
void FillJwks(const ConfigSnapshot& snapshot, const std::string& tenant,
              v1::GetJwksResponse* response);
void FillJwks(const ConfigSnapshot& snapshot, const std::string& tenant,
              v1::WatchJwksResponse* response);

class JwksWatchWriter;

// The open WatchJwks streams. Thread-safe.
class JwksWatchers {
 public:
  void Add(JwksWatchWriter* writer);
  void Remove(JwksWatchWriter* writer);
  // Every stream sends the current set if it changed.
  void PushAll();

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<JwksWatchWriter*> writers_ ABSL_GUARDED_BY(mu_);
};

class JwksWatchWriter final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                              public StreamRegistry::Stream {
 public:
  // Sends `current` (DoWatchJwks's plan, key_service_impl.h) when
  // `send_current`, then registers with `watchers` and sends any change
  // since `current` was filled. The caller adds it to the stream registry.
  // Owns itself (OnDone deletes it).
  JwksWatchWriter(ServerState& state, JwksWatchers& watchers,
                  std::string tenant, v1::WatchJwksResponse current,
                  bool send_current);

  // Sends the current set if it differs from the last one sent.
  void Push();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void End(const grpc::Status& status) override;
  void OnDone() override;

 private:
  void WriteIfChangedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ServerState& state_;
  JwksWatchers& watchers_;
  const std::string tenant_;
  absl::Mutex mu_;
  // The write in flight, serialized (WatchJwks is a raw method:
  // key_service_impl.h).
  grpc::ByteBuffer message_ ABSL_GUARDED_BY(mu_);
  // The last set sent (serialized).
  std::string last_ ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // A change arrived during the write.
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // Finish after the write.
  std::optional<grpc::Status> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_JWKS_WATCH_H_
