// A small JSON-lines logger: one object per line on stderr with "time"
// (RFC 3339, UTC), "level", "msg" and the caller's fields.
//
// Never pass a token, a secret or key material as a field: log token ids,
// key ids and reasons. Thread-safe; each line is written with one fwrite.
#ifndef TOKEND_SERVER_OBSERVABILITY_LOGGING_H_
#define TOKEND_SERVER_OBSERVABILITY_LOGGING_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tokend::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// One key/value pair. Strings are JSON-escaped; numbers and booleans are
// written bare.
struct Field {
  Field(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  Field(absl::string_view k, const std::string& v) : key(k), value(v) {}
  Field(absl::string_view k, const char* v) : key(k), value(v) {}
  Field(absl::string_view k, int64_t v);
  Field(absl::string_view k, int v) : Field(k, static_cast<int64_t>(v)) {}
  Field(absl::string_view k, uint32_t v) : Field(k, static_cast<int64_t>(v)) {}
  Field(absl::string_view k, bool v);

  std::string key;
  std::string value;
  bool raw = false;  // written without quotes
};

// "debug", "info", "warn", "error"; false when unknown.
bool ParseLevel(absl::string_view name, Level* level);
void SetMinLevel(Level level);
// Whether lines of `level` are written: guard hot-path log calls with it so
// their fields are not even built when the line would be dropped.
bool Enabled(Level level);

void Log(Level level, absl::string_view msg,
         std::initializer_list<Field> fields = {});
inline void Debug(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kDebug, msg, f);
}
inline void Info(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kInfo, msg, f);
}
inline void Warn(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kWarn, msg, f);
}
inline void Error(absl::string_view msg, std::initializer_list<Field> f = {}) {
  Log(Level::kError, msg, f);
}

// An audit record ("level":"audit"), written whatever the minimum level:
// one per issue, renew and revoke.
void Audit(absl::string_view action, std::initializer_list<Field> fields);

// `t` as RFC 3339 UTC with whole seconds ("2026-11-27T21:40:05Z"), as
// absl::FormatTime(absl::RFC3339_sec, t, UTC) gives, without its cost on the
// audit path: the date is formatted once per day per thread.
std::string UtcSeconds(absl::Time t);

// Writes `text` verbatim to stderr (the development banner).
void Raw(absl::string_view text);

}  // namespace tokend::log

#endif  // TOKEND_SERVER_OBSERVABILITY_LOGGING_H_
