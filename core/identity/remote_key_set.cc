#include "core/identity/remote_key_set.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/identity/discovery.h"

namespace tokend::identity {
namespace {

std::string StatusText(const absl::Status& status) {
  return std::string(status.message());
}

std::string Ago(absl::Time now, absl::Time then) {
  const absl::Duration d = std::max(now - then, absl::ZeroDuration());
  return absl::StrCat(absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))),
                      " ago");
}

}  // namespace

absl::string_view KeySourceKindName(KeySourceKind kind) {
  switch (kind) {
    case KeySourceKind::kDiscovery:
      return "discovery";
    case KeySourceKind::kJwksUri:
      return "jwks_uri";
    case KeySourceKind::kJwksFile:
      return "jwks_file";
  }
  return "?";
}

std::string ReadinessLine(const KeySetStatus& status, absl::Time now) {
  std::string line = absl::StrCat("issuer ", status.name, ": ");
  const std::string failures =
      absl::StrCat(status.consecutive_failures, " failed fetch",
                   status.consecutive_failures == 1 ? "" : "es");
  const std::string last_error =
      status.last_error.empty()
          ? ""
          : absl::StrCat("; last error: ", status.last_error);
  if (!status.ready) {
    absl::StrAppend(&line, "NOT READY: ",
                    status.stale ? "keys are past max_stale" : "no key set yet",
                    " (", failures, last_error, ")");
    return line;
  }
  absl::StrAppend(&line, "ready (", status.key_count,
                  status.key_count == 1 ? " key" : " keys", ", refreshed ",
                  Ago(now, status.last_success), ")");
  if (status.consecutive_failures > 0) {
    absl::StrAppend(&line, "; serving the last good set after ", failures,
                    last_error);
  }
  return line;
}

RemoteKeySet::RemoteKeySet(std::string name, KeySourceSpec source,
                           JwksImportOptions import, KeyRefreshOptions options,
                           Fetcher& fetcher, const Clock& clock,
                           std::function<double()> uniform)
    : name_(std::move(name)),
      source_(std::move(source)),
      import_(std::move(import)),
      options_(options),
      fetcher_(fetcher),
      clock_(clock),
      uniform_(std::move(uniform)) {
  status_.name = name_;
  status_.source_kind = source_.kind;
  status_.source = source_.location;
  if (source_.kind != KeySourceKind::kDiscovery) {
    status_.jwks_uri = source_.location;
  }
}

double RemoteKeySet::Uniform() const {
  return uniform_ ? uniform_() : SecureUnitInterval();
}

std::shared_ptr<const KeySet> RemoteKeySet::Snapshot() const {
  std::shared_ptr<const KeySet> keys = keys_.load(std::memory_order_acquire);
  if (keys != nullptr && options_.max_stale != absl::InfiniteDuration()) {
    const absl::Time last = absl::FromUnixNanos(
        last_success_nanos_.load(std::memory_order_acquire));
    if (clock_.Now() - last > options_.max_stale) return nullptr;
  }
  return keys;
}

void RemoteKeySet::SetWakeCallback(std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  wake_ = std::move(wake);
}

absl::Time RemoteKeySet::NextFetchAt() const {
  absl::MutexLock lock(&mu_);
  return next_fetch_;
}

void RemoteKeySet::RememberUnknownLocked(const std::string& kid,
                                         absl::Time now) {
  if (negative_.size() >= options_.negative_cache_size) {
    absl::erase_if(negative_,
                   [now](const auto& entry) { return entry.second <= now; });
  }
  // Still full of live entries (a flood of random kids): start over rather
  // than grow. Forgetting only lets a kid plan a fetch again, which the
  // rate limit still bounds.
  if (negative_.size() >= options_.negative_cache_size) negative_.clear();
  negative_[kid] = now + options_.negative_cache_ttl;
}

RemoteKeySet::KidMissResult RemoteKeySet::OnUnknownKid(absl::string_view kid) {
  const absl::Time now = clock_.Now();
  KidMissResult result;
  std::function<void()> wake;
  {
    absl::MutexLock lock(&mu_);
    ++status_.unknown_kids;
    auto negative = negative_.find(kid);
    if (negative != negative_.end()) {
      if (negative->second > now) {
        ++status_.unknown_kid_suppressed;
        result.action = KidMiss::kNegativelyCached;
        result.fetch_at = next_fetch_;
        return result;
      }
      negative_.erase(negative);
    }
    if (pending_kids_.contains(kid) ||
        pending_kids_.size() >= kMaxPendingKids) {
      // A fetch is already planned for a miss; it will look for this kid
      // too (or, over the bound, at least refresh the set).
      ++status_.unknown_kid_suppressed;
      result.action = KidMiss::kAlreadyPending;
      result.fetch_at = next_fetch_;
      return result;
    }
    const bool first_miss = pending_kids_.empty();
    pending_kids_.emplace(std::string(kid), fetching_);
    const absl::Time earliest =
        status_.last_attempt == absl::InfinitePast()
            ? now
            : std::max(now, status_.last_attempt +
                                options_.unknown_kid_min_interval);
    if (earliest < next_fetch_ && !fetching_) {
      next_fetch_ = earliest;
      wake = wake_;
    }
    if (first_miss) {
      ++status_.unknown_kid_fetches;
    } else {
      ++status_.unknown_kid_suppressed;
    }
    result.fetch_at = fetching_ ? earliest : next_fetch_;
    result.action = !first_miss              ? KidMiss::kAlreadyPending
                    : result.fetch_at <= now ? KidMiss::kFetchScheduled
                                             : KidMiss::kFetchDeferred;
  }
  if (wake) wake();
  return result;
}

FetchRequest RemoteKeySet::RequestFor(std::string url) const {
  FetchRequest request;
  request.url = std::move(url);
  request.max_body_bytes = options_.max_body_bytes;
  request.timeout = options_.fetch_timeout;
  request.max_redirects = options_.max_redirects;
  request.allow_http = source_.allow_http;
  request.ca_file = source_.ca_file;
  request.bearer_token_file = source_.bearer_token_file;
  return request;
}

RemoteKeySet::Outcome RemoteKeySet::FetchOnce(
    const std::string& known_jwks_uri) {
  Outcome out;
  out.jwks_uri = known_jwks_uri;
  if (source_.kind == KeySourceKind::kDiscovery) {
    const FetchRequest request = RequestFor(source_.location);
    absl::StatusOr<FetchResponse> response = fetcher_.Fetch(request);
    absl::Status status = response.status();
    absl::StatusOr<std::string> uri;
    if (status.ok()) {
      status = CheckFetchedDocument(request, *response, "discovery document");
    }
    if (status.ok()) {
      uri = JwksUriFromDiscovery(response->body, source_.issuer,
                                 source_.allow_http);
      status = uri.status();
    }
    if (status.ok()) {
      out.jwks_uri = *uri;
    } else if (known_jwks_uri.empty()) {
      out.status = Error(GetReason(status),
                         absl::StrCat("discovery: ", StatusText(status)));
      return out;
    } else {
      // The issuer's keys may still be where they were: use them, and say
      // that discovery failed.
      out.discovery_error = StatusText(status);
    }
  }

  const FetchRequest request = RequestFor(out.jwks_uri);
  absl::StatusOr<FetchResponse> response = fetcher_.Fetch(request);
  if (!response.ok()) {
    out.status = Error(GetReason(response.status()) == Reason::kInternal
                           ? Reason::kUnavailable
                           : GetReason(response.status()),
                       absl::StrCat("JWKS: ", StatusText(response.status())));
    return out;
  }
  out.status = CheckFetchedDocument(request, *response, "JWKS");
  if (!out.status.ok()) return out;
  absl::StatusOr<ImportedJwks> imported =
      ImportForeignJwks(response->body, import_);
  if (!imported.ok()) {
    out.status = imported.status();
    return out;
  }
  out.freshness = FreshnessFromHeaders(response->Header("cache-control"),
                                       response->Header("age"));
  if (!out.freshness.has_value()) out.freshness = imported->refresh_hint;
  out.imported = *std::move(imported);
  return out;
}

void RemoteKeySet::Fetch() {
  std::string known_jwks_uri;
  absl::Time started;
  {
    absl::MutexLock lock(&mu_);
    if (fetching_) return;
    fetching_ = true;
    started = clock_.Now();
    status_.last_attempt = started;
    ++status_.fetches;
    // Until this attempt ends, nothing else is planned.
    next_fetch_ = absl::InfiniteFuture();
    if (source_.kind == KeySourceKind::kDiscovery) {
      known_jwks_uri = status_.jwks_uri;
    } else {
      known_jwks_uri = source_.location;
    }
  }

  Outcome outcome = FetchOnce(known_jwks_uri);

  std::shared_ptr<const KeySet> installed;
  if (outcome.imported.has_value()) {
    installed =
        std::make_shared<const KeySet>(std::move(outcome.imported->keys));
  }
  absl::MutexLock lock(&mu_);
  fetching_ = false;
  const absl::Time now = clock_.Now();
  if (installed != nullptr) {
    keys_.store(installed, std::memory_order_release);
    last_success_nanos_.store(absl::ToUnixNanos(now),
                              std::memory_order_release);
    status_.last_success = now;
    status_.consecutive_failures = 0;
    status_.last_error.clear();
    status_.last_error_reason = Reason::kOk;
    status_.discovery_error = outcome.discovery_error;
    status_.jwks_uri = outcome.jwks_uri;
    status_.key_count = installed->size();
    status_.kids.clear();
    for (const auto& key : installed->keys())
      status_.kids.push_back(key->kid());
    status_.skipped_keys.clear();
    for (const SkippedKey& skipped : outcome.imported->skipped) {
      status_.skipped_keys.push_back(DescribeSkipped(skipped));
    }
    next_fetch_ =
        NextRefreshAfterSuccess(now, outcome.freshness, options_, Uniform());
  } else {
    ++status_.fetch_failures;
    ++status_.consecutive_failures;
    status_.last_error = StatusText(outcome.status);
    status_.last_error_reason = GetReason(outcome.status);
    next_fetch_ =
        now + BackoffDelay(status_.consecutive_failures, options_, Uniform());
  }

  // Pending kids: one the new set has is settled; one reported before this
  // attempt that it lacks goes to the negative cache (after a success only:
  // a failure proves nothing about it); one reported during the attempt
  // waits for the next fetch, which stays planned.
  for (auto it = pending_kids_.begin(); it != pending_kids_.end();) {
    auto current = it++;
    const bool found =
        installed != nullptr && installed->FindByKid(current->first) != nullptr;
    if (!found && current->second) {
      current->second = false;
      continue;
    }
    if (!found && installed != nullptr)
      RememberUnknownLocked(current->first, now);
    pending_kids_.erase(current);
  }
  if (!pending_kids_.empty()) {
    next_fetch_ =
        std::min(next_fetch_,
                 std::max(now, started + options_.unknown_kid_min_interval));
  }
}

KeySetStatus RemoteKeySet::Status() const {
  KeySetStatus out;
  {
    absl::MutexLock lock(&mu_);
    out = status_;
    out.next_fetch = next_fetch_;
  }
  const bool has_keys = keys_.load(std::memory_order_acquire) != nullptr;
  out.ready = Snapshot() != nullptr;
  out.stale = has_keys && !out.ready;
  return out;
}

}  // namespace tokend::identity
