#include "core/identity/refresh_schedule.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend::identity {
namespace {

absl::Status Invalid(absl::string_view prefix, absl::string_view name,
                     absl::string_view why) {
  return Error(Reason::kInvalidArgument, why, absl::StrCat(prefix, ".", name));
}

// Cache-Control delta-seconds: digits only; values past int32 are capped
// (RFC 9111 §1.2.2), so they still mean "a long time".
std::optional<int64_t> DeltaSeconds(absl::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    value = std::min<int64_t>(value * 10 + (c - '0'), INT32_MAX);
  }
  return value;
}

}  // namespace

absl::Status ValidateKeyRefreshOptions(const KeyRefreshOptions& options,
                                       absl::string_view field_prefix) {
  const absl::Duration zero = absl::ZeroDuration();
  if (options.min_refresh_interval <= zero) {
    return Invalid(field_prefix, "min_refresh_interval", "must be positive");
  }
  if (options.max_refresh_interval < options.min_refresh_interval) {
    return Invalid(field_prefix, "max_refresh_interval",
                   "must not be below min_refresh_interval");
  }
  if (options.refresh_interval <= zero) {
    return Invalid(field_prefix, "refresh_interval", "must be positive");
  }
  if (!(options.refresh_jitter >= 0.0 && options.refresh_jitter <= 0.5)) {
    return Invalid(field_prefix, "refresh_jitter", "must be in [0, 0.5]");
  }
  if (options.unknown_kid_min_interval <= zero) {
    return Invalid(field_prefix, "unknown_kid_min_interval",
                   "must be positive: unknown kids must not trigger "
                   "unlimited fetches");
  }
  if (options.negative_cache_ttl < zero) {
    return Invalid(field_prefix, "negative_cache_ttl", "must not be negative");
  }
  if (options.negative_cache_size == 0) {
    return Invalid(field_prefix, "negative_cache_size", "must be positive");
  }
  if (options.backoff_initial <= zero) {
    return Invalid(field_prefix, "backoff_initial", "must be positive");
  }
  if (options.backoff_max < options.backoff_initial) {
    return Invalid(field_prefix, "backoff_max",
                   "must not be below backoff_initial");
  }
  if (options.max_stale <= zero) {
    return Invalid(field_prefix, "max_stale", "must be positive");
  }
  if (options.max_body_bytes < 64 || options.max_body_bytes > 16 << 20) {
    return Invalid(field_prefix, "max_body_bytes",
                   "must be between 64 bytes and 16 MiB");
  }
  if (options.fetch_timeout <= zero) {
    return Invalid(field_prefix, "fetch_timeout", "must be positive");
  }
  if (options.max_redirects < 0 || options.max_redirects > 10) {
    return Invalid(field_prefix, "max_redirects", "must be between 0 and 10");
  }
  return absl::OkStatus();
}

std::optional<absl::Duration> FreshnessFromHeaders(
    absl::string_view cache_control, absl::string_view age) {
  std::optional<int64_t> max_age;
  bool no_cache = false;
  for (absl::string_view directive : absl::StrSplit(cache_control, ',')) {
    directive = absl::StripAsciiWhitespace(directive);
    const size_t eq = directive.find('=');
    const std::string name = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(directive.substr(0, eq)));
    if (name == "no-store" || name == "no-cache") {
      no_cache = true;
    } else if (name == "max-age" && eq != absl::string_view::npos) {
      std::optional<int64_t> seconds =
          DeltaSeconds(absl::StripAsciiWhitespace(directive.substr(eq + 1)));
      // RFC 9111 §4.2.1: with several (invalid) max-age, be conservative.
      if (seconds.has_value()) {
        max_age = max_age.has_value() ? std::min(*max_age, *seconds) : *seconds;
      }
    }
  }
  if (no_cache) return absl::ZeroDuration();
  if (!max_age.has_value()) return std::nullopt;
  std::optional<int64_t> age_seconds =
      DeltaSeconds(absl::StripAsciiWhitespace(age));
  const int64_t fresh =
      std::max<int64_t>(0, *max_age - age_seconds.value_or(0));
  return absl::Seconds(fresh);
}

absl::Time NextRefreshAfterSuccess(absl::Time now,
                                   std::optional<absl::Duration> freshness,
                                   const KeyRefreshOptions& options,
                                   double unit) {
  absl::Duration period = freshness.value_or(options.refresh_interval);
  period = std::clamp(period, options.min_refresh_interval,
                      options.max_refresh_interval);
  unit = std::clamp(unit, 0.0, 1.0);
  return now + period * (1.0 - options.refresh_jitter * unit);
}

absl::Duration BackoffDelay(int consecutive_failures,
                            const KeyRefreshOptions& options, double unit) {
  absl::Duration d = options.backoff_initial;
  for (int i = 1; i < consecutive_failures && d < options.backoff_max; ++i) {
    d *= 2;
  }
  d = std::min(d, options.backoff_max);
  unit = std::clamp(unit, 0.0, 1.0);
  return d / 2 + (d / 2) * unit;
}

double SecureUnitInterval() { return SecureRandomUint32() / 4294967296.0; }

}  // namespace tokend::identity
