#include "server/logging.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tokend::log {
namespace {

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

std::mutex& WriteMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

void AppendEscaped(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void Write(absl::string_view level, absl::string_view msg,
           std::initializer_list<Field> fields) {
  std::string line = "{\"time\":";
  AppendEscaped(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                 absl::UTCTimeZone()),
                &line);
  line.append(",\"level\":");
  AppendEscaped(level, &line);
  line.append(",\"msg\":");
  AppendEscaped(msg, &line);
  for (const Field& f : fields) {
    line.push_back(',');
    AppendEscaped(f.key, &line);
    line.push_back(':');
    if (f.raw) {
      line.append(f.value);
    } else {
      AppendEscaped(f.value, &line);
    }
  }
  line.append("}\n");
  std::lock_guard<std::mutex> lock(WriteMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
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

void Raw(absl::string_view text) {
  std::lock_guard<std::mutex> lock(WriteMutex());
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tokend::log
