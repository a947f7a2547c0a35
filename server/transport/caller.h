// Who is calling: the identity tokend's policy decides on.
//
// - unix-socket peers: SO_PEERCRED uid, gid and pid, read when tokend
//   accepts the connection itself (see unix_listener.h) and found again by
//   the peer string gRPC reports for that connection;
// - mTLS peers: the client certificate's URI SANs (SPIFFE ids) and DNS SANs;
// - plaintext loopback TCP peers: "loopback", without further identity.
#ifndef TOKEND_SERVER_TRANSPORT_CALLER_H_
#define TOKEND_SERVER_TRANSPORT_CALLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "grpcpp/server_context.h"

namespace tokend {

class PeerTable;

struct CallerIdentity {
  enum class Kind { kUnknown, kUnix, kTls, kLoopback };
  Kind kind = Kind::kUnknown;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
  std::string peer;  // gRPC's peer string

  // For logs and the audit line: "uid:1000", "spiffe://td/x", "loopback".
  std::string Describe() const;
  // The rate limiter's bucket key (one per identity).
  std::string RateKey() const { return Describe(); }
};

// Reads the identity of the call's peer.
CallerIdentity IdentifyCaller(const grpc::ServerContextBase& context,
                              const PeerTable& peers);

}  // namespace tokend

#endif  // TOKEND_SERVER_TRANSPORT_CALLER_H_
