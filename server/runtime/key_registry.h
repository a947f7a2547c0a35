// The managed keys of the jwt tenants that set `keys` (config.h KeysConfig):
// one KeyManager per tenant (core/keys/key_manager.h), owned by a
// TenantKeys that survives config reloads while the tenant's key settings
// stay the same (so pending/active/retired state is kept), and is replaced
// when they change.
//
// Threads:
// - Each dir/file tenant has a FileWatcher thread that calls
//   KeyManager::Reload() when its directory changes (inotify, or polling);
//   a failed load is logged (file and reason) and counted, and the last good
//   keys stay.
// - The registry's key thread calls Tick() on every manager when its
//   NextTransition() is due (and every 30 s as a safety net), and runs the
//   change callback for every tenant whose KeyState changed.
// - The managers' listeners run under the manager's lock on whichever of
//   those threads changed the state; they only queue the tenant's name and
//   wake the key thread.
// - Config loads (the server's main thread) call Prepare and Commit.
#ifndef TOKEND_SERVER_RUNTIME_KEY_REGISTRY_H_
#define TOKEND_SERVER_RUNTIME_KEY_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "core/keys/file_watcher.h"
#include "core/keys/key_manager.h"
#include "server/config/config.h"
#include "server/runtime/tenant_builder.h"

namespace tokend {

// A KeyManager for config.tenants[index] (which sets `keys`), loaded once.
// Errors are config errors naming the field (tenants[i].keys.<field>); a
// source that fails to load is not an error here (the manager starts
// without keys; see KeyManager::Create).
absl::StatusOr<std::unique_ptr<KeyManager>> NewKeyManager(const Config& config,
                                                          size_t index,
                                                          const Clock& clock);

// One tenant's manager and, for dir/file keys, its watcher.
class TenantKeys {
 public:
  // `on_state_change` becomes the manager's listener (runs under its lock).
  static absl::StatusOr<std::shared_ptr<TenantKeys>> Create(
      const Config& config, size_t index, const Clock& clock,
      std::function<void()> on_state_change);
  ~TenantKeys();  // stops the watcher first

  // Every setting the manager was built from; equal fingerprints may share
  // one manager across reloads.
  static std::string Fingerprint(const Config& config, size_t index);

  const std::string& tenant() const { return tenant_; }
  const std::string& fingerprint() const { return fingerprint_; }
  KeyManager& manager() { return *manager_; }
  std::shared_ptr<const KeyState> Snapshot() const {
    return manager_->Snapshot();
  }

 private:
  TenantKeys(std::string tenant, std::string fingerprint,
             std::unique_ptr<KeyManager> manager)
      : tenant_(std::move(tenant)),
        fingerprint_(std::move(fingerprint)),
        manager_(std::move(manager)) {}
  // The watcher thread's callback.
  void OnFilesChanged();

  const std::string tenant_;
  const std::string fingerprint_;
  std::unique_ptr<KeyManager> manager_;
  std::unique_ptr<FileWatcher> watcher_;  // null: generated keys
};

class KeyRegistry {
 public:
  // Tenant name → its keys, for the tenants of one config.
  using Plan = absl::flat_hash_map<std::string, std::shared_ptr<TenantKeys>>;

  // `on_change(tenant)` runs on the key thread after that tenant's KeyState
  // changed (one call at a time).
  KeyRegistry(const Clock& clock,
              std::function<void(const std::string&)> on_change);
  ~KeyRegistry();  // stops the key thread, then the watchers

  // The keys `config` needs: the current TenantKeys of every tenant whose
  // key settings are unchanged, new ones for the rest. Nothing is current
  // until Commit, so a config that fails later changes nothing.
  absl::StatusOr<Plan> Prepare(const Config& config);
  // Makes `plan` current; the tenants it lacks are dropped (their watchers
  // stop).
  void Commit(Plan plan);

  // The current state of a managed tenant; null for other tenants.
  std::shared_ptr<const KeyState> Snapshot(absl::string_view tenant) const;

  // Snapshots from `plan`, for ConfigSnapshot::Build.
  static KeyStateLookup Lookup(const Plan& plan);

 private:
  void Enqueue(const std::string& tenant);
  void Run();
  // The key thread has work: a stop, a rescan or a changed tenant.
  bool HasWorkLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const std::function<void(const std::string&)> on_change_;
  mutable absl::Mutex mu_;
  Plan current_ ABSL_GUARDED_BY(mu_);
  // The tenants whose keys changed.
  std::vector<std::string> queue_ ABSL_GUARDED_BY(mu_);
  // Transitions moved: every tenant's next one is to be read again.
  bool rescan_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // the key thread
};

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_KEY_REGISTRY_H_
