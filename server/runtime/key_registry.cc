#include "server/runtime/key_registry.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/crypto/algorithm.h"
#include "core/keys/key_source.h"
#include "core/reason.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"

namespace tokend {
namespace {

// The key thread ticks every manager at least this often, in case a
// transition was scheduled while it was not looking.
constexpr absl::Duration kSafetyTick = absl::Seconds(30);

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string KeysPath(size_t index) {
  return absl::StrCat("tenants[", index, "].keys");
}

// "cannot load keys" log line plus the failure metric.
void ReportLoadFailure(const std::string& tenant, const absl::Status& status) {
  Metrics::Get().KeyReloadFailed(tenant);
  // The message names the file and the reason; core never puts key
  // material into it.
  log::Error("key load failed; the last good keys stay",
             {{"tenant", tenant},
              {"reason", ReasonName(GetReason(status))},
              {"error", status.message()}});
}

}  // namespace

absl::StatusOr<std::unique_ptr<KeyManager>> NewKeyManager(const Config& config,
                                                          size_t index,
                                                          const Clock& clock) {
  const TenantConfig& tc = config.tenants[index];
  const KeysConfig& kc = tc.keys;
  const std::string path = KeysPath(index);
  const std::string alg_name = tc.algorithm.empty() ? "ES256" : tc.algorithm;
  std::optional<Algorithm> alg = AlgorithmFromName(alg_name);
  if (!alg) {
    return ConfigError(
        config.source, absl::StrCat("tenants[", index, "].algorithm"),
        absl::StrCat("'", alg_name, "' is not a supported algorithm"));
  }
  KeyManagerOptions options;
  options.alg = *alg;
  options.jwks_max_age = kc.jwks_max_age;
  options.publish_margin = kc.publish_margin;
  options.max_token_ttl = tc.max_ttl;
  // A retired key must also verify tokens renewed within the grace.
  options.leeway = tc.leeway + tc.renew_grace;
  options.rotation_period = kc.rotation_period;
  options.active_kid = kc.active_kid;
  absl::StatusOr<std::unique_ptr<KeyManager>> manager;
  if (kc.generate) {
    manager = KeyManager::CreateGenerated(options, clock);
  } else {
    KeySourceOptions source_options;
    source_options.alg = *alg;
    std::unique_ptr<KeySource> source =
        kc.dir.empty() ? FileKeySource(kc.file, source_options)
                       : DirectoryKeySource(kc.dir, source_options);
    manager = KeyManager::Create(options, std::move(source), clock);
  }
  if (!manager.ok()) {
    const std::string field = GetField(manager.status());
    return ConfigError(config.source,
                       field.empty() ? path : absl::StrCat(path, ".", field),
                       StatusDetail(manager.status()));
  }
  return manager;
}

std::string TenantKeys::Fingerprint(const Config& config, size_t index) {
  const TenantConfig& tc = config.tenants[index];
  const KeysConfig& kc = tc.keys;
  return absl::StrCat(tc.algorithm, "|", kc.dir, "|", kc.file, "|", kc.generate,
                      "|", absl::FormatDuration(kc.rotation_period), "|",
                      kc.active_kid, "|", absl::FormatDuration(kc.jwks_max_age),
                      "|", absl::FormatDuration(kc.publish_margin), "|",
                      absl::FormatDuration(tc.max_ttl), "|",
                      absl::FormatDuration(tc.leeway + tc.renew_grace));
}

absl::StatusOr<std::shared_ptr<TenantKeys>> TenantKeys::Create(
    const Config& config, size_t index, const Clock& clock,
    std::function<void()> on_state_change) {
  const TenantConfig& tc = config.tenants[index];
  absl::StatusOr<std::unique_ptr<KeyManager>> manager =
      NewKeyManager(config, index, clock);
  if (!manager.ok()) return manager.status();
  std::shared_ptr<TenantKeys> keys(
      new TenantKeys(tc.name, Fingerprint(config, index), *std::move(manager)));
  if (absl::Status error = keys->manager_->LastError(); !error.ok()) {
    ReportLoadFailure(tc.name, error);
  }
  keys->manager_->SetListener(
      [notify = std::move(on_state_change)](const KeyState&) { notify(); });
  if (tc.keys.generate) return keys;
  const std::string dir =
      tc.keys.dir.empty() ? DirName(tc.keys.file) : tc.keys.dir;
  TenantKeys* raw = keys.get();
  absl::StatusOr<std::unique_ptr<FileWatcher>> watcher = FileWatcher::Start(
      dir, FileWatcherOptions(), [raw] { raw->OnFilesChanged(); });
  if (!watcher.ok()) {
    return ConfigError(
        config.source,
        absl::StrCat(KeysPath(index), tc.keys.dir.empty() ? ".file" : ".dir"),
        absl::StrCat("cannot watch '", dir,
                     "': ", StatusDetail(watcher.status())));
  }
  keys->watcher_ = *std::move(watcher);
  return keys;
}

TenantKeys::~TenantKeys() {
  if (watcher_ != nullptr) watcher_->Stop();
}

void TenantKeys::OnFilesChanged() {
  absl::Status status = manager_->Reload();
  // A one-step swap of the signing key: loud, since a restarted replica
  // would reject the dropped key's live tokens. The warning names the file
  // and the kid, never key material.
  for (const std::string& warning : manager_->TakeWarnings()) {
    Metrics::Get().KeyUnsafeRemoval(tenant_);
    log::Warn("signing key removed unsafely; use `tokenctl rotate`",
              {{"tenant", tenant_}, {"detail", warning}});
  }
  if (!status.ok()) {
    ReportLoadFailure(tenant_, status);
    return;
  }
  log::Debug("keys reloaded", {{"tenant", tenant_}});
}

KeyRegistry::KeyRegistry(const Clock& clock,
                         std::function<void(const std::string&)> on_change)
    : clock_(clock), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Run(); });
}

KeyRegistry::~KeyRegistry() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
  Plan dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped.swap(current_);
  }
  // The watchers stop here, outside mu_: a watcher thread inside Reload()
  // may be waiting for mu_ in Enqueue.
  dropped.clear();
}

absl::StatusOr<KeyRegistry::Plan> KeyRegistry::Prepare(const Config& config) {
  Plan plan;
  for (size_t i = 0; i < config.tenants.size(); ++i) {
    const TenantConfig& tc = config.tenants[i];
    if (tc.profile != "jwt" || !tc.keys.configured()) continue;
    {
      absl::MutexLock lock(&mu_);
      auto it = current_.find(tc.name);
      if (it != current_.end() &&
          it->second->fingerprint() == TenantKeys::Fingerprint(config, i)) {
        plan[tc.name] = it->second;
        continue;
      }
    }
    absl::StatusOr<std::shared_ptr<TenantKeys>> keys = TenantKeys::Create(
        config, i, clock_, [this, name = tc.name] { Enqueue(name); });
    if (!keys.ok()) return keys.status();
    plan[tc.name] = *std::move(keys);
  }
  return plan;
}

void KeyRegistry::Commit(Plan plan) {
  {
    absl::MutexLock lock(&mu_);
    current_.swap(plan);
    rescan_ = true;
  }
  // `plan` now holds the previous set; the dropped ones stop outside mu_.
  plan.clear();
}

std::shared_ptr<const KeyState> KeyRegistry::Snapshot(
    absl::string_view tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = current_.find(tenant);
  return it == current_.end() ? nullptr : it->second->Snapshot();
}

KeyStateLookup KeyRegistry::Lookup(const Plan& plan) {
  return [&plan](absl::string_view tenant) -> std::shared_ptr<const KeyState> {
    auto it = plan.find(tenant);
    return it == plan.end() ? nullptr : it->second->Snapshot();
  };
}

void KeyRegistry::Enqueue(const std::string& tenant) {
  {
    absl::MutexLock lock(&mu_);
    if (std::find(queue_.begin(), queue_.end(), tenant) == queue_.end()) {
      queue_.push_back(tenant);
    }
    rescan_ = true;
  }
}

bool KeyRegistry::HasWorkLocked() const {
  return stop_ || rescan_ || !queue_.empty();
}

void KeyRegistry::Run() {
  absl::Time next = clock_.Now();
  while (true) {
    std::vector<std::string> changed;
    std::vector<std::shared_ptr<TenantKeys>> all;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time deadline = std::min(next, clock_.Now() + kSafetyTick);
      mu_.AwaitWithDeadline(absl::Condition(this, &KeyRegistry::HasWorkLocked),
                            deadline);
      if (stop_) return;
      rescan_ = false;
      changed.swap(queue_);
      for (const auto& [name, keys] : current_) all.push_back(keys);
    }
    // Tick without mu_: a tick that changes the state calls the listener,
    // which takes mu_ (Enqueue).
    next = absl::InfiniteFuture();
    for (const auto& keys : all) {
      if (keys->manager().NextTransition() <= clock_.Now()) {
        keys->manager().Tick();
      }
      next = std::min(next, keys->manager().NextTransition());
    }
    // A transition that Tick() could not advance must not spin the thread.
    next = std::max(next, clock_.Now() + absl::Milliseconds(10));
    for (const std::string& tenant : changed) on_change_(tenant);
  }
}

}  // namespace tokend
