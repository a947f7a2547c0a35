#include "core/revocation/redis_store.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/reason.h"

namespace tokend {

void redis_internal::ContextDeleter::operator()(redisContext* c) const {
  redisFree(c);
}

void redis_internal::ReplyDeleter::operator()(redisReply* r) const {
  freeReplyObject(r);
}

namespace {

// Keys outlive their latest entry by this much, so a Redis clock ahead of
// ours never drops a live entry through the TTL.
constexpr absl::Duration kKeyTtlMargin = absl::Hours(24);

// The marker: a member of both sets that no entry key can equal (entry keys
// start with a kind, 1-3), so it lives and dies with the sets themselves
// (FLUSHALL, a restart without persistence, eviction, the TTL). Its score
// in the revoked set is its settled_at (Unix ms); in the expires set it
// lies far beyond any entry's, so Prune never takes it.
constexpr absl::string_view kMarker = "0:intact";
constexpr absl::string_view kMarkerExpiresMs = "253402300799000";  // 9999

// How often the store's thread looks for the marker (at most; a shorter
// resync_interval is used when set).
constexpr absl::Duration kMarkerCheckInterval = absl::Seconds(1);

// Prune: the expired members of KEYS[2] (expires) leave both sets at once.
constexpr const char* kPruneScript =
    "local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])\n"
    "for i = 1, #gone, 256 do\n"
    "  redis.call('ZREM', KEYS[1], unpack(gone, i, math.min(i + 255, #gone)))\n"
    "end\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])\n"
    "return #gone\n";

using redis_internal::ReplyPtr;

using redis_internal::ContextPtr;

// Fields as "<length>:<bytes>" one after the other: any byte may appear.
void AppendField(absl::string_view field, std::string* out) {
  absl::StrAppend(out, field.size(), ":", field);
}

bool ReadField(absl::string_view* in, absl::string_view* field) {
  const size_t colon = in->find(':');
  if (colon == absl::string_view::npos) return false;
  size_t length = 0;
  if (!absl::SimpleAtoi(in->substr(0, colon), &length)) return false;
  in->remove_prefix(colon + 1);
  if (length > in->size()) return false;
  *field = in->substr(0, length);
  in->remove_prefix(length);
  return true;
}

std::string EncodeKey(const Revocation& r) {
  std::string key = absl::StrCat(static_cast<int>(r.kind), ":");
  AppendField(r.tenant, &key);
  key.append(r.value);
  return key;
}

bool DecodeKey(absl::string_view key, Revocation* r) {
  const size_t colon = key.find(':');
  int kind = 0;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(key.substr(0, colon), &kind) ||
      kind < static_cast<int>(Revocation::Kind::kTokenId) ||
      kind > static_cast<int>(Revocation::Kind::kTenant)) {
    return false;
  }
  key.remove_prefix(colon + 1);
  absl::string_view tenant;
  if (!ReadField(&key, &tenant)) return false;
  r->kind = static_cast<Revocation::Kind>(kind);
  r->tenant = std::string(tenant);
  r->value = std::string(key);
  return true;
}

bool ParseScore(const redisReply* reply, int64_t* ms) {
  if (reply->type != REDIS_REPLY_STRING) return false;
  const std::string text(reply->str, reply->len);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) {
    return false;
  }
  *ms = std::llround(value);
  return true;
}

std::string RandomOrigin() {
  std::random_device device;
  return absl::StrFormat("%08x%08x%08x%08x", device(), device(), device(),
                         device());
}

}  // namespace

namespace {

// "HOST[:PORT]" or "[V6HOST][:PORT]" into *address; a reason when malformed.
std::string ParseHostPort(absl::string_view hostport, RedisAddress* address) {
  absl::string_view port;
  if (absl::StartsWith(hostport, "[")) {
    const size_t close = hostport.find(']');
    if (close == absl::string_view::npos) return "unclosed [ in the host";
    address->host = std::string(hostport.substr(1, close - 1));
    const absl::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return "junk after the IPv6 host";
      port = after.substr(1);
    }
  } else {
    const size_t colon = hostport.rfind(':');
    address->host = std::string(hostport.substr(0, colon));
    if (colon != absl::string_view::npos) port = hostport.substr(colon + 1);
  }
  if (address->host.empty()) return "no host";
  if (!port.empty() && (!absl::SimpleAtoi(port, &address->port) ||
                        address->port <= 0 || address->port > 65535)) {
    return "the port must be 1-65535";
  }
  return "";
}

bool ParseDb(absl::string_view text, int* db) {
  return text.empty() || (absl::SimpleAtoi(text, db) && *db >= 0);
}

absl::Status BadUrl(absl::string_view url, absl::string_view why) {
  return Error(Reason::kInvalidArgument,
               absl::StrCat("revocation store URL ", url, ": ", why),
               "revocation.store");
}

constexpr absl::string_view kRedisScheme = "redis://";
constexpr absl::string_view kSentinelScheme = "redis-sentinel://";

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisUrl(absl::string_view url) {
  if (!absl::StartsWith(url, kRedisScheme)) {
    return BadUrl(url, "must start with redis://");
  }
  absl::string_view rest = url.substr(kRedisScheme.size());
  RedisAddress address;
  absl::string_view hostport = rest;
  const size_t slash = rest.find('/');
  if (slash != absl::string_view::npos) {
    hostport = rest.substr(0, slash);
    if (!ParseDb(rest.substr(slash + 1), &address.db)) {
      return BadUrl(url, "the database must be a non-negative number");
    }
  }
  if (std::string why = ParseHostPort(hostport, &address); !why.empty()) {
    return BadUrl(url, why);
  }
  return address;
}

absl::StatusOr<RedisTarget> ParseRedisTarget(absl::string_view url) {
  RedisTarget target;
  if (!absl::StartsWith(url, kSentinelScheme)) {
    absl::StatusOr<RedisAddress> address = ParseRedisUrl(url);
    if (!address.ok()) return address.status();
    target.server = *std::move(address);
    return target;
  }
  // redis-sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB]
  const std::vector<absl::string_view> parts =
      absl::StrSplit(url.substr(kSentinelScheme.size()), '/');
  if (parts.size() < 2 || parts[1].empty()) {
    return BadUrl(url,
                  "redis-sentinel:// needs the master's name: "
                  "redis-sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB]");
  }
  if (parts.size() > 3) return BadUrl(url, "junk after the database");
  if (parts[0].empty()) return BadUrl(url, "no sentinel");
  int n = 0;
  for (absl::string_view hostport : absl::StrSplit(parts[0], ',')) {
    ++n;
    RedisAddress sentinel;
    sentinel.port = kSentinelPort;
    if (std::string why = ParseHostPort(hostport, &sentinel); !why.empty()) {
      return BadUrl(url, absl::StrCat("sentinel ", n, ": ", why));
    }
    target.sentinels.push_back(std::move(sentinel));
  }
  for (char c : parts[1]) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
      return BadUrl(url,
                    "the master's name takes letters, digits, '-', '_' "
                    "and '.'");
    }
  }
  target.master_name = std::string(parts[1]);
  if (parts.size() == 3 && !ParseDb(parts[2], &target.server.db)) {
    return BadUrl(url, "the database must be a non-negative number");
  }
  return target;
}

namespace {

absl::Status Unavailable(absl::string_view where, absl::string_view what,
                         absl::string_view why) {
  return Error(Reason::kUnavailable,
               absl::StrCat("revocation store ", where, ": ", what, ": ", why));
}

// A new connection to `address` with the command timeout set and (for
// commands) the database selected. `where` names the store in errors.
absl::StatusOr<ContextPtr> ConnectTo(const RedisAddress& address,
                                     const RedisStoreOptions& options,
                                     bool select_db, absl::string_view where) {
  const std::string server = absl::StrCat(address.host, ":", address.port);
  ContextPtr ctx(
      redisConnectWithTimeout(address.host.c_str(), address.port,
                              absl::ToTimeval(options.connect_timeout)));
  if (ctx == nullptr) {
    return Unavailable(where, absl::StrCat("connect to ", server),
                       "out of memory");
  }
  if (ctx->err != 0) {
    return Unavailable(where, absl::StrCat("connect to ", server), ctx->errstr);
  }
  if (redisSetTimeout(ctx.get(), absl::ToTimeval(options.command_timeout)) !=
      REDIS_OK) {
    return Unavailable(where, "set timeout", ctx->errstr);
  }
  if (select_db && address.db != 0) {
    ReplyPtr reply(static_cast<redisReply*>(
        redisCommand(ctx.get(), "SELECT %d", address.db)));
    if (reply == nullptr) return Unavailable(where, "SELECT", ctx->errstr);
    if (reply->type == REDIS_REPLY_ERROR) {
      return Unavailable(where, "SELECT", std::string(reply->str, reply->len));
    }
  }
  return ctx;
}

bool IsReadOnlyError(const redisReply* reply) {
  return reply->type == REDIS_REPLY_ERROR &&
         absl::StartsWith(absl::string_view(reply->str, reply->len),
                          "READONLY");
}

}  // namespace

// One blocking connection, reconnected on demand (through `connect`, which
// finds the master when Sentinel names it); a command that fails on the
// wire drops it so the next call starts afresh, and so does an answer
// from a server that is a replica now (READONLY: a failover demoted it).
class RedisStore::Connection {
 public:
  using Connect = std::function<absl::StatusOr<ContextPtr>()>;
  Connection(Connect connect, std::string where)
      : connect_(std::move(connect)), where_(std::move(where)) {}

  // Sends `commands` as one pipeline and reads one reply per command.
  absl::StatusOr<std::vector<ReplyPtr>> Run(
      const std::vector<std::vector<std::string>>& commands) {
    absl::MutexLock lock(&mu_);
    if (ctx_ == nullptr) {
      absl::StatusOr<ContextPtr> ctx = connect_();
      if (!ctx.ok()) return ctx.status();
      ctx_ = std::move(*ctx);
    }
    for (const auto& command : commands) {
      std::vector<const char*> argv;
      std::vector<size_t> lengths;
      for (const std::string& arg : command) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
      }
      if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()),
                                 argv.data(), lengths.data()) != REDIS_OK) {
        return Drop("write", ctx_->errstr);
      }
    }
    std::vector<ReplyPtr> replies;
    for (size_t i = 0; i < commands.size(); ++i) {
      void* reply = nullptr;
      if (redisGetReply(ctx_.get(), &reply) != REDIS_OK || reply == nullptr) {
        return Drop("read", ctx_->errstr);
      }
      replies.emplace_back(static_cast<redisReply*>(reply));
    }
    for (const ReplyPtr& reply : replies) {
      if (IsReadOnlyError(reply.get())) {
        return Drop("write", "the server is a read-only replica now");
      }
    }
    return replies;
  }

  // Drops the connection: the next command connects afresh (Sentinel
  // announced a new master).
  void Reset() {
    absl::MutexLock lock(&mu_);
    ctx_.reset();
  }

 private:
  absl::Status Drop(absl::string_view what, absl::string_view why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Status status = Unavailable(where_, what, why);
    ctx_.reset();
    return status;
  }

  const Connect connect_;
  const std::string where_;
  absl::Mutex mu_;
  ContextPtr ctx_ ABSL_GUARDED_BY(mu_);
};

namespace {

// The first error reply among `replies`, as kUnavailable.
absl::Status CheckReplies(const std::vector<ReplyPtr>& replies,
                          absl::string_view what) {
  for (const ReplyPtr& reply : replies) {
    if (reply->type == REDIS_REPLY_ERROR) {
      return Error(Reason::kUnavailable,
                   absl::StrCat("revocation store: ", what, ": ",
                                absl::string_view(reply->str, reply->len)));
    }
  }
  return absl::OkStatus();
}

// EXEC's reply: an array with one reply per queued command, none an error.
absl::Status CheckExec(const std::vector<ReplyPtr>& replies, size_t queued,
                       absl::string_view what) {
  absl::Status status = CheckReplies(replies, what);
  if (!status.ok()) return status;
  const redisReply* exec = replies.back().get();
  if (exec->type != REDIS_REPLY_ARRAY || exec->elements != queued) {
    return Error(Reason::kUnavailable, absl::StrCat("revocation store: ", what,
                                                    ": transaction aborted"));
  }
  for (size_t i = 0; i < exec->elements; ++i) {
    if (exec->element[i]->type == REDIS_REPLY_ERROR) {
      return Error(Reason::kUnavailable,
                   absl::StrCat("revocation store: ", what, ": ",
                                absl::string_view(exec->element[i]->str,
                                                  exec->element[i]->len)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisStore>> RedisStore::Open(
    absl::string_view url, RedisStoreOptions options) {
  absl::StatusOr<RedisTarget> target = ParseRedisTarget(url);
  if (!target.ok()) return target.status();
  if (options.resync_interval <= absl::ZeroDuration() ||
      options.reconnect_min_backoff <= absl::ZeroDuration() ||
      options.reconnect_max_backoff < options.reconnect_min_backoff) {
    return Error(Reason::kInvalidArgument,
                 "revocation store: resync and backoff durations must be "
                 "positive, max backoff at least the min",
                 "revocation.store");
  }
  std::unique_ptr<RedisStore> store(
      new RedisStore(*std::move(target), std::string(url), std::move(options)));
  if (store->wake_fd_ < 0) {
    return Error(Reason::kInternal,
                 absl::StrCat("revocation store: eventfd: ", errno));
  }
  store->thread_ = std::thread([s = store.get()] { s->Run(); });
  return store;
}

RedisStore::RedisStore(RedisTarget target, std::string url,
                       RedisStoreOptions options)
    : target_(std::move(target)),
      url_(std::move(url)),
      options_(std::move(options)),
      origin_(RandomOrigin()),
      revoked_key_(options_.key_prefix + ":revoked"),
      expires_key_(options_.key_prefix + ":expires"),
      generation_key_(options_.key_prefix + ":generation"),
      command_(std::make_unique<Connection>(
          [this] { return ConnectToServer(/*select_db=*/true); }, url_)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

absl::StatusOr<RedisAddress> RedisStore::AskSentinels() {
  const size_t n = target_.sentinels.size();
  const size_t first = preferred_sentinel_.load();
  std::string errors;
  for (size_t i = 0; i < n; ++i) {
    const size_t which = (first + i) % n;
    const RedisAddress& sentinel = target_.sentinels[which];
    absl::StatusOr<ContextPtr> ctx =
        ConnectTo(sentinel, options_, /*select_db=*/false, url_);
    if (!ctx.ok()) {
      absl::StrAppend(&errors, errors.empty() ? "" : "; ", "sentinel ",
                      sentinel.host, ":", sentinel.port, " unreachable");
      continue;
    }
    ReplyPtr reply(static_cast<redisReply*>(
        redisCommand(ctx->get(), "SENTINEL get-master-addr-by-name %b",
                     target_.master_name.data(), target_.master_name.size())));
    const auto text = [](const redisReply* r) {
      return r->type == REDIS_REPLY_STRING ? absl::string_view(r->str, r->len)
                                           : absl::string_view();
    };
    RedisAddress master;
    master.db = target_.server.db;
    if (reply != nullptr && reply->type == REDIS_REPLY_ARRAY &&
        reply->elements == 2 && !text(reply->element[0]).empty() &&
        absl::SimpleAtoi(text(reply->element[1]), &master.port)) {
      master.host = std::string(text(reply->element[0]));
      // The one that answered is asked first from now on.
      preferred_sentinel_.store(which);
      return master;
    }
    absl::StrAppend(&errors, errors.empty() ? "" : "; ", "sentinel ",
                    sentinel.host, ":", sentinel.port, ": ",
                    reply == nullptr ? absl::string_view((*ctx)->errstr)
                    : reply->type == REDIS_REPLY_ERROR
                        ? absl::string_view(reply->str, reply->len)
                        : absl::string_view("does not know the master"));
  }
  return Unavailable(url_, "ask Sentinel for the master", errors);
}

absl::StatusOr<ContextPtr> RedisStore::ConnectToServer(bool select_db) {
  if (!target_.sentinel()) {
    return ConnectTo(target_.server, options_, select_db, url_);
  }
  absl::StatusOr<RedisAddress> master = AskSentinels();
  if (!master.ok()) return master.status();
  absl::StatusOr<ContextPtr> ctx =
      ConnectTo(*master, options_, select_db, url_);
  if (!ctx.ok()) return ctx.status();
  // Sentinel may be behind a failover: only a master will do.
  ReplyPtr role(static_cast<redisReply*>(redisCommand(ctx->get(), "ROLE")));
  if (role == nullptr) return Unavailable(url_, "ROLE", (*ctx)->errstr);
  if (role->type != REDIS_REPLY_ARRAY || role->elements == 0 ||
      role->element[0]->type != REDIS_REPLY_STRING ||
      absl::string_view(role->element[0]->str, role->element[0]->len) !=
          "master") {
    return Unavailable(url_, "ROLE",
                       absl::StrCat(master->host, ":", master->port,
                                    " is not a master (yet)"));
  }
  return ctx;
}

bool RedisStore::SwitchAnnounced(redisContext* switches) {
  bool announced = false;
  void* buffered = nullptr;
  while (redisGetReplyFromReader(switches, &buffered) == REDIS_OK &&
         buffered != nullptr) {
    ReplyPtr message(static_cast<redisReply*>(buffered));
    buffered = nullptr;
    // ["message", "+switch-master", "<name> <old ip> <old port> <new ip>
    // <new port>"]
    if (message->type == REDIS_REPLY_ARRAY && message->elements == 3 &&
        message->element[2]->type == REDIS_REPLY_STRING &&
        absl::StartsWith(absl::string_view(message->element[2]->str,
                                           message->element[2]->len),
                         absl::StrCat(target_.master_name, " "))) {
      announced = true;
    }
  }
  return announced;
}

ContextPtr RedisStore::WatchSwitches() {
  const RedisAddress& sentinel =
      target_.sentinels[preferred_sentinel_.load() % target_.sentinels.size()];
  absl::StatusOr<ContextPtr> ctx =
      ConnectTo(sentinel, options_, /*select_db=*/false, url_);
  if (!ctx.ok()) return nullptr;
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommand(ctx->get(), "SUBSCRIBE +switch-master")));
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return nullptr;
  return *std::move(ctx);
}

RedisStore::~RedisStore() {
  stopping_.store(true);
  Wake();
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

bool RedisStore::Healthy() const {
  return command_healthy_.load() && subscriber_healthy_.load();
}

absl::Status RedisStore::Command(
    const std::vector<std::vector<std::string>>& commands,
    absl::string_view what, std::vector<ReplyPtr>* replies) {
  absl::StatusOr<std::vector<ReplyPtr>> answered = command_->Run(commands);
  if (!answered.ok()) {
    command_healthy_.store(false);
    return answered.status();
  }
  *replies = *std::move(answered);
  absl::Status status = commands.front().front() == "MULTI"
                            ? CheckExec(*replies, commands.size() - 2, what)
                            : CheckReplies(*replies, what);
  if (!status.ok()) return status;
  command_healthy_.store(true);
  return absl::OkStatus();
}

absl::Status RedisStore::Add(const Revocation& revocation) {
  return AddBatch({revocation});
}

absl::Status RedisStore::AddBatch(const std::vector<Revocation>& revocations) {
  if (revocations.empty()) return absl::OkStatus();
  std::vector<std::string> zadd_revoked = {"ZADD", revoked_key_, "GT"};
  std::vector<std::string> zadd_expires = {"ZADD", expires_key_, "GT"};
  std::vector<std::string> messages;
  std::vector<Revocation> stored;
  absl::Time latest = absl::InfinitePast();
  for (const Revocation& revocation : revocations) {
    const std::string key = EncodeKey(revocation);
    const int64_t revoked_ms = CeilUnixMillis(revocation.revoked_at);
    const int64_t expires_ms = CeilUnixMillis(revocation.expires_at);
    zadd_revoked.push_back(absl::StrCat(revoked_ms));
    zadd_revoked.push_back(key);
    zadd_expires.push_back(absl::StrCat(expires_ms));
    zadd_expires.push_back(key);
    std::string& message = messages.emplace_back();
    AppendField(origin_, &message);
    AppendField(key, &message);
    AppendField(absl::StrCat(revoked_ms), &message);
    AppendField(absl::StrCat(expires_ms), &message);
    Revocation& kept = stored.emplace_back(revocation);
    kept.revoked_at = absl::FromUnixMillis(revoked_ms);
    kept.expires_at = absl::FromUnixMillis(expires_ms);
    latest = std::max(latest, revocation.expires_at);
  }

  std::vector<std::vector<std::string>> commands = {
      {"MULTI"}, std::move(zadd_revoked), std::move(zadd_expires)};
  // The TTL safety net, only for a deadline still ahead: PEXPIREAT with a
  // past time would delete the whole set.
  const absl::Time key_deadline = latest + kKeyTtlMargin;
  if (key_deadline > absl::Now() && key_deadline < absl::InfiniteFuture()) {
    const std::string at = absl::StrCat(CeilUnixMillis(key_deadline));
    for (const std::string* k : {&revoked_key_, &expires_key_}) {
      // NX sets a first TTL, GT only ever extends it.
      commands.push_back({"PEXPIREAT", *k, at, "NX"});
      commands.push_back({"PEXPIREAT", *k, at, "GT"});
    }
  }
  commands.push_back({"INCR", generation_key_});
  for (std::string& message : messages) {
    commands.push_back({"PUBLISH", options_.channel, std::move(message)});
  }
  commands.push_back({"EXEC"});

  std::vector<ReplyPtr> replies;
  absl::Status status = Command(commands, "add revocation", &replies);
  if (!status.ok()) return status;
  MarkSeen(stored);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Revocation>> RedisStore::LoadAllRaw(
    int64_t* generation) {
  std::vector<ReplyPtr> replies;
  absl::Status status = Command(
      {
          {"MULTI"},
          {"ZRANGE", revoked_key_, "0", "-1", "WITHSCORES"},
          {"ZRANGE", expires_key_, "0", "-1", "WITHSCORES"},
          {"GET", generation_key_},
          {"EXEC"},
      },
      "load revocations", &replies);
  if (!status.ok()) return status;
  const redisReply* exec = replies.back().get();
  const redisReply* revoked = exec->element[0];
  const redisReply* expires = exec->element[1];
  const redisReply* gen = exec->element[2];
  const auto malformed = [] {
    return Error(Reason::kInternal,
                 "revocation store: malformed reply to the set load");
  };
  if (revoked->type != REDIS_REPLY_ARRAY ||
      expires->type != REDIS_REPLY_ARRAY || revoked->elements % 2 != 0 ||
      expires->elements % 2 != 0) {
    return malformed();
  }
  *generation = 0;
  if (gen->type == REDIS_REPLY_STRING &&
      !absl::SimpleAtoi(absl::string_view(gen->str, gen->len), generation)) {
    return malformed();
  }
  absl::flat_hash_map<absl::string_view, int64_t> revoked_at;
  revoked_at.reserve(revoked->elements / 2);
  for (size_t i = 0; i < revoked->elements; i += 2) {
    int64_t ms = 0;
    if (revoked->element[i]->type != REDIS_REPLY_STRING ||
        !ParseScore(revoked->element[i + 1], &ms)) {
      return malformed();
    }
    revoked_at[absl::string_view(revoked->element[i]->str,
                                 revoked->element[i]->len)] = ms;
  }
  std::vector<Revocation> all;
  all.reserve(expires->elements / 2);
  for (size_t i = 0; i < expires->elements; i += 2) {
    int64_t expires_ms = 0;
    if (expires->element[i]->type != REDIS_REPLY_STRING ||
        !ParseScore(expires->element[i + 1], &expires_ms)) {
      return malformed();
    }
    const absl::string_view key(expires->element[i]->str,
                                expires->element[i]->len);
    auto it = revoked_at.find(key);
    Revocation r;
    // A member in one set only is a foreign write; skip it.
    if (it == revoked_at.end() || !DecodeKey(key, &r)) continue;
    r.revoked_at = absl::FromUnixMillis(it->second);
    r.expires_at = absl::FromUnixMillis(expires_ms);
    all.push_back(std::move(r));
  }
  return all;
}

absl::StatusOr<std::vector<Revocation>> RedisStore::LoadAll() {
  int64_t generation = 0;
  absl::StatusOr<std::vector<Revocation>> all = LoadAllRaw(&generation);
  if (all.ok()) MarkSeen(*all);
  return all;
}

absl::StatusOr<int64_t> RedisStore::ReadGeneration() {
  std::vector<ReplyPtr> replies;
  absl::Status status =
      Command({{"GET", generation_key_}}, "read generation", &replies);
  if (!status.ok()) return status;
  const redisReply* reply = replies.front().get();
  int64_t generation = 0;
  if (reply->type == REDIS_REPLY_STRING &&
      !absl::SimpleAtoi(absl::string_view(reply->str, reply->len),
                        &generation)) {
    return Error(Reason::kInternal, "revocation store: malformed generation");
  }
  return generation;
}

absl::Status RedisStore::Prune(absl::Time now) {
  std::vector<ReplyPtr> replies;
  absl::Status status =
      Command({{"EVAL", kPruneScript, "2", revoked_key_, expires_key_,
                absl::StrCat(absl::ToUnixMillis(now))}},
              "prune revocations", &replies);
  if (!status.ok()) return status;
  const int64_t now_ms = absl::ToUnixMillis(now);
  absl::MutexLock lock(&seen_mu_);
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (it->second.expires_ms <= now_ms) {
      seen_.erase(it++);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RevocationStore::Integrity> RedisStore::CheckIntegrity() {
  std::vector<ReplyPtr> replies;
  absl::Status status = Command(
      {
          {"ZSCORE", revoked_key_, std::string(kMarker)},
          {"ZSCORE", expires_key_, std::string(kMarker)},
          {"PUBSUB", "NUMSUB", options_.channel},
      },
      "read the marker", &replies);
  if (!status.ok()) return status;
  Integrity integrity;
  int64_t settled_ms = 0;
  integrity.intact = replies[1]->type == REDIS_REPLY_STRING &&
                     ParseScore(replies[0].get(), &settled_ms);
  if (integrity.intact) {
    integrity.settled_at = absl::FromUnixMillis(settled_ms);
    ObserveMarker(settled_ms);
  } else {
    NotifyLoss();
  }
  const redisReply* numsub = replies[2].get();
  if (numsub->type == REDIS_REPLY_ARRAY && numsub->elements == 2 &&
      numsub->element[1]->type == REDIS_REPLY_INTEGER) {
    // Our own subscriber connection is one of them.
    integrity.other_replicas = static_cast<int>(std::max<long long>(
        0, numsub->element[1]->integer - (subscriber_healthy_.load() ? 1 : 0)));
  }
  return integrity;
}

absl::Status RedisStore::MarkIntact(absl::Time settled_at) {
  // NX: a marker another replica wrote first stays; read back the one
  // that won, so this store does not take it for a new loss.
  std::vector<ReplyPtr> replies;
  absl::Status status = Command(
      {
          {"MULTI"},
          {"ZADD", revoked_key_, "NX", absl::StrCat(CeilUnixMillis(settled_at)),
           std::string(kMarker)},
          {"ZADD", expires_key_, "NX", std::string(kMarkerExpiresMs),
           std::string(kMarker)},
          {"ZSCORE", revoked_key_, std::string(kMarker)},
          {"EXEC"},
      },
      "write the marker", &replies);
  if (!status.ok()) return status;
  int64_t settled_ms = 0;
  if (!ParseScore(replies.back()->element[2], &settled_ms)) {
    return Error(Reason::kInternal, "revocation store: malformed marker");
  }
  known_marker_ms_.store(settled_ms);
  return absl::OkStatus();
}

void RedisStore::ObserveMarker(int64_t settled_ms) {
  const int64_t known = known_marker_ms_.exchange(settled_ms);
  // Written again since we last saw it: another replica refilled the
  // store after a loss this one did not see; it may lack our entries.
  if (known != kUnknownMarker && known != settled_ms) NotifyLoss();
}

void RedisStore::WatchLoss(std::function<void()> on_loss) {
  absl::MutexLock lock(&watch_mu_);
  on_loss_ = std::move(on_loss);
}

void RedisStore::NotifyLoss() {
  std::function<void()> callback;
  {
    absl::MutexLock lock(&watch_mu_);
    callback = on_loss_;
  }
  if (callback) callback();
}

void RedisStore::CheckMarker() { (void)CheckIntegrity(); }

void RedisStore::Watch(std::function<void(const Revocation&)> on_remote) {
  {
    absl::MutexLock lock(&watch_mu_);
    on_remote_ = std::move(on_remote);
    resync_requested_ = true;
  }
  Wake();
}

std::vector<Revocation> RedisStore::MarkSeen(
    const std::vector<Revocation>& entries) {
  std::vector<Revocation> fresh;
  absl::MutexLock lock(&seen_mu_);
  for (const Revocation& r : entries) {
    const Times times{absl::ToUnixMillis(r.revoked_at),
                      absl::ToUnixMillis(r.expires_at)};
    auto [it, inserted] = seen_.try_emplace(EncodeKey(r), times);
    if (inserted) {
      fresh.push_back(r);
      continue;
    }
    Times& known = it->second;
    if (times.revoked_ms <= known.revoked_ms &&
        times.expires_ms <= known.expires_ms) {
      continue;
    }
    known.revoked_ms = std::max(known.revoked_ms, times.revoked_ms);
    known.expires_ms = std::max(known.expires_ms, times.expires_ms);
    Revocation merged = r;
    merged.revoked_at = absl::FromUnixMillis(known.revoked_ms);
    merged.expires_at = absl::FromUnixMillis(known.expires_ms);
    fresh.push_back(std::move(merged));
  }
  return fresh;
}

void RedisStore::Deliver(const std::vector<Revocation>& entries) {
  if (entries.empty()) return;
  std::function<void(const Revocation&)> callback;
  {
    absl::MutexLock lock(&watch_mu_);
    callback = on_remote_;
  }
  if (!callback) return;
  for (const Revocation& r : entries) callback(r);
}

void RedisStore::HandleMessage(absl::string_view payload) {
  absl::string_view origin, key, revoked, expires;
  int64_t revoked_ms = 0, expires_ms = 0;
  Revocation r;
  if (!ReadField(&payload, &origin) || !ReadField(&payload, &key) ||
      !ReadField(&payload, &revoked) || !ReadField(&payload, &expires) ||
      !absl::SimpleAtoi(revoked, &revoked_ms) ||
      !absl::SimpleAtoi(expires, &expires_ms) || !DecodeKey(key, &r)) {
    return;  // not ours; the resync reads the sets themselves
  }
  if (origin == origin_) return;
  {
    // Not watching yet: leave it unseen so the first resync delivers it.
    absl::MutexLock lock(&watch_mu_);
    if (!on_remote_) return;
  }
  r.revoked_at = absl::FromUnixMillis(revoked_ms);
  r.expires_at = absl::FromUnixMillis(expires_ms);
  Deliver(MarkSeen({r}));
}

bool RedisStore::Resync(bool force) {
  absl::StatusOr<int64_t> generation = ReadGeneration();
  if (!generation.ok()) return false;
  if (!force && *generation == last_generation_) return true;
  {
    absl::MutexLock lock(&watch_mu_);
    if (!on_remote_) return true;  // nothing to deliver to yet
  }
  int64_t loaded_generation = 0;
  absl::StatusOr<std::vector<Revocation>> all = LoadAllRaw(&loaded_generation);
  if (!all.ok()) return false;
  last_generation_ = loaded_generation;
  Deliver(MarkSeen(*all));
  return true;
}

void RedisStore::Wake() {
  const uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof(one));
}

bool RedisStore::WaitForWake(absl::Duration timeout) {
  pollfd fd{wake_fd_, POLLIN, 0};
  const int ms = static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 0, 60000));
  if (poll(&fd, 1, ms) > 0) {
    uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof(count));
  }
  return stopping_.load();
}

void RedisStore::Run() {
  absl::Duration backoff = options_.reconnect_min_backoff;
  while (!stopping_.load()) {
    const bool subscribed = RunSubscriber();
    subscriber_healthy_.store(false);
    if (stopping_.load()) break;
    if (subscribed) backoff = options_.reconnect_min_backoff;
    if (WaitForWake(backoff)) break;
    backoff = std::min(backoff * 2, options_.reconnect_max_backoff);
  }
}

bool RedisStore::RunSubscriber() {
  absl::StatusOr<ContextPtr> connected = ConnectToServer(/*select_db=*/false);
  if (!connected.ok()) return false;
  redisContext* ctx = connected->get();
  ReplyPtr reply(static_cast<redisReply*>(redisCommand(
      ctx, "SUBSCRIBE %b", options_.channel.data(), options_.channel.size())));
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return false;
  reply.reset();

  // Subscribed first, then resync: anything written before the
  // subscription is in the sets, anything after arrives as a message.
  subscriber_healthy_.store(true);
  // Connected again: whatever Redis went through meanwhile (a restart, a
  // failover) may have dropped acknowledged writes, marker or not.
  if (sessions_++ > 0) NotifyLoss();
  Resync(true);
  CheckMarker();
  // Sentinel's announcements, to follow a failover at once (a demoted
  // master that stays up would otherwise keep this connection).
  ContextPtr switches = target_.sentinel() ? WatchSwitches() : nullptr;
  const absl::Duration marker_interval =
      std::min(kMarkerCheckInterval, options_.resync_interval);
  absl::Time next_resync = absl::Now() + options_.resync_interval;
  absl::Time next_marker = absl::Now() + marker_interval;
  while (!stopping_.load()) {
    // Replies already buffered by hiredis do not make the socket readable.
    void* buffered = nullptr;
    while (redisGetReplyFromReader(ctx, &buffered) == REDIS_OK &&
           buffered != nullptr) {
      ReplyPtr message(static_cast<redisReply*>(buffered));
      buffered = nullptr;
      if (message->type == REDIS_REPLY_ARRAY && message->elements == 3 &&
          message->element[0]->type == REDIS_REPLY_STRING &&
          absl::string_view(message->element[0]->str,
                            message->element[0]->len) == "message" &&
          message->element[2]->type == REDIS_REPLY_STRING) {
        HandleMessage(absl::string_view(message->element[2]->str,
                                        message->element[2]->len));
      }
    }
    if (ctx->err != 0) break;
    if (switches != nullptr && SwitchAnnounced(switches.get())) {
      // A new master: both connections go to it.
      command_->Reset();
      break;
    }

    const absl::Duration wait = std::max(
        std::min(next_resync, next_marker) - absl::Now(), absl::ZeroDuration());
    pollfd fds[3] = {{ctx->fd, POLLIN, 0},
                     {wake_fd_, POLLIN, 0},
                     {switches != nullptr ? switches->fd : -1, POLLIN, 0}};
    const int ready = poll(fds, 3,
                           static_cast<int>(std::clamp<int64_t>(
                               absl::ToInt64Milliseconds(wait) + 1, 0, 60000)));
    if (stopping_.load()) break;
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      uint64_t count = 0;
      (void)!read(wake_fd_, &count, sizeof(count));
    }
    if (ready > 0 && fds[0].revents != 0) {
      if (redisBufferRead(ctx) != REDIS_OK) break;  // EOF or error: reconnect
    }
    if (ready > 0 && switches != nullptr && fds[2].revents != 0 &&
        redisBufferRead(switches.get()) != REDIS_OK) {
      switches.reset();  // made again at the next resync
    }
    bool force = false;
    {
      absl::MutexLock lock(&watch_mu_);
      std::swap(force, resync_requested_);
    }
    if (force || absl::Now() >= next_resync) {
      Resync(force);  // a failure shows in command_healthy_
      next_resync = absl::Now() + options_.resync_interval;
      if (target_.sentinel() && switches == nullptr) switches = WatchSwitches();
    }
    if (absl::Now() >= next_marker) {
      CheckMarker();
      next_marker = absl::Now() + marker_interval;
    }
  }
  return true;
}

}  // namespace tokend
