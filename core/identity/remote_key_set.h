// One trusted issuer's verification keys, kept fresh from their source.
//
// This is the part of a JWKS consumer that users rely on, and where every
// peer has had its outages (Envoy jwt_authn, Istio, oauth2-proxy,
// Oathkeeper; docs/research/identity-mesh-and-state.md §1.4). The rules:
// - The first fetch is due at once; until one succeeds there is no set
//   (Snapshot() is nullptr, Status().ready is false): readiness waits.
// - A success installs the new set atomically; readers never lock.
//   The next fetch is planned from Cache-Control max-age (or a SPIFFE
//   bundle's refresh hint, or refresh_interval), clamped to the configured
//   bounds and brought forward by a random jitter.
// - A failure (transport error, non-200, redirect not followed, HTML, body
//   over the limit, not a JWK Set, no usable key, a discovery document
//   naming another issuer) changes no key: the last good set stays. The
//   next attempt follows jittered exponential backoff.
// - An unknown kid on the verification path calls OnUnknownKid(), which
//   never blocks on I/O: it plans a fetch no sooner than
//   unknown_kid_min_interval after the previous attempt and returns. The
//   call that saw the kid fails with UNKNOWN_KID; calls after the fetch
//   succeed. (Envoy's jwt_authn does not refetch on an unknown kid at all,
//   envoyproxy/envoy #39643; blocking the call on the fetch instead would
//   let one stream of random kids stall every serving thread.) Kids that
//   a fetch did not find are remembered (negative cache) and plan no
//   further fetch for negative_cache_ttl.
// - With a finite max_stale, a set not refreshed for that long stops
//   serving until a fetch succeeds.
//
// Threads: Snapshot() from any thread, lock-free. OnUnknownKid() and
// Status() from any thread (a short critical section, no I/O). Fetch() from
// one background thread at a time (a second concurrent call returns at
// once); it blocks on the Fetcher without holding the lock. A driver
// (core/identity/key_refresher.h) calls Fetch() at NextFetchAt() and is
// woken through the wake callback when an unknown kid brings that earlier.
#ifndef TOKEND_CORE_IDENTITY_REMOTE_KEY_SET_H_
#define TOKEND_CORE_IDENTITY_REMOTE_KEY_SET_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/identity/fetcher.h"
#include "core/identity/jwks_import.h"
#include "core/identity/refresh_schedule.h"
#include "core/keys/key_set.h"
#include "core/reason.h"

namespace tokend::identity {

enum class KeySourceKind {
  kDiscovery,  // an OIDC discovery URL, then its jwks_uri
  kJwksUri,    // a JWKS URL
  kJwksFile,   // a local JWKS file (read with the file Fetcher)
};
// "discovery", "jwks_uri", "jwks_file".
absl::string_view KeySourceKindName(KeySourceKind kind);

struct KeySourceSpec {
  KeySourceKind kind = KeySourceKind::kDiscovery;
  std::string location;  // discovery URL, JWKS URL or file path
  // kDiscovery: the issuer the document must name.
  std::string issuer;
  bool allow_http = false;
  std::string ca_file;
  std::string bearer_token_file;

  bool operator==(const KeySourceSpec& other) const = default;
};

// At most this many unknown kids wait for a fetch; more are counted (and
// still find a fetch planned) but not remembered.
inline constexpr size_t kMaxPendingKids = 64;

struct KeySetStatus {
  std::string name;
  KeySourceKind source_kind = KeySourceKind::kDiscovery;
  std::string source;    // the configured location
  std::string jwks_uri;  // the one fetched (discovered or configured)
  bool ready = false;    // a set is serving
  bool stale = false;    // a set exists but is past max_stale
  size_t key_count = 0;
  std::vector<std::string> kids;
  // Why entries of the last installed set were skipped (DescribeSkipped).
  std::vector<std::string> skipped_keys;
  absl::Time last_success = absl::InfinitePast();
  absl::Time last_attempt = absl::InfinitePast();
  absl::Time next_fetch = absl::InfinitePast();
  int consecutive_failures = 0;
  uint64_t fetches = 0;  // attempts, successful or not
  uint64_t fetch_failures = 0;
  // Unknown kids reported, those that planned a fetch, and those that found
  // one already planned or were negatively cached.
  uint64_t unknown_kids = 0;
  uint64_t unknown_kid_fetches = 0;
  uint64_t unknown_kid_suppressed = 0;
  std::string last_error;  // of the last failed attempt ("" after success)
  Reason last_error_reason = Reason::kOk;
  // A failed discovery when the previously discovered jwks_uri still
  // served (the attempt counted as a success).
  std::string discovery_error;
};

// One line for /readyz and logs, e.g.
//   "issuer corp: ready (3 keys, refreshed 42s ago)"
//   "issuer corp: NOT READY: no key set yet (2 failed fetches; last error:
//    UNAVAILABLE: JWKS answered HTTP 503)"
//   "issuer corp: ready, 4 failed fetches since 2026-01-01T00:00:00Z (last
//    error: ...)".
std::string ReadinessLine(const KeySetStatus& status, absl::Time now);

class RemoteKeySet {
 public:
  // `fetcher` and `clock` must outlive the set. `uniform` draws in [0, 1)
  // (jitter); nullptr: the CSPRNG. The options must be valid
  // (ValidateKeyRefreshOptions).
  RemoteKeySet(std::string name, KeySourceSpec source, JwksImportOptions import,
               KeyRefreshOptions options, Fetcher& fetcher, const Clock& clock,
               std::function<double()> uniform = nullptr);

  RemoteKeySet(const RemoteKeySet&) = delete;
  RemoteKeySet& operator=(const RemoteKeySet&) = delete;

  const std::string& name() const { return name_; }
  const KeySourceSpec& source() const { return source_; }
  const JwksImportOptions& import_options() const { return import_; }
  const KeyRefreshOptions& options() const { return options_; }

  // The set in use, or nullptr before the first success (or past
  // max_stale). Lock-free.
  std::shared_ptr<const KeySet> Snapshot() const;

  enum class KidMiss {
    kFetchScheduled,    // a fetch is due now
    kFetchDeferred,     // a fetch is planned at `fetch_at` (rate limit)
    kAlreadyPending,    // a fetch planned for an earlier miss will look
    kNegativelyCached,  // a recent fetch did not find this kid
  };
  struct KidMissResult {
    KidMiss action = KidMiss::kAlreadyPending;
    absl::Time fetch_at = absl::InfiniteFuture();
  };
  // Reports a token whose kid is not in Snapshot(). Never blocks on I/O.
  KidMissResult OnUnknownKid(absl::string_view kid);

  // When Fetch() should next run.
  absl::Time NextFetchAt() const;
  // One fetch cycle (discovery when configured, then the JWKS). Blocks on
  // the Fetcher; call from a background thread only.
  void Fetch();

  // Called (outside any lock of this class, on the caller's thread) when
  // NextFetchAt() moves earlier. Set before the first OnUnknownKid().
  void SetWakeCallback(std::function<void()> wake);

  KeySetStatus Status() const;

 private:
  struct Outcome {
    absl::Status status;
    std::optional<ImportedJwks> imported;
    std::optional<absl::Duration> freshness;
    std::string jwks_uri;
    std::string discovery_error;
  };
  Outcome FetchOnce(const std::string& known_jwks_uri);
  FetchRequest RequestFor(std::string url) const;
  double Uniform() const;
  void RememberUnknownLocked(const std::string& kid, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  const KeySourceSpec source_;
  const JwksImportOptions import_;
  const KeyRefreshOptions options_;
  Fetcher& fetcher_;
  const Clock& clock_;
  const std::function<double()> uniform_;

  std::atomic<std::shared_ptr<const KeySet>> keys_;
  std::atomic<int64_t> last_success_nanos_{INT64_MIN};

  mutable absl::Mutex mu_;
  std::function<void()> wake_ ABSL_GUARDED_BY(mu_);
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time next_fetch_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Kids reported and not yet looked for, each with whether it was reported
  // while a fetch was in flight (that fetch may have begun before the key
  // was published, so the next one looks for it).
  absl::flat_hash_map<std::string, bool> pending_kids_ ABSL_GUARDED_BY(mu_);
  // Kids a fetch did not find, with when they may plan a fetch again.
  absl::flat_hash_map<std::string, absl::Time> negative_ ABSL_GUARDED_BY(mu_);
  KeySetStatus status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_REMOTE_KEY_SET_H_
