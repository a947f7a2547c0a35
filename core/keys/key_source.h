// Where a tenant's keys come from: PEM files, JWK and JWK Set files, a
// directory of them (including a Kubernetes Secret mount), inline text, or
// keys generated at start-up.
//
// Directory rules:
// - When the directory holds a `..data` symlink (the Kubernetes Secret/
//   ConfigMap layout: `key.pem -> ..data/key.pem`, `..data -> ..2026_...`),
//   the files are read from the directory `..data` points to at the start of
//   the load, so one load never mixes files from two versions of the Secret.
//   Errors and origins still name the visible path (dir/key.pem).
// - Names starting with '.' (the `..data` machinery, editor swap files) and
//   names ending in '~', ".swp", ".swx" or ".tmp" are skipped; so are
//   sub-directories and PEM blocks labelled CERTIFICATE (a TLS Secret's
//   tls.crt). Every other regular file (symlinks are followed) must load.
// - Format by extension: .pem/.key/.pub → PEM (one or more blocks), .jwk →
//   one JWK, .jwks → a JWK Set, .json → a JWK Set when it has "keys", else a
//   JWK. Other names are sniffed: "-----BEGIN" → PEM, '{' → JSON as .json.
// - kid: the JWK's "kid"; otherwise the RFC 7638 thumbprint (asymmetric) or,
//   for an HMAC key, a MAC of a fixed label under the secret (so the kid is
//   stable across replicas and reveals nothing about the secret).
// - alg: the JWK's "alg" (or kty+crv default); otherwise options.alg. PEM
//   files need options.alg.
// - Schedule: a JWK's "tokend_activate_at"/"tokend_retire_at" members
//   (core/keys/key_schedule.h); in a JWK Set only on entries with a "kid".
//   A bad value fails the load naming the file and the member.
// - Any bad file (unreadable, empty, truncated PEM, invalid JSON, weak key,
//   ...) fails the WHOLE load; the status keeps the key reason (kKeyInvalid,
//   kKeyTooWeak, ...) and its message names the file. Callers keep their last
//   good set. An empty key set is refused with kKeySetInvalid.
#ifndef TOKEND_CORE_KEYS_KEY_SOURCE_H_
#define TOKEND_CORE_KEYS_KEY_SOURCE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/crypto/algorithm.h"
#include "core/crypto/key.h"
#include "core/keys/key_schedule.h"
#include "core/keys/key_set.h"

namespace tokend {

struct KeySourceOptions {
  // The tenant's configured algorithm: binds PEM keys, and JWKs without an
  // "alg" whose kty+crv do not determine one.
  std::optional<Algorithm> alg;
  // When false, asymmetric private keys are refused (verify-only tenants).
  bool allow_private = true;
  // Per-file cap; larger files fail the load.
  size_t max_file_bytes = 1024 * 1024;
};

// One loaded key and where it came from.
struct SourcedKey {
  std::shared_ptr<const Key> key;  // always has a non-empty kid
  std::string origin;              // the file path, or "inline"/"generated"
  absl::Time modified = absl::InfinitePast();  // file mtime, when a file
  // The schedule members of a JWK (core/keys/key_schedule.h); unscheduled
  // for PEM keys and JWKs without them.
  KeySchedule schedule;
};

// The kid tokend gives a key that has none (see the header comment).
absl::StatusOr<std::string> DefaultKid(const Key& key);

// Same algorithm and same public material (HMAC: same secret). A private
// key and its public half are the same material.
bool SameKeyMaterial(const Key& a, const Key& b);

// Parses key text of any supported format (`name` picks the format by
// extension as above and is used in errors). Keys without a kid get
// DefaultKid.
absl::StatusOr<std::vector<SourcedKey>> LoadKeyText(
    absl::string_view text, absl::string_view name,
    const KeySourceOptions& options);

// One file, or every key file of a directory. Duplicate kids across files
// fail with kKeySetInvalid, except that the same key given twice under the
// same kid (e.g. a private and a public PEM file) is kept once, preferring
// the private one.
absl::StatusOr<std::vector<SourcedKey>> LoadKeyFileEntries(
    const std::string& path, const KeySourceOptions& options);
absl::StatusOr<std::vector<SourcedKey>> LoadKeyDirectoryEntries(
    const std::string& path, const KeySourceOptions& options);

// The same, as a KeySet (KeySet::Create's rules apply on top).
absl::StatusOr<KeySet> LoadKeyFile(const std::string& path,
                                   const KeySourceOptions& options);
absl::StatusOr<KeySet> LoadKeyDirectory(const std::string& path,
                                        const KeySourceOptions& options);

// A source the KeyManager reloads. Load() returns the complete current set
// of keys or an error; it may be called from any thread, one call at a time.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual absl::StatusOr<std::vector<SourcedKey>> Load() = 0;
  // For logs and errors: the path, or "inline"/"generated".
  virtual std::string Describe() const = 0;
};

// A directory (or a single file) re-read on every Load().
std::unique_ptr<KeySource> DirectoryKeySource(std::string path,
                                              KeySourceOptions options);
std::unique_ptr<KeySource> FileKeySource(std::string path,
                                         KeySourceOptions options);
// Inline development keys: the text is parsed once, here; Load() returns the
// same keys every time.
absl::StatusOr<std::unique_ptr<KeySource>> InlineKeySource(
    absl::string_view text, absl::string_view format_name,
    const KeySourceOptions& options);
// A fresh private key for `alg`, generated once, here (development default).
absl::StatusOr<std::unique_ptr<KeySource>> GeneratedKeySource(Algorithm alg);

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_KEY_SOURCE_H_
