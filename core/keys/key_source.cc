#include "core/keys/key_source.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/pem.h"
#include "core/reason.h"

namespace tokend {
namespace {

namespace fs = std::filesystem;

enum class Format { kPem, kJwk, kJwks, kJson, kSniff };

constexpr absl::string_view kPemBegin = "-----BEGIN ";
constexpr absl::string_view kCertificateBegin = "-----BEGIN CERTIFICATE-----";
// Label for HMAC default kids; changing it changes every derived kid.
constexpr absl::string_view kHmacKidLabel = "tokend hmac kid v1";

// Wipes a buffer that held key material when it goes out of scope.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string* s) : s_(s) {}
  ~WipeOnExit() { OPENSSL_cleanse(s_->data(), s_->size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string* s_;
};

std::string BaseName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path
                                                      : path.substr(slash + 1));
}

Format FormatFromName(absl::string_view name) {
  const std::string base = BaseName(name);
  const size_t dot = base.rfind('.');
  if (dot == std::string::npos) return Format::kSniff;
  const std::string ext = absl::AsciiStrToLower(base.substr(dot + 1));
  if (ext == "pem" || ext == "key" || ext == "pub") return Format::kPem;
  if (ext == "jwk") return Format::kJwk;
  if (ext == "jwks") return Format::kJwks;
  if (ext == "json") return Format::kJson;
  return Format::kSniff;
}

bool SkippedName(absl::string_view name) {
  return absl::StartsWith(name, ".") || absl::EndsWith(name, "~") ||
         absl::EndsWith(name, ".swp") || absl::EndsWith(name, ".swx") ||
         absl::EndsWith(name, ".tmp");
}

bool IsKeyReason(Reason reason) {
  switch (reason) {
    case Reason::kKeyInvalid:
    case Reason::kKeyTooWeak:
    case Reason::kKeyAlgMismatch:
    case Reason::kKeyUseInvalid:
    case Reason::kKeySetInvalid:
    case Reason::kInvalidArgument:
      return true;
    default:
      return false;
  }
}

// Re-wraps a parse failure so it names the file; the reason is kept when it
// is a key/configuration reason, anything else becomes kKeyInvalid.
absl::Status InFile(absl::string_view name, const absl::Status& inner) {
  const Reason inner_reason = GetReason(inner);
  const Reason reason =
      IsKeyReason(inner_reason) ? inner_reason : Reason::kKeyInvalid;
  absl::string_view detail = inner.message();
  absl::ConsumePrefix(&detail, absl::StrCat(ReasonName(inner_reason), ": "));
  std::string message = absl::StrCat(name, ": ", detail);
  const std::string field = GetField(inner);
  if (!field.empty()) absl::StrAppend(&message, " (at ", field, ")");
  return Error(reason, message, name);
}

absl::StatusOr<std::shared_ptr<const Key>> WithDefaultKid(
    std::shared_ptr<const Key> key) {
  if (!key->kid().empty()) return key;
  absl::StatusOr<std::string> kid = DefaultKid(*key);
  if (!kid.ok()) return kid.status();
  return key->WithKid(*std::move(kid));
}

absl::StatusOr<std::vector<std::shared_ptr<const Key>>> ParsePem(
    absl::string_view text, const KeySourceOptions& options) {
  if (!options.alg.has_value()) {
    return Error(Reason::kInvalidArgument,
                 "a PEM key needs the tenant's configured alg", "alg");
  }
  std::vector<size_t> starts;
  for (size_t pos = text.find(kPemBegin); pos != absl::string_view::npos;
       pos = text.find(kPemBegin, pos + 1)) {
    starts.push_back(pos);
  }
  if (starts.empty()) {
    return Error(Reason::kKeyInvalid, "no PEM block (empty or truncated)");
  }
  // The first block keeps any text before it, so KeyFromPem refuses junk.
  starts[0] = 0;
  starts.push_back(text.size());
  std::vector<std::shared_ptr<const Key>> keys;
  for (size_t i = 0; i + 1 < starts.size(); ++i) {
    const absl::string_view block =
        text.substr(starts[i], starts[i + 1] - starts[i]);
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(block),
                         kCertificateBegin)) {
      continue;
    }
    absl::StatusOr<std::shared_ptr<const Key>> key =
        KeyFromPem(*options.alg, block);
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  return keys;
}

// The schedules of a JWK (`one` true) or of the kid-carrying entries of a
// JWK Set, by kid ("" for the single JWK). `root` parsed already.
absl::Status ReadSchedules(const json::Object& root, bool one,
                           std::map<std::string, KeySchedule>* out) {
  if (one) {
    absl::StatusOr<KeySchedule> schedule = ScheduleFromJwk(root);
    if (!schedule.ok()) return schedule.status();
    (*out)[""] = *schedule;
    return absl::OkStatus();
  }
  const json::Value* keys = root.Find("keys");
  if (keys == nullptr || !keys->is_array()) return absl::OkStatus();
  for (size_t i = 0; i < keys->as_array().size(); ++i) {
    const json::Value& entry = keys->as_array()[i];
    if (!entry.is_object()) continue;
    const std::string prefix = absl::StrCat("keys[", i, "].");
    absl::StatusOr<KeySchedule> schedule =
        ScheduleFromJwk(entry.as_object(), prefix);
    if (!schedule.ok()) return schedule.status();
    if (!schedule->scheduled()) continue;
    const json::Value* kid = entry.as_object().Find("kid");
    if (kid == nullptr || !kid->is_string()) {
      return Error(Reason::kKeyInvalid,
                   "a scheduled JWK Set entry needs a \"kid\"",
                   absl::StrCat(prefix, "kid"));
    }
    (*out)[kid->as_string()] = *schedule;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::shared_ptr<const Key>>> ParseJson(
    absl::string_view text, Format format, const KeySourceOptions& options,
    std::map<std::string, KeySchedule>* schedules) {
  JwkOptions jwk_options;
  jwk_options.default_alg = options.alg;
  jwk_options.allow_private = options.allow_private;
  json::ParseLimits limits;
  limits.max_bytes = options.max_file_bytes;
  limits.max_depth = 16;
  absl::StatusOr<json::Object> root = json::ParseObject(text, limits);
  if (format == Format::kJson) {
    if (!root.ok()) {
      return Error(Reason::kKeyInvalid,
                   absl::StrCat("not a strict JSON object (",
                                ReasonName(GetReason(root.status())), ")"));
    }
    format = root->Find("keys") != nullptr ? Format::kJwks : Format::kJwk;
  }
  std::vector<std::shared_ptr<const Key>> keys;
  if (format == Format::kJwks) {
    absl::StatusOr<KeySet> set = KeySetFromJwks(text, jwk_options);
    if (!set.ok()) return set.status();
    keys = set->keys();
  } else {
    absl::StatusOr<std::shared_ptr<const Key>> key =
        KeyFromJwkText(text, jwk_options);
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  // The key parsers accepted the text, so it is a JSON object.
  if (root.ok()) {
    absl::Status read = ReadSchedules(*root, format == Format::kJwk, schedules);
    if (!read.ok()) return read;
  }
  return keys;
}

absl::StatusOr<std::vector<std::shared_ptr<const Key>>> ParseKeys(
    absl::string_view text, absl::string_view name,
    const KeySourceOptions& options,
    std::map<std::string, KeySchedule>* schedules) {
  Format format = FormatFromName(name);
  if (format == Format::kSniff) {
    const absl::string_view body = absl::StripLeadingAsciiWhitespace(text);
    if (absl::StartsWith(body, "-----BEGIN")) {
      format = Format::kPem;
    } else if (absl::StartsWith(body, "{")) {
      format = Format::kJson;
    } else if (body.empty()) {
      return Error(Reason::kKeyInvalid, "empty key file");
    } else {
      return Error(Reason::kKeyInvalid, "neither a PEM nor a JSON key file");
    }
  }
  if (absl::StripAsciiWhitespace(text).empty()) {
    return Error(Reason::kKeyInvalid, "empty key file");
  }
  if (format == Format::kPem) {
    if (options.alg.has_value() && IsSymmetric(*options.alg)) {
      return Error(Reason::kKeyAlgMismatch,
                   "PEM holds asymmetric keys; an HS* tenant needs a JWK");
    }
    return ParsePem(text, options);
  }
  return ParseJson(text, format, options, schedules);
}

// Reads a whole regular file (following symlinks), at most `max` bytes.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path, size_t max,
                                        absl::Time* modified) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat("cannot open: ", std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Error(Reason::kKeyInvalid, "not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max) {
    close(fd);
    return Error(Reason::kKeyInvalid,
                 absl::StrCat("larger than ", max, " bytes"));
  }
  *modified = absl::TimeFromTimespec(st.st_mtim);
  std::string data;
  data.resize(static_cast<size_t>(st.st_size) + 1);
  size_t used = 0;
  while (true) {
    if (used == data.size()) {
      if (data.size() > max) break;
      data.resize(std::min(max + 1, data.size() * 2));
    }
    const ssize_t n = read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      OPENSSL_cleanse(data.data(), data.size());
      return Error(Reason::kKeyInvalid,
                   absl::StrCat("read failed: ", std::strerror(err)));
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  if (used > max) {
    OPENSSL_cleanse(data.data(), data.size());
    return Error(Reason::kKeyInvalid,
                 absl::StrCat("larger than ", max, " bytes"));
  }
  // Shrinking in place keeps the same buffer, so the wipe covers it all.
  data.resize(used);
  return data;
}

// Adds `incoming` to `out`, keeping kids unique (see LoadKeyFileEntries).
absl::Status Merge(std::vector<SourcedKey> incoming,
                   std::vector<SourcedKey>* out) {
  for (SourcedKey& key : incoming) {
    auto same_kid =
        std::find_if(out->begin(), out->end(), [&](const SourcedKey& existing) {
          return existing.key->kid() == key.key->kid();
        });
    if (same_kid == out->end()) {
      out->push_back(std::move(key));
      continue;
    }
    if (!SameKeyMaterial(*same_kid->key, *key.key)) {
      return Error(
          Reason::kKeySetInvalid,
          absl::StrCat("kid \"", key.key->kid(), "\" of ", key.origin,
                       " is also a different key in ", same_kid->origin),
          key.origin);
    }
    if (key.key->has_private() && !same_kid->key->has_private()) {
      *same_kid = std::move(key);
    }
  }
  return absl::OkStatus();
}

// `shown` names the file in errors and origins: for a Secret mount, the
// visible name (dir/key.pem) rather than the transient version directory.
absl::StatusOr<std::vector<SourcedKey>> LoadOneFile(
    const std::string& path, const std::string& shown,
    const KeySourceOptions& options) {
  absl::Time modified;
  absl::StatusOr<std::string> text =
      ReadKeyFile(path, options.max_file_bytes, &modified);
  if (!text.ok()) return InFile(shown, text.status());
  WipeOnExit wipe(&*text);
  absl::StatusOr<std::vector<SourcedKey>> loaded =
      LoadKeyText(*text, shown, options);
  if (!loaded.ok()) return loaded.status();
  for (SourcedKey& key : *loaded) key.modified = modified;
  return loaded;
}

absl::StatusOr<KeySet> ToKeySet(
    absl::StatusOr<std::vector<SourcedKey>> entries) {
  if (!entries.ok()) return entries.status();
  std::vector<std::shared_ptr<const Key>> keys;
  keys.reserve(entries->size());
  for (SourcedKey& entry : *entries) keys.push_back(std::move(entry.key));
  return KeySet::Create(std::move(keys));
}

class PathKeySource final : public KeySource {
 public:
  PathKeySource(std::string path, KeySourceOptions options, bool directory)
      : path_(std::move(path)), options_(options), directory_(directory) {}
  absl::StatusOr<std::vector<SourcedKey>> Load() override {
    return directory_ ? LoadKeyDirectoryEntries(path_, options_)
                      : LoadKeyFileEntries(path_, options_);
  }
  std::string Describe() const override { return path_; }

 private:
  const std::string path_;
  const KeySourceOptions options_;
  const bool directory_;
};

class FixedKeySource final : public KeySource {
 public:
  FixedKeySource(std::vector<SourcedKey> keys, std::string name)
      : keys_(std::move(keys)), name_(std::move(name)) {}
  absl::StatusOr<std::vector<SourcedKey>> Load() override { return keys_; }
  std::string Describe() const override { return name_; }

 private:
  const std::vector<SourcedKey> keys_;
  const std::string name_;
};

}  // namespace

absl::StatusOr<std::string> DefaultKid(const Key& key) {
  if (key.family() != KeyFamily::kHmac) return Thumbprint(key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), key.secret().data(),
           static_cast<int>(key.secret().size()),
           reinterpret_cast<const unsigned char*>(kHmacKidLabel.data()),
           kHmacKidLabel.size(), mac, &mac_len) == nullptr) {
    return Error(Reason::kInternal, "HMAC for the default kid failed");
  }
  // 128 bits are plenty to tell a tenant's secrets apart.
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(mac), 16));
}

bool SameKeyMaterial(const Key& a, const Key& b) {
  if (a.alg() != b.alg()) return false;
  if (a.family() == KeyFamily::kHmac) {
    return a.secret().size() == b.secret().size() &&
           CRYPTO_memcmp(a.secret().data(), b.secret().data(),
                         a.secret().size()) == 0;
  }
  absl::StatusOr<std::string> ta = Thumbprint(a);
  absl::StatusOr<std::string> tb = Thumbprint(b);
  return ta.ok() && tb.ok() && *ta == *tb;
}

absl::StatusOr<std::vector<SourcedKey>> LoadKeyText(
    absl::string_view text, absl::string_view name,
    const KeySourceOptions& options) {
  std::map<std::string, KeySchedule> schedules;
  absl::StatusOr<std::vector<std::shared_ptr<const Key>>> keys =
      ParseKeys(text, name, options, &schedules);
  if (!keys.ok()) return InFile(name, keys.status());
  // A single JWK's schedule is stored under "", whatever its kid.
  const auto single = schedules.find("");
  std::vector<SourcedKey> out;
  for (std::shared_ptr<const Key>& key : *keys) {
    if (!options.allow_private && key->has_private() &&
        key->family() != KeyFamily::kHmac) {
      return InFile(name, Error(Reason::kKeyInvalid,
                                "private keys are not allowed here"));
    }
    absl::StatusOr<std::shared_ptr<const Key>> with_kid =
        WithDefaultKid(std::move(key));
    if (!with_kid.ok()) return InFile(name, with_kid.status());
    SourcedKey entry;
    entry.key = *std::move(with_kid);
    entry.origin = std::string(name);
    if (single != schedules.end()) {
      entry.schedule = single->second;
    } else if (auto it = schedules.find(entry.key->kid());
               it != schedules.end()) {
      entry.schedule = it->second;
    }
    std::vector<SourcedKey> one;
    one.push_back(std::move(entry));
    absl::Status merged = Merge(std::move(one), &out);
    if (!merged.ok()) return merged;
  }
  return out;
}

absl::StatusOr<std::vector<SourcedKey>> LoadKeyFileEntries(
    const std::string& path, const KeySourceOptions& options) {
  absl::StatusOr<std::vector<SourcedKey>> loaded =
      LoadOneFile(path, path, options);
  if (!loaded.ok()) return loaded.status();
  if (loaded->empty()) {
    return Error(Reason::kKeySetInvalid,
                 absl::StrCat(path, ": the file holds no key"), path);
  }
  return loaded;
}

absl::StatusOr<std::vector<SourcedKey>> LoadKeyDirectoryEntries(
    const std::string& path, const KeySourceOptions& options) {
  std::error_code ec;
  // Resolve `..data` once so the whole load reads one version of a Secret.
  fs::path root(path);
  const fs::path data_link = root / "..data";
  if (fs::is_symlink(fs::symlink_status(data_link, ec))) {
    fs::path target = fs::read_symlink(data_link, ec);
    if (ec) {
      return Error(Reason::kKeyInvalid,
                   absl::StrCat(data_link.string(),
                                ": cannot read the symlink: ", ec.message()),
                   data_link.string());
    }
    root = target.is_absolute() ? target : fs::path(path) / target;
  }
  std::vector<std::string> names;
  fs::directory_iterator it(root, ec);
  if (ec) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat(root.string(),
                              ": cannot list the directory: ", ec.message()),
                 root.string());
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!SkippedName(name)) names.push_back(name);
  }
  if (ec) {
    return Error(Reason::kKeyInvalid,
                 absl::StrCat(root.string(),
                              ": listing the directory failed: ", ec.message()),
                 root.string());
  }
  std::sort(names.begin(), names.end());
  std::vector<SourcedKey> out;
  for (const std::string& name : names) {
    const std::string file = (root / name).string();
    const fs::file_status status = fs::status(file, ec);
    if (!ec && fs::is_directory(status)) continue;
    absl::StatusOr<std::vector<SourcedKey>> loaded =
        LoadOneFile(file, (fs::path(path) / name).string(), options);
    if (!loaded.ok()) return loaded.status();
    absl::Status merged = Merge(*std::move(loaded), &out);
    if (!merged.ok()) return merged;
  }
  if (out.empty()) {
    return Error(Reason::kKeySetInvalid,
                 absl::StrCat(path, ": the directory holds no key"), path);
  }
  return out;
}

absl::StatusOr<KeySet> LoadKeyFile(const std::string& path,
                                   const KeySourceOptions& options) {
  return ToKeySet(LoadKeyFileEntries(path, options));
}

absl::StatusOr<KeySet> LoadKeyDirectory(const std::string& path,
                                        const KeySourceOptions& options) {
  return ToKeySet(LoadKeyDirectoryEntries(path, options));
}

std::unique_ptr<KeySource> DirectoryKeySource(std::string path,
                                              KeySourceOptions options) {
  return std::make_unique<PathKeySource>(std::move(path), options,
                                         /*directory=*/true);
}

std::unique_ptr<KeySource> FileKeySource(std::string path,
                                         KeySourceOptions options) {
  return std::make_unique<PathKeySource>(std::move(path), options,
                                         /*directory=*/false);
}

absl::StatusOr<std::unique_ptr<KeySource>> InlineKeySource(
    absl::string_view text, absl::string_view format_name,
    const KeySourceOptions& options) {
  absl::StatusOr<std::vector<SourcedKey>> keys =
      LoadKeyText(text, format_name, options);
  if (!keys.ok()) return keys.status();
  if (keys->empty()) {
    return Error(Reason::kKeySetInvalid, "the inline key text holds no key");
  }
  for (SourcedKey& key : *keys) key.origin = "inline";
  return std::make_unique<FixedKeySource>(*std::move(keys), "inline");
}

absl::StatusOr<std::unique_ptr<KeySource>> GeneratedKeySource(Algorithm alg) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::shared_ptr<const Key>> with_kid =
      WithDefaultKid(*std::move(key));
  if (!with_kid.ok()) return with_kid.status();
  SourcedKey entry;
  entry.key = *std::move(with_kid);
  entry.origin = "generated";
  std::vector<SourcedKey> keys;
  keys.push_back(std::move(entry));
  return std::make_unique<FixedKeySource>(std::move(keys), "generated");
}

}  // namespace tokend
