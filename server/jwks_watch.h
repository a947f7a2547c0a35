// WatchJwks streams: each sends the key set at once (unless the caller's
// etag is current) and again after every change of the Runtime (a config
// reload or a key rotation), until the client cancels or shutdown ends it.
//
// Push() may be called from any thread (the key thread, the reload
// thread). One write is in flight per stream at most; a change that
// arrives during a write is sent after it, built from the Runtime current
// then (latest wins), so a slow client never holds anyone up.
#ifndef TOKEND_SERVER_JWKS_WATCH_H_
#define TOKEND_SERVER_JWKS_WATCH_H_

#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "grpcpp/support/server_callback.h"
#include "server/runtime.h"
#include "server/server_state.h"
#include "server/stream_registry.h"
#include "tokend/v1/key_service.pb.h"

namespace tokend {

// Fills a GetJwksResponse or WatchJwksResponse with `tenant`'s keys ("":
// every jwt tenant).
void FillJwks(const Runtime& runtime, const std::string& tenant,
              v1::GetJwksResponse* response);
void FillJwks(const Runtime& runtime, const std::string& tenant,
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
  std::mutex mu_;
  absl::flat_hash_set<JwksWatchWriter*> writers_;
};

class JwksWatchWriter final
    : public grpc::ServerWriteReactor<v1::WatchJwksResponse>,
      public StreamRegistry::Stream {
 public:
  // Sends the current set unless its etag is `known_etag`, then registers
  // with `watchers` (already admitted to the stream registry by the
  // caller). Owns itself (OnDone deletes it).
  JwksWatchWriter(ServerState& state, JwksWatchers& watchers,
                  std::string tenant, const std::string& known_etag);

  // Sends the current set if it differs from the last one sent.
  void Push();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void End(const grpc::Status& status) override;
  void OnDone() override;

 private:
  void WriteIfChangedLocked();
  void FinishLocked(const grpc::Status& status);

  ServerState& state_;
  JwksWatchers& watchers_;
  const std::string tenant_;
  std::mutex mu_;
  v1::WatchJwksResponse message_;  // the write in flight
  std::string last_;               // the last set sent (serialized)
  uint64_t sequence_ = 0;
  bool writing_ = false;
  bool dirty_ = false;  // a change arrived during the write
  bool finished_ = false;
  std::optional<grpc::Status> pending_;  // Finish after the write
};

}  // namespace tokend

#endif  // TOKEND_SERVER_JWKS_WATCH_H_
