#include "server/observability/logging.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/json/json.h"

namespace tokend::log {
namespace {

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

// Lines reach stderr through one writer at a time, with combining: a
// thread that finds another thread writing appends its line to `pending`
// and returns; the writing thread drains `pending` before it leaves. With no
// contention a line is written before Emit returns; under load many lines
// share one write(2), so the audit line of every IssueToken does not cost a
// system call each. Any thread may call Emit.
struct Output {
  absl::Mutex mu;
  std::string pending ABSL_GUARDED_BY(mu);
  bool writing ABSL_GUARDED_BY(mu) = false;
};

Output& GetOutput() {
  static Output* output = new Output;
  return *output;
}

void WriteAll(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void Emit(absl::string_view text) {
  Output& out = GetOutput();
  out.mu.Lock();
  out.pending.append(text.data(), text.size());
  if (out.writing) {
    out.mu.Unlock();
    return;
  }
  out.writing = true;
  std::string batch;
  while (!out.pending.empty()) {
    batch.swap(out.pending);
    out.mu.Unlock();
    WriteAll(batch);
    batch.clear();
    out.mu.Lock();
  }
  out.writing = false;
  out.mu.Unlock();
}

// Appends "YYYY-MM-DDTHH:MM:SS" for a finite `t`, formatting the date
// once per day per thread.
void AppendUtcSeconds(absl::Time t, std::string* out) {
  constexpr int64_t kDay = 86400;
  const int64_t seconds = absl::ToUnixSeconds(t);
  const int64_t day =
      seconds >= 0 ? seconds / kDay : (seconds - kDay + 1) / kDay;
  int64_t rest = seconds - day * kDay;
  thread_local int64_t cached_day = INT64_MIN;
  thread_local std::string cached_date;
  if (day != cached_day) {
    cached_day = day;
    cached_date = absl::FormatTime(
        "%Y-%m-%dT", absl::FromUnixSeconds(day * kDay), absl::UTCTimeZone());
  }
  out->append(cached_date);
  char hms[8] = {0, 0, ':', 0, 0, ':', 0, 0};
  const int64_t parts[3] = {rest / 3600, rest / 60 % 60, rest % 60};
  for (int i = 0; i < 3; ++i) {
    hms[i * 3] = static_cast<char>('0' + parts[i] / 10);
    hms[i * 3 + 1] = static_cast<char>('0' + parts[i] % 10);
  }
  out->append(hms, sizeof(hms));
}

// "2026-11-27T21:40:05.123Z" (quoted) for now.
void AppendNow(std::string* out) {
  const int64_t ms = absl::ToUnixMillis(absl::Now());
  const int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  out->push_back('"');
  AppendUtcSeconds(absl::FromUnixSeconds(second), out);
  absl::StrAppendFormat(out, ".%03dZ\"", static_cast<int>(ms - second * 1000));
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void Write(absl::string_view level, absl::string_view msg,
           std::initializer_list<Field> fields) {
  std::string line = "{\"time\":";
  line.reserve(256);
  AppendNow(&line);
  line.append(",\"level\":");
  json::AppendQuoted(level, &line);
  line.append(",\"msg\":");
  json::AppendQuoted(msg, &line);
  for (const Field& f : fields) {
    line.push_back(',');
    json::AppendQuoted(f.key, &line);
    line.push_back(':');
    if (f.raw) {
      line.append(f.value);
    } else {
      json::AppendQuoted(f.value, &line);
    }
  }
  line.append("}\n");
  Emit(line);
}

}  // namespace

Field::Field(absl::string_view k, int64_t v)
    : key(k), value(absl::StrCat(v)), raw(true) {}
Field::Field(absl::string_view k, bool v)
    : key(k), value(v ? "true" : "false"), raw(true) {}

bool ParseLevel(absl::string_view name, Level* level) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (LevelName(l) == name) {
      *level = l;
      return true;
    }
  }
  return false;
}

void SetMinLevel(Level level) {
  min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void Log(Level level, absl::string_view msg,
         std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  Write(LevelName(level), msg, fields);
}

void Audit(absl::string_view action, std::initializer_list<Field> fields) {
  Write("audit", action, fields);
}

std::string UtcSeconds(absl::Time t) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
    return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
  }
  std::string out;
  AppendUtcSeconds(t, &out);
  out.push_back('Z');
  return out;
}

void Raw(absl::string_view text) { Emit(text); }

}  // namespace tokend::log
