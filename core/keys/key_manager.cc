#include "core/keys/key_manager.h"

#include <openssl/sha.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/jose/base64url.h"
#include "core/keys/jwk.h"
#include "core/reason.h"

namespace tokend {
namespace {

bool CanSign(const Key& key) {
  return key.family() == KeyFamily::kHmac || key.has_private();
}

ManagedKey* FindKid(std::vector<ManagedKey>& keys, absl::string_view kid) {
  for (ManagedKey& key : keys) {
    if (key.key->kid() == kid) return &key;
  }
  return nullptr;
}

ManagedKey* FindActive(std::vector<ManagedKey>& keys) {
  for (ManagedKey& key : keys) {
    if (key.status == KeyStatus::kActive) return &key;
  }
  return nullptr;
}

void SortByKid(std::vector<ManagedKey>* keys) {
  std::sort(keys->begin(), keys->end(),
            [](const ManagedKey& a, const ManagedKey& b) {
              return a.key->kid() < b.key->kid();
            });
}

std::string Etag(absl::string_view json) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(json.data()), json.size(),
         digest);
  return absl::StrCat(
      "\"",
      Base64UrlEncode(absl::string_view(reinterpret_cast<const char*>(digest),
                                        sizeof(digest))),
      "\"");
}

std::shared_ptr<const KeyState> EmptyState(absl::Duration max_age) {
  auto state = std::make_shared<KeyState>();
  state->jwks_json = "{\"keys\":[]}";
  state->jwks_etag = Etag(state->jwks_json);
  state->jwks_max_age = max_age;
  return state;
}

}  // namespace

absl::string_view KeyStatusName(KeyStatus status) {
  switch (status) {
    case KeyStatus::kPending:
      return "pending";
    case KeyStatus::kActive:
      return "active";
    case KeyStatus::kRetired:
      return "retired";
  }
  return "unknown";
}

const ManagedKey* KeyState::Find(absl::string_view kid) const {
  for (const ManagedKey& key : keys) {
    if (key.key->kid() == kid) return &key;
  }
  return nullptr;
}

std::string KeyState::CacheControl() const {
  return absl::StrCat("public, max-age=", absl::ToInt64Seconds(jwks_max_age));
}

KeyManager::KeyManager(KeyManagerOptions options,
                       std::unique_ptr<KeySource> source, const Clock& clock)
    : options_(std::move(options)),
      source_(std::move(source)),
      clock_(clock),
      state_(EmptyState(options_.jwks_max_age)) {}

namespace {

absl::Status ValidateOptions(const KeyManagerOptions& options) {
  if (options.jwks_max_age < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative",
                 "jwks_max_age");
  }
  if (options.publish_margin < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative",
                 "publish_margin");
  }
  if (options.max_token_ttl <= absl::ZeroDuration() ||
      options.max_token_ttl == absl::InfiniteDuration()) {
    return Error(Reason::kInvalidArgument, "must be positive and finite",
                 "max_token_ttl");
  }
  if (options.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative", "leeway");
  }
  if (options.rotation_period <= absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must be positive",
                 "rotation_period");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KeyManager>> KeyManager::Create(
    KeyManagerOptions options, std::unique_ptr<KeySource> source,
    const Clock& clock) {
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  if (source == nullptr) {
    return Error(Reason::kInvalidArgument, "a key source is required", "keys");
  }
  if (options.rotation_period != absl::InfiniteDuration()) {
    return Error(Reason::kInvalidArgument,
                 "automatic rotation needs generated keys; rotate file keys "
                 "by changing the files",
                 "rotation_period");
  }
  std::unique_ptr<KeyManager> manager(
      new KeyManager(std::move(options), std::move(source), clock));
  // A failing first load is recorded (LastError, counter), not fatal.
  manager->Reload().IgnoreError();
  return manager;
}

absl::StatusOr<std::unique_ptr<KeyManager>> KeyManager::CreateGenerated(
    KeyManagerOptions options, const Clock& clock) {
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return valid;
  if (!options.active_kid.empty()) {
    return Error(Reason::kInvalidArgument,
                 "generated keys have no configured kid", "active_kid");
  }
  std::unique_ptr<KeyManager> manager(
      new KeyManager(std::move(options), nullptr, clock));
  absl::MutexLock lock(&manager->mu_);
  if (!manager->MaybeGenerate(clock.Now())) {
    return manager->last_error_;
  }
  manager->loaded_once_ = true;
  manager->Advance(clock.Now());
  manager->Publish();
  return manager;
}

absl::Status KeyManager::Reload() {
  if (source_ == nullptr) {
    return Error(Reason::kInvalidArgument,
                 "generated keys are not reloaded; they rotate on Tick()");
  }
  // Loading under the lock keeps concurrent reloads in order.
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::vector<SourcedKey>> loaded = source_->Load();
  if (!loaded.ok()) {
    RecordFailure(loaded.status());
    return loaded.status();
  }
  absl::Status applied = ApplyLoad(*std::move(loaded), clock_.Now());
  if (!applied.ok()) {
    RecordFailure(applied);
    return applied;
  }
  last_error_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::Status KeyManager::ApplyLoad(std::vector<SourcedKey> loaded,
                                   absl::Time now) {
  std::vector<ManagedKey> next = keys_;
  bool changed = false;
  std::vector<bool> seen(next.size(), false);
  for (SourcedKey& entry : loaded) {
    ManagedKey* existing = FindKid(next, entry.key->kid());
    if (existing == nullptr) {
      // Retired so long ago that no token of it is live: not needed.
      if (entry.schedule.retire_at != absl::InfiniteFuture() &&
          entry.schedule.retire_at + TokenLifetime() <= now) {
        continue;
      }
      ManagedKey key;
      key.key = std::move(entry.key);
      key.origin = std::move(entry.origin);
      key.modified = entry.modified;
      key.first_seen = now;
      key.schedule = entry.schedule;
      // The file's activation decides, the same for every replica. Without
      // one, keys of the first load count as published: nothing signed
      // before.
      key.signable_at = entry.schedule.activate_at != absl::InfinitePast()
                            ? entry.schedule.activate_at
                        : loaded_once_ ? now + PublishDelay()
                                       : now;
      next.push_back(std::move(key));
      seen.push_back(true);
      changed = true;
      continue;
    }
    if (!SameKeyMaterial(*existing->key, *entry.key)) {
      return Error(Reason::kKeySetInvalid,
                   absl::StrCat(entry.origin, ": kid \"", entry.key->kid(),
                                "\" now names different key material while "
                                "tokens of the old key may still be live"),
                   entry.origin);
    }
    seen[static_cast<size_t>(existing - next.data())] = true;
    if (existing->key->has_private() != entry.key->has_private()) {
      existing->key = std::move(entry.key);
      changed = true;
    }
    if (existing->schedule.activate_at != entry.schedule.activate_at ||
        existing->schedule.retire_at != entry.schedule.retire_at) {
      existing->schedule = entry.schedule;
      if (entry.schedule.activate_at != absl::InfinitePast()) {
        existing->signable_at = entry.schedule.activate_at;
      }
      changed = true;
    }
    existing->origin = std::move(entry.origin);
    existing->modified = entry.modified;
    if (!existing->in_source) {
      existing->in_source = true;
      existing->left_source_at = absl::InfiniteFuture();
      existing->remove_at = absl::InfiniteFuture();
      changed = true;
    }
  }
  std::vector<std::string> unsafe;
  for (size_t i = 0; i < next.size(); ++i) {
    if (!seen[i] && next[i].in_source) {
      next[i].in_source = false;
      next[i].left_source_at = now;
      changed = true;
      // A signer dropped before its recorded retirement (or with none):
      // replicas that restart now cannot verify its live tokens.
      if (next[i].status == KeyStatus::kActive &&
          next[i].schedule.retire_at > now) {
        unsafe.push_back(absl::StrCat(
            next[i].origin, ": kid \"", next[i].key->kid(),
            "\" was signing and its file was removed with no retirement "
            "recorded (tokend_retire_at); this process keeps verifying it "
            "until its tokens expire, but a restarted replica rejects them "
            "(UNKNOWN_KID): rotate with `tokenctl rotate` and remove the old "
            "file only after its tokens expired"));
      }
    }
  }
  // The verification set must stay a valid KeySet (no symmetric/asymmetric
  // mix) before anything is committed.
  std::vector<std::shared_ptr<const Key>> all;
  all.reserve(next.size());
  for (const ManagedKey& key : next) all.push_back(key.key);
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(all));
  if (!set.ok()) {
    return Error(GetReason(set.status()),
                 absl::StrCat(source_->Describe(),
                              ": the keys do not form one key set: ",
                              set.status().message()),
                 source_->Describe());
  }
  SortByKid(&next);
  keys_ = std::move(next);
  loaded_once_ = true;
  unsafe_removals_.fetch_add(unsafe.size(), std::memory_order_acq_rel);
  for (std::string& warning : unsafe) warnings_.push_back(std::move(warning));
  if (Advance(now) || changed) Publish();
  return absl::OkStatus();
}

const ManagedKey* KeyManager::ChooseSigner(absl::Time now) const {
  if (!options_.active_kid.empty()) {
    for (const ManagedKey& key : keys_) {
      if (key.key->kid() == options_.active_kid && key.in_source &&
          CanSign(*key.key) && now < key.schedule.retire_at) {
        return &key;
      }
    }
  }
  const ManagedKey* best = nullptr;
  for (const ManagedKey& key : keys_) {
    if (!key.in_source || !CanSign(*key.key)) continue;
    // A schedule excludes keys before their activation and from their
    // retirement on. (An unscheduled key may be chosen before it is
    // signable: the current signer then keeps signing until it is.)
    if (now < key.schedule.activate_at || now >= key.schedule.retire_at) {
      continue;
    }
    if (best == nullptr ||
        std::make_tuple(key.schedule.activate_at, key.first_seen, key.modified,
                        key.key->kid()) >
            std::make_tuple(best->schedule.activate_at, best->first_seen,
                            best->modified, best->key->kid())) {
      best = &key;
    }
  }
  return best;
}

bool KeyManager::MaybeGenerate(absl::Time now) {
  if (source_ != nullptr) return false;
  const ManagedKey* active = FindActive(keys_);
  if (!keys_.empty()) {
    if (active == nullptr ||
        options_.rotation_period == absl::InfiniteDuration()) {
      return false;
    }
    for (const ManagedKey& key : keys_) {
      if (key.status == KeyStatus::kPending) return false;
    }
    const absl::Duration lead =
        std::min(PublishDelay(), options_.rotation_period);
    if (now < active->activated_at + options_.rotation_period - lead) {
      return false;
    }
  }
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(options_.alg);
  absl::StatusOr<std::string> kid =
      key.ok() ? DefaultKid(**key) : absl::StatusOr<std::string>(key.status());
  if (!kid.ok()) {
    RecordFailure(Error(
        GetReason(kid.status()),
        absl::StrCat("generating a key failed: ", kid.status().message())));
    return false;
  }
  ManagedKey managed;
  managed.key = (*key)->WithKid(*std::move(kid));
  managed.origin = "generated";
  managed.first_seen = now;
  managed.signable_at = keys_.empty() ? now : now + PublishDelay();
  keys_.push_back(std::move(managed));
  SortByKid(&keys_);
  return true;
}

bool KeyManager::Advance(absl::Time now) {
  bool changed = MaybeGenerate(now);
  const ManagedKey* chosen = ChooseSigner(now);
  ManagedKey* active = FindActive(keys_);
  // Its file's retirement passed: it stops signing even without a
  // successor.
  if (active != nullptr && now >= active->schedule.retire_at &&
      active != chosen) {
    active->status = KeyStatus::kRetired;
    active->retired_at = now;
    active = nullptr;
    changed = true;
  }
  if (chosen != nullptr && chosen != active && now >= chosen->signable_at) {
    if (active != nullptr) {
      active->status = KeyStatus::kRetired;
      active->retired_at = now;
      // A generated key lives only as long as it signs.
      if (source_ == nullptr) {
        active->in_source = false;
        active->left_source_at = now;
      }
    }
    ManagedKey* next = FindKid(keys_, chosen->key->kid());
    next->status = KeyStatus::kActive;
    next->activated_at = now;
    changed = true;
  }
  active = FindActive(keys_);
  for (ManagedKey& key : keys_) {
    // Published long enough but not chosen: verify-only.
    if (key.status == KeyStatus::kPending && now >= key.signable_at &&
        &key != active &&
        (chosen == nullptr || key.key->kid() != chosen->key->kid())) {
      key.status = KeyStatus::kRetired;
      changed = true;
    }
    if (key.status == KeyStatus::kActive) continue;
    absl::Time remove_at = absl::InfiniteFuture();
    if (!key.in_source) {
      remove_at =
          std::max(key.left_source_at, key.retired_at) + TokenLifetime();
    }
    // Scheduled retirement: no token of it is signed after retire_at (nor
    // after this process retired it), whether or not its file stays.
    if (now >= key.schedule.retire_at) {
      remove_at =
          std::min(remove_at, std::max(key.schedule.retire_at, key.retired_at) +
                                  TokenLifetime());
    }
    key.remove_at = remove_at;
  }
  const size_t before = keys_.size();
  keys_.erase(std::remove_if(keys_.begin(), keys_.end(),
                             [now](const ManagedKey& key) {
                               return now >= key.remove_at;
                             }),
              keys_.end());
  return changed || keys_.size() != before;
}

absl::Time KeyManager::NextTransition() const {
  absl::MutexLock lock(&mu_);
  absl::Time next = absl::InfiniteFuture();
  const ManagedKey* active = nullptr;
  for (const ManagedKey& key : keys_) {
    if (key.status == KeyStatus::kActive) active = &key;
    if (key.status == KeyStatus::kPending) {
      next = std::min(next, key.signable_at);
    }
    // A scheduled retirement stops the signer and starts the removal clock
    // (Advance leaves no key past it without a remove_at).
    if (key.remove_at == absl::InfiniteFuture()) {
      next = std::min(next, key.schedule.retire_at);
    }
    next = std::min(next, key.remove_at);
  }
  if (source_ == nullptr && active != nullptr &&
      options_.rotation_period != absl::InfiniteDuration()) {
    const absl::Duration lead =
        std::min(PublishDelay(), options_.rotation_period);
    bool has_pending = false;
    for (const ManagedKey& key : keys_) {
      has_pending = has_pending || key.status == KeyStatus::kPending;
    }
    if (!has_pending) {
      next = std::min(next,
                      active->activated_at + options_.rotation_period - lead);
    }
  }
  return next;
}

void KeyManager::Tick() {
  absl::MutexLock lock(&mu_);
  if (Advance(clock_.Now())) Publish();
}

void KeyManager::Publish() {
  auto state = std::make_shared<KeyState>();
  state->generation = ++generation_;
  state->keys = keys_;
  std::vector<std::shared_ptr<const Key>> all;
  for (const ManagedKey& key : keys_) {
    all.push_back(key.key);
    if (key.status == KeyStatus::kActive) state->signing_key = key.key;
  }
  // ApplyLoad checked the set; generated keys all share one algorithm.
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(all));
  if (set.ok()) state->verification_keys = *std::move(set);
  absl::StatusOr<std::string> jwks = PublicJwksJson(state->verification_keys);
  state->jwks_json = jwks.ok() ? *std::move(jwks) : "{\"keys\":[]}";
  state->jwks_etag = Etag(state->jwks_json);
  state->jwks_max_age = options_.jwks_max_age;
  state_.store(state, std::memory_order_release);
  if (listener_) listener_(*state);
}

void KeyManager::RecordFailure(absl::Status status) {
  failures_.fetch_add(1, std::memory_order_acq_rel);
  last_error_ = std::move(status);
}

void KeyManager::SetListener(Listener listener) {
  absl::MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

bool KeyManager::HasUsableSigningKey() const {
  const std::shared_ptr<const KeyState> state = Snapshot();
  return state->signing_key != nullptr && CanSign(*state->signing_key);
}

absl::Status KeyManager::LastError() const {
  absl::MutexLock lock(&mu_);
  return last_error_;
}

std::vector<std::string> KeyManager::TakeWarnings() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  out.swap(warnings_);
  return out;
}

}  // namespace tokend
