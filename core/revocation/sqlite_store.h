// The embedded revocation store: one SQLite file in WAL mode with
// synchronous=FULL, so Add returns only after its commit is on disk and a
// kill -9 right after the acknowledgement loses nothing.
//
// Schema (version 1):
//   schema_version(version INTEGER NOT NULL)      -- exactly one row
//   revocations(kind, tenant, value, revoked_at_ms, expires_at_ms,
//               PRIMARY KEY (kind, tenant, value)) WITHOUT ROWID
// Times are Unix milliseconds, rounded up so a stored entry never revokes
// less or expires sooner than asked.
//
// Threads: every method may be called from any thread; one mutex guards the
// connection and its prepared statements.
#ifndef TOKEND_CORE_REVOCATION_SQLITE_STORE_H_
#define TOKEND_CORE_REVOCATION_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/revocation/revocation.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tokend {

class SqliteStore final : public RevocationStore {
 public:
  // Opens or creates the file. A file that is not a SQLite database, or one
  // written by a newer schema, is refused with kInvalidArgument; an
  // unreadable or unwritable one with kUnavailable. Errors name the path.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& path);
  ~SqliteStore() override;

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Upsert: an existing entry keeps the later revoked_at and expires_at.
  absl::Status Add(const Revocation& revocation) override;
  // One transaction: one fsync for the whole batch.
  absl::Status AddBatch(const std::vector<Revocation>& revocations) override;
  absl::StatusOr<std::vector<Revocation>> LoadAll() override;
  absl::Status Prune(absl::Time now) override;

  const std::string& path() const { return path_; }

 private:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  absl::Status Init();
  // A status for the connection's last error: reason by result code, the
  // path and the step that failed in the detail.
  absl::Status DbError(int rc, absl::string_view what) const;
  // Runs the upsert for one entry (its lock held).
  int Upsert(const Revocation& revocation) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* upsert_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* select_all_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* prune_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace tokend

#endif  // TOKEND_CORE_REVOCATION_SQLITE_STORE_H_
