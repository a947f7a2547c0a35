// The shared revocation store for several replicas serving one fleet.
//
// Data model (under options.key_prefix, "P" below):
//   P:revoked     sorted set, member = entry key, score = revoked_at (Unix ms)
//   P:expires     sorted set, member = entry key, score = expires_at (Unix ms)
//   P:generation  counter bumped by every Add
// Both sets also hold the marker, member "0:intact" (no entry key starts
// with 0): it lives and dies with them, so a FLUSHALL, a restart without
// persistence or an eviction takes it too. Its score in P:revoked is its
// settled_at. CheckIntegrity reads it, MarkIntact writes it (NX), and the
// thread reads it every second (or every resync_interval when shorter):
// when it is gone, or carries another settled_at than the one last seen
// (a replica refilled the store after a loss), and after every reconnect,
// the WatchLoss callback runs so the caller writes back what it holds.
// The entry key is "<kind>:<tenant length>:<tenant><value>", so any bytes
// may appear in a tenant or value. Both sets are written with ZADD GT, so a
// repeated Add keeps the later times (the upsert rule). Prune removes the
// expired members from both sets atomically (a Lua script); as a safety net
// for abandoned deployments both keys also carry a Redis TTL of the latest
// expiry plus a margin for clock skew, extended by every Add.
//
// Add is one MULTI/EXEC transaction (write both sets, bump the generation,
// PUBLISH the entry on options.channel) and returns only once the server
// has acknowledged the EXEC; AddBatch writes many in one (one PUBLISH
// each).
//
// Watch: a background thread holds its own subscriber connection and hands
// each entry published by another replica to the callback. Every
// resync_interval (and after every reconnect) it reads P:generation and, if
// it moved, reloads the whole set and hands over the entries that this
// store has not handed out yet (or whose times grew): missed messages reach
// the callback through the same path as live ones. "Handed out" means
// returned by LoadAll, written by Add, or delivered to the callback, so the
// caller that loads, then watches, sees every entry exactly once.
//
// The thread reconnects by itself with exponential backoff when Redis goes
// away; Healthy() is false from the first failed command or the loss of the
// subscriber connection until both work again.
//
// Threads: Add/LoadAll/Prune from any thread (one command connection under
// a mutex); the callback runs on the store's thread.
#ifndef TOKEND_CORE_REVOCATION_REDIS_STORE_H_
#define TOKEND_CORE_REVOCATION_REDIS_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/revocation/revocation.h"

struct redisContext;
struct redisReply;

namespace tokend {
namespace redis_internal {
struct ContextDeleter {
  void operator()(redisContext* c) const;
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* r) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
}  // namespace redis_internal

struct RedisStoreOptions {
  // When Redis is unreachable: true refuses to issue and renew, false keeps
  // serving from the local view. The store only carries the setting; the
  // RevocationService acts on it.
  bool fail_closed = true;
  std::string key_prefix = "tokend:revocations";
  std::string channel = "tokend:revocations";
  // Full resync period; pub/sub delivers in well under a second, the resync
  // catches what pub/sub lost while a connection was down.
  absl::Duration resync_interval = absl::Seconds(5);
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(2);
  absl::Duration reconnect_min_backoff = absl::Milliseconds(50);
  absl::Duration reconnect_max_backoff = absl::Seconds(2);
};

// Parsed "redis://HOST:PORT/DB" (PORT defaults to 6379, DB to 0; an IPv6
// host is written in brackets).
struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
};
absl::StatusOr<RedisAddress> ParseRedisUrl(absl::string_view url);

inline constexpr int kSentinelPort = 26379;

// Where the store's Redis is: one server ("redis://HOST:PORT/DB"), or the
// master that Redis Sentinel names
// ("redis-sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB]": the sentinels
// to ask, PORT defaulting to 26379, and the master's name as in their
// `sentinel monitor` line). Errors are kInvalidArgument on
// "revocation.store", saying what is wrong.
struct RedisTarget {
  RedisAddress server;  // redis://: the server; Sentinel: the db only
  std::vector<RedisAddress> sentinels;  // empty for redis://
  std::string master_name;
  bool sentinel() const { return !sentinels.empty(); }
};
absl::StatusOr<RedisTarget> ParseRedisTarget(absl::string_view url);

class RedisStore final : public RevocationStore {
 public:
  // Parses the URL (kInvalidArgument on "revocation.store" when malformed)
  // and starts the background thread. Does not require Redis to be up: the
  // store starts unhealthy and connects when it can.
  static absl::StatusOr<std::unique_ptr<RedisStore>> Open(
      absl::string_view url, RedisStoreOptions options = {});
  ~RedisStore() override;

  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  absl::Status Add(const Revocation& revocation) override;
  // One MULTI/EXEC for the whole batch.
  absl::Status AddBatch(const std::vector<Revocation>& revocations) override;
  absl::StatusOr<std::vector<Revocation>> LoadAll() override;
  absl::Status Prune(absl::Time now) override;
  // Replaces any earlier callback and triggers a resync at once.
  void Watch(std::function<void(const Revocation&)> on_remote) override;
  bool Healthy() const override;
  absl::StatusOr<Integrity> CheckIntegrity() override;
  absl::Status MarkIntact(absl::Time settled_at) override;
  void WatchLoss(std::function<void()> on_loss) override;

  const RedisStoreOptions& options() const { return options_; }
  bool fail_closed() const { return options_.fail_closed; }

 private:
  struct Times {
    int64_t revoked_ms = 0;
    int64_t expires_ms = 0;
  };
  class Connection;

  RedisStore(RedisTarget target, std::string url, RedisStoreOptions options);
  // Sentinel's client protocol: the sentinels in turn, the last one that
  // answered first, asked for the master's address.
  absl::StatusOr<RedisAddress> AskSentinels();
  // A connection to the server, or to the master Sentinel names once ROLE
  // confirms it is one.
  absl::StatusOr<redis_internal::ContextPtr> ConnectToServer(bool select_db);
  // A connection to a sentinel, subscribed to +switch-master; null when
  // none answers (the subscriber tries again at its next resync).
  redis_internal::ContextPtr WatchSwitches();
  // Reads what `switches` has buffered: true when Sentinel announced a new
  // master for ours.
  bool SwitchAnnounced(redisContext* switches);
  void Run();
  // One session of the subscriber: connect, subscribe, resync, then read
  // messages until the connection fails or Stop. Returns true if it got as
  // far as subscribing (the backoff then starts over).
  bool RunSubscriber();
  // Reads the generation and, when it moved (or `force`), the whole set;
  // delivers unseen entries. False when Redis could not be reached.
  bool Resync(bool force);
  void HandleMessage(absl::string_view payload);
  void NotifyLoss();
  // A marker read: NotifyLoss when it changed since the last one seen.
  void ObserveMarker(int64_t settled_ms);
  // CheckIntegrity, which calls NotifyLoss when the marker is gone or new.
  void CheckMarker();
  // Records `entries` as handed out; returns those that were new or whose
  // times grew, with the merged times.
  std::vector<Revocation> MarkSeen(const std::vector<Revocation>& entries);
  void Deliver(const std::vector<Revocation>& entries);
  // Waits up to `timeout` for Stop or a wake-up; true when stopping.
  bool WaitForWake(absl::Duration timeout);
  void Wake();

  // Runs `commands` as one pipeline on the command connection, keeping
  // command_healthy_ (false when Redis cannot be reached, true when it
  // answered). An error reply is kUnavailable naming `what`; a MULTI ...
  // EXEC pipeline must have EXEC answer one reply per queued command, and
  // the last of *replies is EXEC's.
  absl::Status Command(const std::vector<std::vector<std::string>>& commands,
                       absl::string_view what,
                       std::vector<redis_internal::ReplyPtr>* replies);
  absl::StatusOr<std::vector<Revocation>> LoadAllRaw(int64_t* generation);
  absl::StatusOr<int64_t> ReadGeneration();

  const RedisTarget target_;
  const std::string url_;  // in errors (it carries no secret)
  const RedisStoreOptions options_;
  const std::string origin_;  // random id: skips our own published entries
  const std::string revoked_key_;
  const std::string expires_key_;
  const std::string generation_key_;

  std::unique_ptr<Connection> command_;  // guarded inside Connection

  absl::Mutex seen_mu_;
  absl::flat_hash_map<std::string, Times> seen_ ABSL_GUARDED_BY(seen_mu_);

  absl::Mutex watch_mu_;
  std::function<void(const Revocation&)> on_remote_ ABSL_GUARDED_BY(watch_mu_);
  bool resync_requested_ ABSL_GUARDED_BY(watch_mu_) = false;
  std::function<void()> on_loss_ ABSL_GUARDED_BY(watch_mu_);

  std::atomic<size_t> preferred_sentinel_{0};
  std::atomic<bool> command_healthy_{false};
  std::atomic<bool> subscriber_healthy_{false};
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;  // eventfd: Stop and Watch wake the thread's poll
  int64_t last_generation_ = -1;  // the thread's own
  int sessions_ = 0;              // the thread's own: subscriber sessions
  static constexpr int64_t kUnknownMarker = -1;
  // The marker's settled_at (Unix ms) as last read or written.
  std::atomic<int64_t> known_marker_ms_{kUnknownMarker};
  std::thread thread_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_REDIS_STORE_H_
