#include "server/api/stream_registry.h"

namespace tokend {

bool StreamRegistry::Add(Stream* stream, size_t max) {
  absl::MutexLock lock(&mu_);
  if (closed_ || (max > 0 && streams_.size() >= max)) return false;
  streams_.insert(stream);
  return true;
}

bool StreamRegistry::HasRoom(size_t max) {
  absl::MutexLock lock(&mu_);
  return !closed_ && (max == 0 || streams_.size() < max);
}

void StreamRegistry::Remove(Stream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void StreamRegistry::EndAll(const grpc::Status& status) {
  // Holding the lock keeps every stream alive (Remove, called before the
  // stream is deleted, waits for it).
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (Stream* s : streams_) s->End(status);
}

}  // namespace tokend
