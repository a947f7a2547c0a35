// The HTTP(S) Fetcher of the trusted issuers' key sets
// (core/identity/fetcher.h), on libcurl (Debian's libcurl4-openssl-dev:
// the well-kept HTTP client, HTTPS verified against the system CAs or a
// configured bundle).
//
// Every FetchRequest limit is enforced here: the body (the write callback
// aborts the transfer at max_body_bytes + 1), the whole exchange's timeout
// (redirects included), the number of redirects, the protocols (https
// only, http too when allow_http; a redirect from https to http is never
// followed), the CA bundle, and the bearer token file (re-read for every
// request; a Kubernetes projected token rotates). No signal is used
// (CURLOPT_NOSIGNAL: threads). The usual proxy environment variables
// (https_proxy, no_proxy...) are honoured, as curl does; nothing else of
// the environment is. Errors name the URL and curl's reason, never a body
// byte nor the token.
//
// Threads: Fetch from any thread (one CURL handle per call); it blocks up
// to the request's timeout, so only the key refresher's threads call it.
// Construct one (it calls curl_global_init once per process) before any
// thread other than main starts fetching.
#ifndef TOKEND_SERVER_TRANSPORT_CURL_FETCHER_H_
#define TOKEND_SERVER_TRANSPORT_CURL_FETCHER_H_

#include "absl/status/statusor.h"
#include "core/identity/fetcher.h"

namespace tokend {

class CurlFetcher final : public identity::Fetcher {
 public:
  CurlFetcher();
  absl::StatusOr<identity::FetchResponse> Fetch(
      const identity::FetchRequest& request) override;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_TRANSPORT_CURL_FETCHER_H_
