#include "server/api/jwks_watch.h"

#include <utility>

#include "server/api/raw_messages.h"
#include "server/observability/metrics.h"
#include "server/wire/proto_time.h"

namespace tokend {
namespace {

constexpr char kWatchJwks[] = "WatchJwks";

v1::KeyState ToProtoState(KeyStatus status) {
  switch (status) {
    case KeyStatus::kPending:
      return v1::KEY_STATE_PENDING;
    case KeyStatus::kActive:
      return v1::KEY_STATE_ACTIVE;
    case KeyStatus::kRetired:
      return v1::KEY_STATE_RETIRED;
  }
  return v1::KEY_STATE_UNSPECIFIED;
}

// Finite times only: an unset field means "not planned".
void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  if (t != absl::InfinitePast() && t != absl::InfiniteFuture()) ToProto(t, out);
}

template <typename Response>
void Fill(const ConfigSnapshot& snapshot, const std::string& tenant,
          Response* response) {
  response->set_jwks_json(snapshot.JwksJson(tenant));
  response->set_etag(ConfigSnapshot::Etag(response->jwks_json()));
  ToProto(snapshot.JwksMaxAge(tenant), response->mutable_max_age());
  for (const PublishedKeyInfo& k : snapshot.PublishedKeys(tenant)) {
    v1::PublishedKey* key = response->add_keys();
    key->set_kid(k.kid);
    key->set_alg(k.alg);
    key->set_kty(k.kty);
    key->set_tenant(k.tenant);
    key->set_state(ToProtoState(k.status));
    key->set_jwk_json(k.jwk_json);
    SetTime(k.published_at, key->mutable_published_at());
    SetTime(k.not_before, key->mutable_not_before());
    SetTime(k.retire_at, key->mutable_retire_at());
    SetTime(k.remove_at, key->mutable_remove_at());
  }
}

}  // namespace

void FillJwks(const ConfigSnapshot& snapshot, const std::string& tenant,
              v1::GetJwksResponse* response) {
  Fill(snapshot, tenant, response);
}

void FillJwks(const ConfigSnapshot& snapshot, const std::string& tenant,
              v1::WatchJwksResponse* response) {
  Fill(snapshot, tenant, response);
}

void JwksWatchers::Add(JwksWatchWriter* writer) {
  absl::MutexLock lock(&mu_);
  writers_.insert(writer);
}

void JwksWatchers::Remove(JwksWatchWriter* writer) {
  absl::MutexLock lock(&mu_);
  writers_.erase(writer);
}

void JwksWatchers::PushAll() {
  // Holding mu_ keeps every writer alive (OnDone removes it first).
  absl::MutexLock lock(&mu_);
  for (JwksWatchWriter* writer : writers_) writer->Push();
}

JwksWatchWriter::JwksWatchWriter(ServerState& state, JwksWatchers& watchers,
                                 std::string tenant,
                                 v1::WatchJwksResponse current,
                                 bool send_current)
    : state_(state), watchers_(watchers), tenant_(std::move(tenant)) {
  Metrics::Get().StreamOpened(kWatchJwks);
  {
    absl::MutexLock lock(&mu_);
    last_ = current.SerializeAsString();
    if (send_current) {
      current.set_sequence(++sequence_);
      message_.Clear();
      // Serializing a message tokend built cannot fail.
      SerializeMessage(current, &message_);
      writing_ = true;
      StartWrite(&message_);
    }
  }
  watchers_.Add(this);
  // A change between the first fill and Add is sent now.
  Push();
}

void JwksWatchWriter::Push() {
  absl::MutexLock lock(&mu_);
  if (finished_ || pending_.has_value()) return;
  if (writing_) {
    dirty_ = true;
    return;
  }
  WriteIfChangedLocked();
}

void JwksWatchWriter::WriteIfChangedLocked() {
  v1::WatchJwksResponse next;
  FillJwks(*state_.snapshot(), tenant_, &next);
  std::string serialized = next.SerializeAsString();
  if (serialized == last_) return;
  last_ = std::move(serialized);
  next.set_sequence(++sequence_);
  message_.Clear();
  // Serializing a message tokend built cannot fail.
  SerializeMessage(next, &message_);
  writing_ = true;
  StartWrite(&message_);
}

void JwksWatchWriter::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
  } else if (pending_.has_value()) {
    FinishLocked(*pending_);
  } else if (dirty_) {
    dirty_ = false;
    WriteIfChangedLocked();
  }
}

void JwksWatchWriter::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void JwksWatchWriter::End(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  FinishLocked(status);
}

void JwksWatchWriter::OnDone() {
  watchers_.Remove(this);
  state_.streams().Remove(this);
  Metrics::Get().StreamClosed(kWatchJwks);
  delete this;
}

void JwksWatchWriter::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  if (writing_) {
    if (!pending_.has_value()) pending_ = status;
    return;
  }
  finished_ = true;
  Finish(status);
}

}  // namespace tokend
