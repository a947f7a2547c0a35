#include "server/stream_registry.h"

namespace tokend {

bool StreamRegistry::Add(Stream* stream, size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || (max > 0 && streams_.size() >= max)) return false;
  streams_.insert(stream);
  return true;
}

bool StreamRegistry::HasRoom(size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  return !closed_ && (max == 0 || streams_.size() < max);
}

void StreamRegistry::Remove(Stream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(stream);
}

void StreamRegistry::EndAll(const grpc::Status& status) {
  // Holding the lock keeps every stream alive (Remove, called before the
  // stream is deleted, waits for it).
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (Stream* s : streams_) s->End(status);
}

}  // namespace tokend
