// The server's side of revocation: which store the configuration names,
// opening it behind a RevocationService (core/revocation/), the lifetime of
// an entry, the reload rule, and the monitor that makes the store's health
// visible (metrics, readiness, grpc health).
//
// The store: `revocation.store` is "sqlite:PATH" (the embedded default,
// durable before RevokeToken answers), "redis://HOST:PORT/DB" (shared by
// replicas) or "redis-sentinel://HOST:PORT[,HOST:PORT...]/MASTER/DB" (the
// same, the master found and followed through Redis Sentinel). Unset:
// sqlite:<state_dir>/revocations.db, where a relative state_dir is resolved
// against the config file's directory and an unset one is ".tokend" there (for
// the embedded development default, the state folder it uses). The store cannot
// change on reload ("needs a restart").
#ifndef TOKEND_SERVER_RUNTIME_REVOCATIONS_H_
#define TOKEND_SERVER_RUNTIME_REVOCATIONS_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/revocation/revocation_service.h"
#include "server/config/config.h"

namespace tokend {

// "sqlite:/abs/path" or "redis://..." for `config` (the default applied).
std::string RevocationStoreSpec(const Config& config);
// "sqlite" or "redis" (Sentinel included): the metrics label of a spec.
absl::string_view RevocationStoreKind(absl::string_view spec);

// Opens the configured store and wraps it in a service that is not started
// yet (add listeners, then StartRevocations). Errors are config errors on
// `revocation.store`: a file that is not a revocation database, a directory
// that cannot be created or written. A Redis that is down is not an error.
absl::StatusOr<std::unique_ptr<RevocationService>> OpenRevocations(
    const Config& config, const Clock& clock);

// Starts the service (loads every entry). SQLite must load; Redis may be
// down at start: logged, and the service keeps trying (unhealthy until it
// loads).
absl::Status StartRevocations(RevocationService& service, const Config& config);

// For shutdown: gives the store until `deadline` to take the revocations
// still queued or refused (RevocationService::Stop), then logs each one it
// did not take (they were enforced by this process only and are gone with
// it) and counts them in tokend_revocations_dropped_at_shutdown_total.
void StopRevocations(RevocationService& service, absl::Time deadline);

// What /readyz says about the store. Healthy: nothing. Otherwise `line`
// explains, and `ready` is false when issuing is refused (fail-closed: 503)
// and true when tokend serves from its local view (fail-open: 200
// "degraded").
struct RevocationReadiness {
  bool healthy = true;
  bool ready = true;
  std::string line;
};
RevocationReadiness ReadinessOf(const RevocationService& service);

// A reload may not change the revocation section: an error naming the
// changed field and saying it needs a restart; OK when unchanged.
absl::Status CheckRevocationReload(const Config& running, const Config& next);

// How long an entry of `tenant` must live: the longest a token it affects
// can still be accepted, i.e. the tenant's max TTL + leeway + renew grace
// (24 h + 60 s for a tenant the config does not know).
absl::Duration RevocationLifetime(const Config& config,
                                  absl::string_view tenant);

// "token_id", "subject" or "tenant": the metrics label of a kind.
absl::string_view RevocationKindName(Revocation::Kind kind);

// Watches the service's health on its own thread (every `period`):
// publishes the store gauges, logs every change, and calls `on_change`
// with whether issuing is allowed (false: fail-closed and the store is
// down) whenever that flips, and once at start.
class RevocationMonitor {
 public:
  RevocationMonitor(const RevocationService& service, std::string store_kind,
                    std::function<void(bool issuing)> on_change,
                    absl::Duration period = absl::Milliseconds(200));
  // Stops the thread; on_change is not called after it returns.
  ~RevocationMonitor();

  RevocationMonitor(const RevocationMonitor&) = delete;
  RevocationMonitor& operator=(const RevocationMonitor&) = delete;

 private:
  void Run();

  const RevocationService& service_;
  const std::string store_kind_;
  const std::function<void(bool)> on_change_;
  const absl::Duration period_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_REVOCATIONS_H_
