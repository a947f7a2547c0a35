#include "server/transport/curl_fetcher.h"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/reason.h"

namespace tokend {
namespace {

struct Transfer {
  size_t max_body = 0;
  bool too_big = false;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t->body.size() + bytes > t->max_body) {
    // Keep at most max_body + 1 bytes, then abort the transfer.
    t->body.append(data, t->max_body + 1 - t->body.size());
    t->too_big = true;
    return 0;
  }
  t->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  absl::string_view line(data, bytes);
  line = absl::StripTrailingAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect): only the last one's headers count.
    t->headers.clear();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return bytes;
  t->headers.emplace_back(
      absl::AsciiStrToLower(line.substr(0, colon)),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

absl::Status Failure(Reason reason, const std::string& url,
                     absl::string_view what) {
  return Error(reason, absl::StrCat("fetching ", url, ": ", what));
}

}  // namespace

CurlFetcher::CurlFetcher() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

absl::StatusOr<identity::FetchResponse> CurlFetcher::Fetch(
    const identity::FetchRequest& request) {
  const std::string& url = request.url;
  if (!identity::IsFetchableUrl(url, request.allow_http)) {
    return Failure(Reason::kInvalidArgument, url,
                   request.allow_http ? "not an http(s) URL"
                                      : "not an https URL (allow_http is off)");
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  if (!request.bearer_token_file.empty()) {
    std::ifstream in(request.bearer_token_file, std::ios::binary);
    std::stringstream token;
    token << in.rdbuf();
    if (!in) {
      return Failure(Reason::kUnavailable, url,
                     absl::StrCat("cannot read the bearer token file ",
                                  request.bearer_token_file));
    }
    const std::string value(absl::StripAsciiWhitespace(token.str()));
    const std::string header = absl::StrCat("Authorization: Bearer ", value);
    headers.reset(curl_slist_append(nullptr, header.c_str()));
  }
  headers.reset(
      curl_slist_append(headers.release(), "Accept: application/json"));

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) {
    return Failure(Reason::kInternal, url, "curl_easy_init failed");
  }
  CURL* c = curl.get();
  Transfer transfer;
  transfer.max_body = request.max_body_bytes;
  const char* protocols = request.allow_http ? "https,http" : "https";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  // A redirect may only go to https, or to http when allowed: curl checks
  // each hop against this list (so https -> http is refused without
  // allow_http). With allow_http the engine's final_url check refuses an
  // http answer to an https request (core/identity/fetcher.h).
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION,
                   request.max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS,
                   static_cast<long>(request.max_redirects));
  const long timeout_ms = static_cast<long>(
      std::max<int64_t>(1, absl::ToInt64Milliseconds(request.timeout)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!request.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  }
  // Never send the bearer token to another host a redirect points at.
  curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "tokend");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  if (request.max_body_bytes < static_cast<size_t>(INT64_MAX)) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_body_bytes));
  }
  const CURLcode code = curl_easy_perform(c);
  if (transfer.too_big || code == CURLE_FILESIZE_EXCEEDED) {
    return Failure(
        Reason::kResourceExhausted, url,
        absl::StrCat("the body exceeds ", request.max_body_bytes, " bytes"));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Failure(Reason::kUnavailable, url,
                   absl::StrCat("timed out after ",
                                absl::FormatDuration(request.timeout)));
  }
  if (code == CURLE_TOO_MANY_REDIRECTS) {
    return Failure(
        Reason::kUnavailable, url,
        absl::StrCat("more than ", request.max_redirects, " redirects"));
  }
  if (code == CURLE_UNSUPPORTED_PROTOCOL) {
    return Failure(Reason::kUnavailable, url,
                   "redirected to a URL whose scheme is not allowed (https "
                   "only unless allow_http)");
  }
  if (code != CURLE_OK) {
    return Failure(Reason::kUnavailable, url, curl_easy_strerror(code));
  }
  identity::FetchResponse response;
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  char* effective = nullptr;
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
  response.final_url = effective != nullptr ? effective : url;
  response.headers = std::move(transfer.headers);
  response.body = std::move(transfer.body);
  return response;
}

}  // namespace tokend
