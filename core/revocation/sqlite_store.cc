#include "core/revocation/sqlite_store.h"

#include <sqlite3.h>

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr int kSchemaVersion = 1;

bool ValidKind(int64_t kind) {
  return kind >= static_cast<int>(Revocation::Kind::kTokenId) &&
         kind <= static_cast<int>(Revocation::Kind::kTenant);
}

std::string ColumnText(sqlite3_stmt* stmt, int col) {
  const unsigned char* text = sqlite3_column_text(stmt, col);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       sqlite3_column_bytes(stmt, col));
}

// Resets and clears a prepared statement when the scope ends, so every
// early return leaves it ready for the next call.
class StmtReset {
 public:
  explicit StmtReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

constexpr const char* kCreateSchema =
    "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS revocations("
    "  kind INTEGER NOT NULL,"
    "  tenant TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  revoked_at_ms INTEGER NOT NULL,"
    "  expires_at_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, tenant, value)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS revocations_by_expiry"
    "  ON revocations(expires_at_ms);";

constexpr const char* kUpsert =
    "INSERT INTO revocations(kind, tenant, value, revoked_at_ms,"
    " expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(kind, tenant, value) DO UPDATE SET"
    "  revoked_at_ms = max(revoked_at_ms, excluded.revoked_at_ms),"
    "  expires_at_ms = max(expires_at_ms, excluded.expires_at_ms)";
constexpr const char* kSelectAll =
    "SELECT kind, tenant, value, revoked_at_ms, expires_at_ms"
    " FROM revocations";
constexpr const char* kPrune =
    "DELETE FROM revocations WHERE expires_at_ms <= ?1";

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path));
  absl::Status status = store->Init();
  if (!status.ok()) return status;
  return store;
}

SqliteStore::~SqliteStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_finalize(upsert_);
  sqlite3_finalize(select_all_);
  sqlite3_finalize(prune_);
  sqlite3_close(db_);
}

absl::Status SqliteStore::DbError(int rc, absl::string_view what) const {
  const int primary = rc & 0xff;
  const Reason reason = (primary == SQLITE_NOTADB ||
                         primary == SQLITE_CORRUPT || primary == SQLITE_FORMAT)
                            ? Reason::kInvalidArgument
                            : Reason::kUnavailable;
  return Error(reason,
               absl::StrCat("revocation store ", path_, ": ", what, ": ",
                            sqlite3_errstr(rc)),
               "revocation.store");
}

absl::Status SqliteStore::Init() {
  absl::MutexLock lock(&mu_);
  int rc = sqlite3_open_v2(
      path_.c_str(), &db_,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) return DbError(rc, "open");
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);

  // journal_mode answers with the mode in force; anything but "wal" means
  // the file cannot give the durability Add promises.
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return DbError(rc, "set WAL mode");
  rc = sqlite3_step(stmt);
  const std::string mode = rc == SQLITE_ROW ? ColumnText(stmt, 0) : "";
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return DbError(rc, "set WAL mode");
  if (mode != "wal") {
    return Error(Reason::kUnavailable,
                 absl::StrCat("revocation store ", path_,
                              ": WAL mode refused (journal_mode=", mode, ")"),
                 "revocation.store");
  }
  rc = sqlite3_exec(db_, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DbError(rc, "set synchronous=FULL");

  rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DbError(rc, "begin schema transaction");
  rc = sqlite3_exec(db_, kCreateSchema, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return DbError(rc, "create schema");
  }
  rc = sqlite3_prepare_v2(db_,
                          "SELECT max(version), count(*) FROM schema_version",
                          -1, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return DbError(rc, "read schema version");
  }
  rc = sqlite3_step(stmt);
  const int64_t version = sqlite3_column_int64(stmt, 0);
  const int64_t rows = sqlite3_column_int64(stmt, 1);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return DbError(rc, "read schema version");
  }
  if (rows == 0) {
    rc = sqlite3_exec(
        db_,
        absl::StrCat("INSERT INTO schema_version(version) VALUES (",
                     kSchemaVersion, ")")
            .c_str(),
        nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return DbError(rc, "write schema version");
    }
  } else if (version != kSchemaVersion) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return Error(
        Reason::kInvalidArgument,
        absl::StrCat("revocation store ", path_, ": schema version ", version,
                     " is not the supported ", kSchemaVersion),
        "revocation.store");
  }
  rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DbError(rc, "commit schema");

  if ((rc = sqlite3_prepare_v3(db_, kUpsert, -1, SQLITE_PREPARE_PERSISTENT,
                               &upsert_, nullptr)) != SQLITE_OK ||
      (rc = sqlite3_prepare_v3(db_, kSelectAll, -1, SQLITE_PREPARE_PERSISTENT,
                               &select_all_, nullptr)) != SQLITE_OK ||
      (rc = sqlite3_prepare_v3(db_, kPrune, -1, SQLITE_PREPARE_PERSISTENT,
                               &prune_, nullptr)) != SQLITE_OK) {
    return DbError(rc, "prepare statements");
  }
  return absl::OkStatus();
}

int SqliteStore::Upsert(const Revocation& revocation) {
  StmtReset reset(upsert_);
  sqlite3_bind_int(upsert_, 1, static_cast<int>(revocation.kind));
  sqlite3_bind_text(upsert_, 2, revocation.tenant.data(),
                    static_cast<int>(revocation.tenant.size()), SQLITE_STATIC);
  sqlite3_bind_text(upsert_, 3, revocation.value.data(),
                    static_cast<int>(revocation.value.size()), SQLITE_STATIC);
  sqlite3_bind_int64(upsert_, 4, CeilUnixMillis(revocation.revoked_at));
  sqlite3_bind_int64(upsert_, 5, CeilUnixMillis(revocation.expires_at));
  return sqlite3_step(upsert_);
}

absl::Status SqliteStore::Add(const Revocation& revocation) {
  absl::MutexLock lock(&mu_);
  // Autocommit: with WAL and synchronous=FULL the step returns only after
  // the WAL frame holding this commit has been fsynced.
  const int rc = Upsert(revocation);
  if (rc != SQLITE_DONE) return DbError(rc, "add revocation");
  return absl::OkStatus();
}

absl::Status SqliteStore::AddBatch(const std::vector<Revocation>& revocations) {
  if (revocations.size() == 1) return Add(revocations[0]);
  absl::MutexLock lock(&mu_);
  int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return DbError(rc, "begin a batch of revocations");
  for (const Revocation& r : revocations) {
    rc = Upsert(r);
    if (rc != SQLITE_DONE) {
      absl::Status status = DbError(rc, "add revocation");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return status;
    }
  }
  // The commit returns once its WAL frames are fsynced, all at once.
  rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status status = DbError(rc, "commit a batch of revocations");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Revocation>> SqliteStore::LoadAll() {
  absl::MutexLock lock(&mu_);
  StmtReset reset(select_all_);
  std::vector<Revocation> all;
  int rc;
  while ((rc = sqlite3_step(select_all_)) == SQLITE_ROW) {
    const int64_t kind = sqlite3_column_int64(select_all_, 0);
    if (!ValidKind(kind)) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("revocation store ", path_,
                                ": unknown revocation kind ", kind),
                   "revocation.store");
    }
    Revocation r;
    r.kind = static_cast<Revocation::Kind>(kind);
    r.tenant = ColumnText(select_all_, 1);
    r.value = ColumnText(select_all_, 2);
    r.revoked_at = absl::FromUnixMillis(sqlite3_column_int64(select_all_, 3));
    r.expires_at = absl::FromUnixMillis(sqlite3_column_int64(select_all_, 4));
    all.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return DbError(rc, "load revocations");
  return all;
}

absl::Status SqliteStore::Prune(absl::Time now) {
  absl::MutexLock lock(&mu_);
  StmtReset reset(prune_);
  // Entries expiring at or before `now` go; rounding `now` down keeps any
  // entry whose (rounded-up) expiry is still ahead.
  sqlite3_bind_int64(prune_, 1, absl::ToUnixMillis(now));
  const int rc = sqlite3_step(prune_);
  if (rc != SQLITE_DONE) return DbError(rc, "prune revocations");
  return absl::OkStatus();
}

}  // namespace tokend
