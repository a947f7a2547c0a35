#include "tools/tokenctl/rotate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/key_schedule.h"
#include "core/keys/key_source.h"
#include "core/reason.h"

namespace tokend::tokenctl {
namespace {

namespace fs = std::filesystem;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tokenctl: rotate: %s\n",
               std::string(status.message()).c_str());
  return kExitUsage;
}

bool CanSign(const Key& key) {
  return key.family() == KeyFamily::kHmac || key.has_private();
}

// Writes `text` to `path` atomically: a 0600 file beside it (".tmp", which
// tokend skips), fsync, rename, fsync of the directory.
absl::Status WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                      S_IRUSR | S_IWUSR);
  if (fd < 0) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)),
                 "--dir");
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == text.size() && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("cannot write ", path, ": ", std::strerror(err)),
                 "--dir");
  }
  const std::string dir = fs::path(path).parent_path().string();
  const int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<json::Object> ReadJson(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat("cannot read ", path, ": ", std::strerror(errno)),
                 path);
  }
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    text.append(buffer, n);
  }
  std::fclose(f);
  json::ParseLimits limits;
  limits.max_bytes = 1024 * 1024;
  limits.max_depth = 16;
  absl::StatusOr<json::Object> root = json::ParseObject(text, limits);
  if (!root.ok()) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat(path, ": not a strict JSON object"), path);
  }
  return root;
}

// Sets "tokend_retire_at" (keeping any activation) on a JWK object.
void Retire(json::Object* jwk, absl::Time at) {
  absl::StatusOr<KeySchedule> schedule = ScheduleFromJwk(*jwk);
  KeySchedule next = schedule.ok() ? *schedule : KeySchedule();
  next.retire_at = at;
  SetScheduleMembers(next, jwk);
}

// The real path tokend reads for the visible name `shown` of `dir`.
std::string RealPath(const std::string& dir, const std::string& shown) {
  return (fs::path(dir) / fs::path(shown).filename()).string();
}

// Gives the signing keys of one file a retirement at `at`; `keys` are the
// file's keys that sign and are not retired by then.
absl::Status RetireFile(const std::string& dir, const std::string& file,
                        const std::vector<SourcedKey>& keys, absl::Time at,
                        std::vector<std::string>* notes) {
  const std::string path = RealPath(dir, file);
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".pem" || ext == ".key") {
    if (keys.size() != 1) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat(path,
                                ": holds several signing keys; split it into "
                                "one JWK file per key first"),
                   path);
    }
    absl::StatusOr<json::Object> jwk = PrivateJwk(*keys[0].key);
    if (!jwk.ok()) return jwk.status();
    Retire(&*jwk, at);
    const std::string converted =
        (fs::path(path).parent_path() / fs::path(path).stem()).string() +
        ".jwk";
    if (fs::exists(converted)) {
      return Error(
          Reason::kInvalidArgument,
          absl::StrCat("cannot convert ", path, ": ", converted, " exists"),
          path);
    }
    if (absl::Status s =
            WriteAtomically(converted, json::Serialize(*jwk) + "\n");
        !s.ok()) {
      return s;
    }
    // Same kid, same material: tokend loads the pair as one key until the
    // PEM file is gone.
    if (unlink(path.c_str()) != 0) {
      return Error(
          Reason::kInvalidArgument,
          absl::StrCat("cannot remove ", path, ": ", std::strerror(errno)),
          path);
    }
    notes->push_back(absl::StrCat("retiring kid=", keys[0].key->kid(), " (",
                                  path, " converted to ", converted, ")"));
    return absl::OkStatus();
  }
  absl::StatusOr<json::Object> root = ReadJson(path);
  if (!root.ok()) return root.status();
  const json::Value* found = root->Find("keys");
  if (found == nullptr) {
    Retire(&*root, at);
    notes->push_back(
        absl::StrCat("retiring kid=", keys[0].key->kid(), " (", path, ")"));
  } else if (found->is_array()) {
    json::Value set = *found;
    for (const SourcedKey& key : keys) {
      bool found = false;
      for (json::Value& entry : set.mutable_array()) {
        if (!entry.is_object()) continue;
        const json::Value* kid = entry.as_object().Find("kid");
        if (kid != nullptr && kid->is_string() &&
            kid->as_string() == key.key->kid()) {
          Retire(&entry.mutable_object(), at);
          found = true;
        }
      }
      if (!found) {
        return Error(Reason::kInvalidArgument,
                     absl::StrCat(path,
                                  ": a signing key of this JWK Set has no "
                                  "\"kid\"; give it one first"),
                     path);
      }
      notes->push_back(
          absl::StrCat("retiring kid=", key.key->kid(), " (", path, ")"));
    }
    root->Set("keys", std::move(set));
  }
  return WriteAtomically(path, json::Serialize(*root) + "\n");
}

}  // namespace

int Rotate(const Options& options) {
  std::optional<Algorithm> alg = AlgorithmFromName(options.alg);
  if (!alg) {
    return Fail(Error(Reason::kInvalidArgument,
                      absl::StrCat("unknown algorithm '", options.alg, "'"),
                      "--alg"));
  }
  if (options.dir.empty()) {
    return Fail(Error(Reason::kInvalidArgument,
                      "--dir: required (the tenant's keys.dir)", "--dir"));
  }
  if (options.jwks_max_age < absl::ZeroDuration() ||
      options.publish_margin < absl::ZeroDuration()) {
    return Fail(Error(Reason::kInvalidArgument,
                      "--jwks_max_age and --publish_margin must not be "
                      "negative",
                      "--jwks_max_age"));
  }
  std::error_code ec;
  if (fs::is_symlink(
          fs::symlink_status(fs::path(options.dir) / "..data", ec))) {
    return Fail(Error(
        Reason::kInvalidArgument,
        absl::StrCat("--dir: ", options.dir,
                     " is a Kubernetes Secret mount (read-only); rotate a "
                     "copy of the Secret's files and apply them all"),
        "--dir"));
  }
  KeySourceOptions source_options;
  source_options.alg = *alg;
  absl::StatusOr<std::vector<SourcedKey>> current =
      LoadKeyDirectoryEntries(options.dir, source_options);
  if (!current.ok()) return Fail(current.status());

  // Whole seconds, rounded up: the files carry NumericDates.
  const absl::Duration delay = options.jwks_max_age + options.publish_margin;
  const absl::Time at = absl::FromUnixSeconds(static_cast<int64_t>(std::ceil(
      absl::ToDoubleSeconds(absl::Now() + delay - absl::UnixEpoch()))));

  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(*alg);
  if (!key.ok()) return Fail(key.status());
  std::string kid = options.kid;
  if (kid.empty()) {
    absl::StatusOr<std::string> derived = DefaultKid(**key);
    if (!derived.ok()) return Fail(derived.status());
    kid = *derived;
  }
  for (const SourcedKey& existing : *current) {
    if (existing.key->kid() == kid) {
      return Fail(Error(Reason::kInvalidArgument,
                        absl::StrCat("kid \"", kid, "\" is already used by ",
                                     existing.origin),
                        "--kid"));
    }
  }
  key = (*key)->WithKid(kid);
  absl::StatusOr<json::Object> jwk = PrivateJwk(**key);
  if (!jwk.ok()) return Fail(jwk.status());
  KeySchedule schedule;
  schedule.activate_at = at;
  SetScheduleMembers(schedule, &*jwk);
  const std::string out =
      options.out.empty()
          ? (fs::path(options.dir) / absl::StrCat(kid, ".jwk")).string()
          : options.out;
  if (fs::exists(out, ec)) {
    return Fail(
        Error(Reason::kInvalidArgument, absl::StrCat(out, " exists"), "--out"));
  }
  umask(077);
  // The new key first: published (pending) at once, signing from `at`.
  if (absl::Status s = WriteAtomically(out, json::Serialize(*jwk) + "\n");
      !s.ok()) {
    return Fail(s);
  }
  std::map<std::string, std::vector<SourcedKey>> by_file;
  for (const SourcedKey& existing : *current) {
    if (CanSign(*existing.key) && existing.schedule.retire_at > at) {
      by_file[existing.origin].push_back(existing);
    }
  }
  std::vector<std::string> notes;
  for (const auto& [file, keys] : by_file) {
    if (absl::Status s = RetireFile(options.dir, file, keys, at, &notes);
        !s.ok()) {
      return Fail(s);
    }
  }
  std::printf("wrote %s key kid=%s to %s; it signs from %s\n",
              std::string(AlgorithmName(*alg)).c_str(), kid.c_str(),
              out.c_str(), absl::FormatTime(at, absl::UTCTimeZone()).c_str());
  for (const std::string& note : notes) {
    std::printf(
        "%s at %s; remove its file only after ttl.max + leeway + "
        "renew_grace past that\n",
        note.c_str(), absl::FormatTime(at, absl::UTCTimeZone()).c_str());
  }
  return kExitOk;
}

}  // namespace tokend::tokenctl
