#include "server/api/cors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tokend {

bool CorsPolicy::Allows(absl::string_view origin) const {
  for (const std::string& allowed : allowed_) {
    if (allowed == origin) return true;
  }
  return false;
}

CorsPolicy::Verdict CorsPolicy::Check(const char* origin) const {
  if (origin == nullptr) return Verdict::kNoOrigin;
  return Allows(origin) ? Verdict::kAllowed : Verdict::kRefused;
}

std::string CorsPolicy::ResponseHeaders(absl::string_view origin) {
  return absl::StrCat("Access-Control-Allow-Origin: ", origin,
                      "\r\nVary: Origin\r\n");
}

HttpReply CorsPolicy::Preflight(const HttpRequest& request,
                                absl::string_view methods) const {
  const char* origin = request.header("Origin");
  const char* wanted = request.header("Access-Control-Request-Method");
  if (origin == nullptr || wanted == nullptr) {
    // Not a CORS preflight: what the route allows.
    return HttpReply{204, "text/plain", "",
                     absl::StrCat("Allow: ", methods, "\r\n")};
  }
  bool method_ok = false;
  for (absl::string_view m : absl::StrSplit(methods, ", ")) {
    method_ok = method_ok || m == absl::StripAsciiWhitespace(wanted);
  }
  if (!Allows(origin) || !method_ok) {
    return HttpReply{
        403, "text/plain",
        Allows(origin) ? "method not allowed\n" : "origin not allowed\n",
        "Vary: Origin\r\n"};
  }
  return HttpReply{
      204, "text/plain", "",
      absl::StrCat(ResponseHeaders(origin),
                   "Access-Control-Allow-Methods: ", methods,
                   "\r\nAccess-Control-Allow-Headers: ", kCorsAllowHeaders,
                   "\r\nAccess-Control-Max-Age: ", kCorsMaxAgeSeconds, "\r\n")};
}

}  // namespace tokend
