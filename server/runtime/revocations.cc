#include "server/runtime/revocations.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/reason.h"
#include "core/revocation/redis_store.h"
#include "core/revocation/sqlite_store.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"

namespace tokend {
namespace {

constexpr absl::string_view kSqlite = "sqlite:";
constexpr absl::string_view kDefaultFile = "revocations.db";

// The state folder of `config` as an absolute-or-cwd-relative path.
std::string StateDir(const Config& config) {
  std::string dir = config.state_dir.empty() ? ".tokend" : config.state_dir;
  if (dir[0] == '/' || config.base_dir.empty() || config.base_dir == ".") {
    return dir;
  }
  return absl::StrCat(config.base_dir, "/", dir);
}

absl::Status StoreError(const Config& config, const absl::Status& status) {
  return ConfigError(config.source, "revocation.store", StatusDetail(status));
}

}  // namespace

std::string RevocationStoreSpec(const Config& config) {
  if (!config.revocation.store.empty()) return config.revocation.store;
  return absl::StrCat(kSqlite, StateDir(config), "/", kDefaultFile);
}

absl::string_view RevocationStoreKind(absl::string_view spec) {
  return absl::StartsWith(spec, kSqlite) ? "sqlite" : "redis";
}

absl::StatusOr<std::unique_ptr<RevocationService>> OpenRevocations(
    const Config& config, const Clock& clock) {
  const std::string spec = RevocationStoreSpec(config);
  const RevocationConfig& rc = config.revocation;
  RevocationServiceOptions options;
  options.fail_closed = rc.fail_closed;
  options.prune_interval = rc.prune_interval;
  options.on_store_write = [](absl::Duration latency, bool ok) {
    Metrics::Get().RevocationStoreWrite(latency, ok);
  };
  options.on_remote = [](const Revocation& r) {
    Metrics::Get().RevocationAdded(RevocationKindName(r.kind), "remote");
  };
  // A replica that starts while the store has lost its data waits about
  // one resync period for the running replicas to write theirs back.
  options.refill_wait = rc.resync_interval;
  options.on_refill = [](size_t written, bool taken_as_found) {
    if (taken_as_found) {
      log::Warn(
          "revocation store had no marker and no replica refilled it: "
          "taken as it was (a new store, or its data was lost while no "
          "replica ran)",
          {{"written_back", static_cast<int64_t>(written)}});
    } else if (written > 0) {
      log::Warn(
          "revocation store had lost entries; wrote back this "
          "replica's",
          {{"written_back", static_cast<int64_t>(written)}});
    }
  };
  std::unique_ptr<RevocationStore> store;
  absl::string_view path = spec;
  if (absl::ConsumePrefix(&path, kSqlite)) {
    if (rc.store.empty()) {
      // The default lives in the state folder, which may not exist yet.
      const std::string dir = StateDir(config);
      if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return StoreError(
            config, Error(Reason::kUnavailable,
                          absl::StrCat("cannot create the state folder ", dir,
                                       " for the default store: ",
                                       std::strerror(errno))));
      }
    }
    absl::StatusOr<std::unique_ptr<SqliteStore>> sqlite =
        SqliteStore::Open(std::string(path));
    if (!sqlite.ok()) return StoreError(config, sqlite.status());
    store = *std::move(sqlite);
  } else {
    RedisStoreOptions redis;
    redis.fail_closed = rc.fail_closed;
    redis.resync_interval = rc.resync_interval;
    absl::StatusOr<std::unique_ptr<RedisStore>> opened =
        RedisStore::Open(spec, redis);
    if (!opened.ok()) return StoreError(config, opened.status());
    store = *std::move(opened);
  }
  return std::make_unique<RevocationService>(std::move(store), clock,
                                             std::move(options));
}

absl::Status StartRevocations(RevocationService& service,
                              const Config& config) {
  const std::string spec = RevocationStoreSpec(config);
  absl::Status started = service.Start();
  if (started.ok()) {
    log::Info("revocation store loaded",
              {{"store", RevocationStoreKind(spec)},
               {"entries", static_cast<int64_t>(service.index().size())}});
    return absl::OkStatus();
  }
  if (RevocationStoreKind(spec) == "sqlite") {
    return StoreError(config, started);
  }
  // Redis will come: the service retries the load in the background.
  log::Warn("revocation store unreachable at start; retrying",
            {{"store", "redis"},
             {"error", StatusDetail(started)},
             {"on_store_unavailable",
              config.revocation.fail_closed ? "closed" : "open"}});
  return absl::OkStatus();
}

void StopRevocations(RevocationService& service, absl::Time deadline) {
  const std::vector<Revocation> dropped = service.Stop(deadline);
  if (dropped.empty()) return;
  log::Warn(
      "revocations not durable at shutdown: the store did not take "
      "them, and only this process enforced them",
      {{"count", static_cast<int64_t>(dropped.size())}});
  for (const Revocation& r : dropped) {
    Metrics::Get().RevocationDroppedAtShutdown(RevocationKindName(r.kind));
    // Named as in the audit line of the RevokeToken that made it.
    const absl::string_view kind = RevocationKindName(r.kind);
    if (r.kind == Revocation::Kind::kTenant) {
      log::Warn("revocation dropped at shutdown",
                {{"tenant", r.tenant}, {"kind", kind}});
    } else {
      log::Warn("revocation dropped at shutdown",
                {{"tenant", r.tenant},
                 {"kind", kind},
                 {r.kind == Revocation::Kind::kSubject ? "subject" : "token_id",
                  r.value}});
    }
  }
}

RevocationReadiness ReadinessOf(const RevocationService& service) {
  RevocationReadiness r;
  if (service.Healthy()) return r;
  r.healthy = false;
  const size_t pending = service.pending();
  if (service.RefuseIssuing()) {
    r.ready = false;
    r.line = absl::StrCat(
        "not ready: the revocation store is unavailable (", pending,
        " revocations not yet durable); on_store_unavailable is closed, so "
        "Issue, Renew and Subscribe are refused\n");
  } else {
    r.line = absl::StrCat(
        "degraded: the revocation store is unavailable (", pending,
        " revocations not yet durable); on_store_unavailable is open, so "
        "tokend serves from its local view\n");
  }
  return r;
}

absl::Status CheckRevocationReload(const Config& running, const Config& next) {
  const RevocationConfig& a = running.revocation;
  const RevocationConfig& b = next.revocation;
  absl::string_view field;
  if (RevocationStoreSpec(running) != RevocationStoreSpec(next)) {
    field = "revocation.store";
  } else if (a.fail_closed != b.fail_closed) {
    field = "revocation.on_store_unavailable";
  } else if (a.resync_interval != b.resync_interval) {
    field = "revocation.resync_interval";
  } else if (a.prune_interval != b.prune_interval) {
    field = "revocation.prune_interval";
  } else {
    return absl::OkStatus();
  }
  return ConfigError(next.source, field,
                     "changed, which needs a restart (the running revocation "
                     "store stays in use)");
}

absl::Duration RevocationLifetime(const Config& config,
                                  absl::string_view tenant) {
  for (const TenantConfig& t : config.tenants) {
    if (t.name == tenant) return t.max_ttl + t.leeway + t.renew_grace;
  }
  return absl::Hours(24) + absl::Seconds(60);
}

absl::string_view RevocationKindName(Revocation::Kind kind) {
  switch (kind) {
    case Revocation::Kind::kTokenId:
      return "token_id";
    case Revocation::Kind::kSubject:
      return "subject";
    case Revocation::Kind::kTenant:
      return "tenant";
  }
  return "unknown";
}

RevocationMonitor::RevocationMonitor(const RevocationService& service,
                                     std::string store_kind,
                                     std::function<void(bool)> on_change,
                                     absl::Duration period)
    : service_(service),
      store_kind_(std::move(store_kind)),
      on_change_(std::move(on_change)),
      period_(period) {
  thread_ = std::thread([this] { Run(); });
}

RevocationMonitor::~RevocationMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void RevocationMonitor::Run() {
  bool first = true;
  bool was_healthy = true;
  bool was_issuing = true;
  for (;;) {
    const bool healthy = service_.Healthy();
    const bool issuing = !service_.RefuseIssuing();
    const size_t pending = service_.pending();
    Metrics::Get().RevocationStoreState(store_kind_, healthy, !issuing, pending,
                                        service_.index().size());
    if (!first && healthy != was_healthy) {
      if (healthy) {
        log::Info("revocation store healthy again", {{"store", store_kind_}});
      } else {
        log::Warn("revocation store unavailable",
                  {{"store", store_kind_},
                   {"pending", static_cast<int64_t>(pending)},
                   {"issuing", issuing ? "yes (on_store_unavailable: open)"
                                       : "refused (on_store_unavailable: "
                                         "closed)"}});
      }
    }
    if (first || issuing != was_issuing) on_change_(issuing);
    first = false;
    was_healthy = healthy;
    was_issuing = issuing;
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), period_)) return;
  }
}

}  // namespace tokend
