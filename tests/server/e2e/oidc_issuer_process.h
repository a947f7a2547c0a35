// Test support: runs the local OIDC issuer (tests/harness/oidc_issuer.py,
// whose header documents its control API) and drives it. Reusable by any
// e2e test that needs third-party identity tokens: start one, point an
// `issuers[]` entry at base_url() (with keys.allow_http, or TLS), mint
// tokens with Mint(), break the issuer with SetMode().
#ifndef TOKEND_TESTS_SERVER_E2E_OIDC_ISSUER_PROCESS_H_
#define TOKEND_TESTS_SERVER_E2E_OIDC_ISSUER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace tokend::testing {

// An HTTP/1.0 request to 127.0.0.1:port (plaintext): the status (0 when
// the connection failed) and the body.
struct HttpAnswer {
  int status = 0;
  std::string body;
};
HttpAnswer HttpRequest(int port, const std::string& method,
                       const std::string& path, const std::string& body = "");

class OidcIssuerProcess {
 public:
  // Starts the harness (port 0: any free port) with extra arguments (e.g.
  // {"--tls-cert", c, "--tls-key", k}), and waits (deadline 20 s) for the
  // "PORT <n>" line it prints once listening.
  explicit OidcIssuerProcess(int port = 0, std::vector<std::string> args = {});
  ~OidcIssuerProcess();  // SIGKILL and reap
  OidcIssuerProcess(const OidcIssuerProcess&) = delete;
  OidcIssuerProcess& operator=(const OidcIssuerProcess&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  // "http://127.0.0.1:<port>" (https with TLS): the issuer ("iss").
  std::string base_url() const;
  std::string jwks_url() const { return base_url() + "/jwks"; }
  std::string discovery_url() const {
    return base_url() + "/.well-known/openid-configuration";
  }

  // The control API (plaintext only: with TLS use curl through Shell).
  // Requests served so far on `path` ("/jwks" or
  // "/.well-known/openid-configuration"); -1 if the harness did not answer.
  int Count(const std::string& path) const;
  // POST /control/mode: which is "jwks" or "discovery"; extra_json adds
  // members, e.g. R"("status": 503)".
  bool SetMode(const std::string& which, const std::string& mode,
               const std::string& extra_json = "") const;
  bool SetCacheControl(const std::string& value) const;
  // A new signing key; the previous ones stay published unless !keep_old.
  // Returns its kid ("" on failure).
  std::string Rotate(bool keep_old = true) const;
  // A token with `claims_json` (an object; iss, iat, exp added unless set).
  std::string Mint(const std::string& claims_json) const;
  // The Authorization header the issuer endpoints last received ("" none).
  std::string LastAuthorization() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_SERVER_E2E_OIDC_ISSUER_PROCESS_H_
