#include "core/identity/fetcher.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend::identity {

absl::string_view FetchResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

bool IsFetchableUrl(absl::string_view url, bool allow_http) {
  absl::string_view rest;
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
  } else if (allow_http && absl::StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  // A host is required: "https:///x" and "https://" are not URLs to fetch.
  return !rest.empty() && rest.front() != '/' && rest.front() != '?' &&
         rest.front() != '#';
}

absl::Status CheckFetchedDocument(const FetchRequest& request,
                                  const FetchResponse& response,
                                  absl::string_view what) {
  if (response.status != 200) {
    return Error(
        Reason::kUnavailable,
        response.status >= 300 && response.status < 400
            ? absl::StrCat(what, " answered HTTP ", response.status,
                           " (a redirect that was not followed: at most ",
                           request.max_redirects, " are, https only)")
            : absl::StrCat(what, " answered HTTP ", response.status));
  }
  if (!response.final_url.empty() &&
      !IsFetchableUrl(response.final_url, request.allow_http)) {
    return Error(Reason::kUnavailable,
                 absl::StrCat(what, " was served from a non-https URL"));
  }
  if (response.body.size() > request.max_body_bytes) {
    return Error(Reason::kResourceExhausted,
                 absl::StrCat(what, " is larger than ", request.max_body_bytes,
                              " bytes"));
  }
  const absl::string_view type = response.Header("content-type");
  absl::string_view body = absl::StripLeadingAsciiWhitespace(response.body);
  if (absl::StartsWithIgnoreCase(type, "text/html") ||
      absl::StartsWith(body, "<")) {
    return Error(Reason::kKeySetInvalid,
                 absl::StrCat(what, " is an HTML page, not JSON"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FetchResponse> FileFetcher::Fetch(const FetchRequest& request) {
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<FILE, Closer> file(std::fopen(request.url.c_str(), "rb"));
  if (file == nullptr) {
    return Error(
        Reason::kUnavailable,
        absl::StrCat("cannot open ", request.url, ": ", std::strerror(errno)));
  }
  FetchResponse response;
  response.status = 200;
  char buffer[16 * 1024];
  for (;;) {
    const size_t n = std::fread(buffer, 1, sizeof(buffer), file.get());
    response.body.append(buffer, n);
    if (response.body.size() > request.max_body_bytes) {
      return Error(Reason::kResourceExhausted,
                   absl::StrCat(request.url, " is larger than ",
                                request.max_body_bytes, " bytes"));
    }
    if (n < sizeof(buffer)) break;
  }
  if (std::ferror(file.get())) {
    return Error(Reason::kUnavailable,
                 absl::StrCat("cannot read ", request.url));
  }
  return response;
}

}  // namespace tokend::identity
