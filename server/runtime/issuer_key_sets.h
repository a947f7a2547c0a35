// The remote key sets of the trusted issuers, kept across config reloads.
//
// ConfigSnapshot::Build creates the TrustedIssuers afresh on every reload,
// but an issuer whose name, key source, import and refresh options are
// unchanged must keep its RemoteKeySet: its fetched keys, its schedule and
// its failure count. Otherwise every reload would empty the sets (an
// unready window) and refetch every issuer at once (a storm against the
// IdPs). Deps() hands Build an IssuerDeps whose `reuse` finds such a set
// among those of the snapshot last installed (Remember).
//
// Owned by the Server, for the whole process: the key sets refer to its
// FileFetcher and to the HTTP fetcher and clock given here.
// Threads: Deps() and Remember() under the server's snapshot mutex (the
// config-watch thread, the key thread); reuse runs inside Build there too.
// Internally locked, so any thread may call.
#ifndef TOKEND_SERVER_RUNTIME_ISSUER_KEY_SETS_H_
#define TOKEND_SERVER_RUNTIME_ISSUER_KEY_SETS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "core/identity/fetcher.h"
#include "core/identity/remote_key_set.h"
#include "core/identity/trusted_issuers.h"

namespace tokend {

class IssuerKeySets {
 public:
  // `http` and `clock` must outlive this object and every key set.
  IssuerKeySets(identity::Fetcher& http, const Clock& clock);

  // What ConfigSnapshot::Build needs; valid while this object lives.
  identity::IssuerDeps Deps();

  // The sets of the snapshot now serving (nullptr: none): the candidates
  // for reuse by the next Build.
  void Remember(const identity::TrustedIssuers* issuers);

 private:
  std::shared_ptr<identity::RemoteKeySet> Find(
      const std::string& name, const identity::KeySourceSpec& source,
      const identity::JwksImportOptions& import,
      const identity::KeyRefreshOptions& options) const;

  identity::Fetcher& http_;
  const Clock& clock_;
  identity::FileFetcher file_;
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<identity::RemoteKeySet>> current_
      ABSL_GUARDED_BY(mu_);
};

// True when the two would fetch and import the same keys on the same
// schedule.
bool SameKeySetOptions(const identity::JwksImportOptions& a,
                       const identity::JwksImportOptions& b);
bool SameRefreshOptions(const identity::KeyRefreshOptions& a,
                        const identity::KeyRefreshOptions& b);

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_ISSUER_KEY_SETS_H_
