// The keys of one JWT tenant over time: which key signs, which keys verify,
// and what the JWKS publishes, with rotation that never fails a
// verification.
//
// Readers call Snapshot() and get an immutable KeyState without taking a
// lock. Writers (Reload() from a file watcher, Tick() from a timer) are
// serialised by a mutex and publish a new KeyState atomically.
//
// Key lifecycle: kPending → kActive → kRetired → removed.
// - kPending: published (in the verification set and the JWKS) but not yet
//   allowed to sign. A key may sign only once it has been published for
//   publish_delay = jwks_max_age + publish_margin, so every verifier that
//   honours the JWKS Cache-Control max-age has it before the first token.
// - kActive: the one signing key. It also verifies.
// - kRetired: verify-only (stopped signing, or never chosen to sign).
// - A key leaves the set only when it is no longer in the source AND
//   max_token_ttl + leeway have passed since it stopped signing and since it
//   left the source, so every token it could have signed has expired.
//
// Scheduled keys (a JWK with "tokend_activate_at" / "tokend_retire_at",
// core/keys/key_schedule.h): the schedule, not process memory, decides.
// Every replica and every restart computes the same state from the files
// and the clock:
// - A key signs from its activation (not from when this process first saw
//   it); before that it is kPending (published, verifies, does not sign).
// - A key stops signing at its retirement, even when no successor is ready
//   (then the tenant has no signer), and verifies until retirement +
//   max_token_ttl + leeway; after that it is dropped, even if its file stays.
// - Among the keys that may sign now, the signer is the one with the latest
//   activation (unscheduled keys count as activated at InfinitePast), then
//   the rules below.
// - A key whose file disappears while it signs and that has no retirement
//   recorded (or a later one) is an unsafe removal: unsafe_removals() counts
//   it, TakeWarnings() names the file and kid, and this process keeps it
//   (signing until a successor may sign, then verifying until its tokens
//   expire). A restarted process cannot: it never saw the key.
//
// File-driven rotation (a KeySource such as a key directory):
// - The source's current files define the keys. Unscheduled keys present at
//   the first successful load are treated as already published: they may
//   sign at once.
// - A kid that appears later is kPending for publish_delay.
// - The signer is the `active_kid` when configured and present; otherwise
//   the newest signing-capable key in the source that its schedule (if any)
//   lets sign now: the latest activation, then the one first seen most
//   recently, then the newest file mtime, then the greatest kid. Keys without
//   private material never sign. (First-seen time and mtime differ between
//   replicas and restarts; only a schedule makes them agree.)
// - The chosen key takes over only once it has been published for
//   publish_delay; until then the current signer keeps signing, even if its
//   file is gone (so a Secret that swaps old key for new in one step causes
//   no gap in this process; a restarted one never saw the old key: see
//   unsafe removals above). The previous signer then becomes kRetired.
// - A kid whose key material changes while tokens signed by the old material
//   may still be live is refused: that reload fails.
// - A failed load (bad or half-written file, empty directory) changes
//   nothing: the last good state stays, reload_failures() is incremented and
//   LastError() names the file and the reason.
//
// Generated keys (CreateGenerated): the first key signs at once; with a
// finite rotation_period a successor is generated publish_delay before the
// active key's period ends, so it takes over exactly when the period ends;
// the old key retires and is removed after max_token_ttl + leeway.
//
// Time comes from the injected Clock; nothing happens between calls, so the
// owner calls Tick() (at NextTransition(), or periodically).
#ifndef TOKEND_CORE_KEYS_KEY_MANAGER_H_
#define TOKEND_CORE_KEYS_KEY_MANAGER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/keys/key_schedule.h"
#include "core/keys/key_set.h"
#include "core/keys/key_source.h"

namespace tokend {

struct KeyManagerOptions {
  // The tenant's algorithm (generated keys). Source keys carry their own.
  Algorithm alg = Algorithm::kES256;
  // The Cache-Control max-age served with the JWKS.
  absl::Duration jwks_max_age = absl::Minutes(5);
  // Extra publication time on top of jwks_max_age (fetch latency, clock
  // skew between replicas).
  absl::Duration publish_margin = absl::ZeroDuration();
  // The longest lifetime of a token this tenant issues, and the exp leeway
  // verifiers allow: a retired key verifies for their sum.
  absl::Duration max_token_ttl = absl::Hours(1);
  absl::Duration leeway = absl::Seconds(60);
  // Generated keys only: how long a key signs before its successor takes
  // over. Infinite: never rotate.
  absl::Duration rotation_period = absl::InfiniteDuration();
  // Source keys only: pin the signer to this kid when it is present.
  std::string active_kid;
};

enum class KeyStatus { kPending, kActive, kRetired };
absl::string_view KeyStatusName(KeyStatus status);

struct ManagedKey {
  std::shared_ptr<const Key> key;
  KeyStatus status = KeyStatus::kPending;
  std::string origin;
  absl::Time modified = absl::InfinitePast();  // file mtime
  absl::Time first_seen = absl::InfinitePast();
  // The schedule's activation, else first_seen (+ delay after the first
  // load).
  absl::Time signable_at = absl::InfinitePast();
  absl::Time activated_at = absl::InfinitePast();  // never: InfinitePast
  absl::Time retired_at = absl::InfinitePast();    // still/never active: Past
  bool in_source = true;
  absl::Time left_source_at = absl::InfiniteFuture();
  // When the key leaves the set; InfiniteFuture while it may still be needed.
  absl::Time remove_at = absl::InfiniteFuture();
  // From the key file (unscheduled when it has none).
  KeySchedule schedule;
};

// One immutable published state.
struct KeyState {
  uint64_t generation = 0;                 // increments on every change
  std::shared_ptr<const Key> signing_key;  // nullptr when none
  KeySet verification_keys;                // pending + active + retired
  std::vector<ManagedKey> keys;            // sorted by kid
  // {"keys":[...]} of the public JWKs of every verification key (HMAC keys
  // are never published), its strong ETag (a quoted base64url SHA-256 of the
  // JSON, ready for the ETag header) and the Cache-Control max-age.
  std::string jwks_json;
  std::string jwks_etag;
  absl::Duration jwks_max_age;

  const ManagedKey* Find(absl::string_view kid) const;
  // "public, max-age=N".
  std::string CacheControl() const;
};

class KeyManager {
 public:
  using Listener = std::function<void(const KeyState&)>;

  // Loads the source once. Invalid options fail; a failing first load does
  // not: the manager starts empty (HasUsableSigningKey() false, LastError()
  // set) and a later Reload() brings the keys.
  static absl::StatusOr<std::unique_ptr<KeyManager>> Create(
      KeyManagerOptions options, std::unique_ptr<KeySource> source,
      const Clock& clock);
  // Keys generated by the manager, rotated every options.rotation_period.
  static absl::StatusOr<std::unique_ptr<KeyManager>> CreateGenerated(
      KeyManagerOptions options, const Clock& clock);

  // Lock-free; never null.
  std::shared_ptr<const KeyState> Snapshot() const {
    return state_.load(std::memory_order_acquire);
  }

  // Reads the source and applies it. The returned status is the load's (or
  // the kid-reuse refusal); on failure the state is unchanged.
  absl::Status Reload();
  // Advances the lifecycle to the clock's now: pending keys start signing,
  // expired retired keys are removed, generated keys rotate.
  void Tick();
  // When Tick() next has something to do; InfiniteFuture when nothing is
  // scheduled.
  absl::Time NextTransition() const;

  // Called (under the manager's writer lock, so in order, one at a time)
  // after every state change. It may call Snapshot(), HasUsableSigningKey()
  // and reload_failures(), but not Reload(), Tick(), NextTransition() or
  // LastError().
  void SetListener(Listener listener);

  // Readiness: a signing key with private material (or an HMAC secret).
  bool HasUsableSigningKey() const;
  // Failed loads and rotations so far (a metric).
  uint64_t reload_failures() const {
    return failures_.load(std::memory_order_acquire);
  }
  // The last failure (file and reason), or OK when the most recent load
  // succeeded.
  absl::Status LastError() const;
  // Signing keys whose file disappeared with no retirement recorded (a
  // one-step swap); a metric.
  uint64_t unsafe_removals() const {
    return unsafe_removals_.load(std::memory_order_acquire);
  }
  // The warnings (file, kid, what tokend does about it) recorded since the
  // last call; for the owner to log.
  std::vector<std::string> TakeWarnings();

 private:
  KeyManager(KeyManagerOptions options, std::unique_ptr<KeySource> source,
             const Clock& clock);
  absl::Duration PublishDelay() const {
    return options_.jwks_max_age + options_.publish_margin;
  }
  absl::Status ApplyLoad(std::vector<SourcedKey> loaded, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Lifecycle to `now`; true when anything changed.
  bool Advance(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool MaybeGenerate(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const ManagedKey* ChooseSigner(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A retired key may be needed until then: every token it signed expired.
  absl::Duration TokenLifetime() const {
    return options_.max_token_ttl + options_.leeway;
  }
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordFailure(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const KeyManagerOptions options_;
  const std::unique_ptr<KeySource> source_;  // null: generated keys
  const Clock& clock_;

  mutable absl::Mutex mu_;
  std::vector<ManagedKey> keys_ ABSL_GUARDED_BY(mu_);  // sorted by kid
  bool loaded_once_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  Listener listener_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> warnings_ ABSL_GUARDED_BY(mu_);

  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> unsafe_removals_{0};
  std::atomic<std::shared_ptr<const KeyState>> state_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_KEY_MANAGER_H_
