// How a remote key set reaches its source: one request, one response.
//
// The engine (core/identity/remote_key_set.h) decides when to fetch and what
// to make of the answer; a Fetcher only moves bytes. server/ implements it
// with libcurl (HTTPS with the system CAs or a CA bundle); FileFetcher below
// reads a local JWKS file; tests use a fake. Fetch runs on a background
// thread and may block up to the request's timeout: it is never called on
// a thread that serves calls.
#ifndef TOKEND_CORE_IDENTITY_FETCHER_H_
#define TOKEND_CORE_IDENTITY_FETCHER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tokend::identity {

struct FetchRequest {
  // An https:// URL (http:// only when allow_http), or for FileFetcher a
  // path.
  std::string url;
  // Limits the implementation must enforce: the body (a larger one is a
  // kResourceExhausted failure, read no further than the limit plus one
  // byte), the whole exchange including redirects, and the number of
  // redirects followed (0: a 3xx answer is returned as it is). A redirect
  // from https to http is never followed.
  size_t max_body_bytes = 512 * 1024;
  absl::Duration timeout = absl::Seconds(5);
  int max_redirects = 3;
  bool allow_http = false;
  // Optional: a PEM CA bundle to trust instead of the system CAs, and a
  // file whose content is sent as "Authorization: Bearer <content>" (a
  // Kubernetes service-account token, re-read on each request).
  std::string ca_file;
  std::string bearer_token_file;
};

struct FetchResponse {
  int status = 0;  // HTTP status; FileFetcher answers 200
  // Header names lower-cased; a repeated header appears once per line.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The URL that answered, after redirects ("" for FileFetcher).
  std::string final_url;

  // The first value of `name` (lower case), or "" when absent.
  absl::string_view Header(absl::string_view name) const;
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // A transport failure (DNS, connect, TLS, timeout, body over the limit,
  // unreadable file) is a non-OK status whose message names no body bytes
  // and no credentials. Any HTTP answer, 4xx and 5xx included, is a
  // response. Thread-safe.
  virtual absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) = 0;
};

// The checks every fetched document passes before its body is read, each
// failure a status naming `what` ("JWKS", "discovery document"):
// - HTTP status 200 (a 3xx means a redirect past max_redirects or not
//   followed; anything else is the issuer's error): kUnavailable;
// - final_url is https (http only when request.allow_http): kUnavailable;
// - body within request.max_body_bytes (in case the fetcher did not stop):
//   kResourceExhausted;
// - not HTML (a Content-Type of text/html, or a body starting with '<' after
//   whitespace: a login page, a captive portal, an error page served with
//   200): kKeySetInvalid.
absl::Status CheckFetchedDocument(const FetchRequest& request,
                                  const FetchResponse& response,
                                  absl::string_view what);

// True for an https:// URL with a host, or http:// when allow_http.
bool IsFetchableUrl(absl::string_view url, bool allow_http);

// Reads request.url as a local path (a JWKS mounted from a ConfigMap, or
// written by a sidecar). Missing or unreadable: kUnavailable; over
// max_body_bytes: kResourceExhausted.
class FileFetcher final : public Fetcher {
 public:
  absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) override;
};

}  // namespace tokend::identity

#endif  // TOKEND_CORE_IDENTITY_FETCHER_H_
