#include "server/transport/caller.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "server/transport/peer_table.h"

namespace tokend {
namespace {

bool IsLoopbackPeer(absl::string_view peer) {
  return absl::StartsWith(peer, "ipv4:127.") ||
         absl::StartsWith(peer, "ipv6:[::1]") ||
         absl::StartsWith(peer, "ipv6:%5B::1%5D");
}

}  // namespace

std::string CallerIdentity::Describe() const {
  switch (kind) {
    case Kind::kUnix:
      return absl::StrCat("uid:", uid);
    case Kind::kTls:
      if (!uri_sans.empty()) return uri_sans.front();
      if (!dns_sans.empty()) return absl::StrCat("dns:", dns_sans.front());
      return absl::StrCat("tls:", peer);
    case Kind::kLoopback:
      return "loopback";
    case Kind::kUnknown:
      break;
  }
  return absl::StrCat("peer:", peer);
}

CallerIdentity IdentifyCaller(const grpc::ServerContextBase& context,
                              const PeerTable& peers) {
  CallerIdentity id;
  id.peer = context.peer();
  if (std::optional<UnixPeer> unix_peer = peers.Find(id.peer)) {
    if (unix_peer->loopback_tcp) {
      id.kind = CallerIdentity::Kind::kLoopback;
      return id;
    }
    id.kind = CallerIdentity::Kind::kUnix;
    id.uid = unix_peer->uid;
    id.gid = unix_peer->gid;
    id.pid = unix_peer->pid;
    return id;
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    id.kind = CallerIdentity::Kind::kTls;
    for (const auto& v :
         auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
      id.uri_sans.emplace_back(v.data(), v.size());
    }
    for (const auto& v :
         auth->FindPropertyValues(GRPC_PEER_DNS_PROPERTY_NAME)) {
      id.dns_sans.emplace_back(v.data(), v.size());
    }
    return id;
  }
  if (IsLoopbackPeer(id.peer)) {
    // A TLS connection from loopback without a client certificate is not a
    // loopback-plaintext caller: only the plaintext listener is loopback-only.
    bool tls = false;
    if (auth != nullptr) {
      for (const auto& v : auth->FindPropertyValues(
               GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME)) {
        tls = tls || std::string(v.data(), v.size()) == "ssl";
      }
    }
    if (!tls) id.kind = CallerIdentity::Kind::kLoopback;
  }
  return id;
}

}  // namespace tokend
