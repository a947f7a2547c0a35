// tokenctl's plumbing for talking to tokend: the channel, per-call context
// (deadline and the `tokend-request: 1` marker), error reporting with the
// ErrorInfo reason, token input and JSON output.
#ifndef TOKEND_SERVER_TOKENCTL_RPC_H_
#define TOKEND_SERVER_TOKENCTL_RPC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "tools/tokenctl/options.h"

namespace tokend::tokenctl {

// The address used without --addr: the development default's socket,
// <$TOKEND_STATE_DIR, else ./.tokend>/tokend.sock
// (server/runtime/dev_default.h).
std::string DefaultAddress();

// A plaintext channel to options.addr (DefaultAddress() when empty).
std::shared_ptr<grpc::Channel> Dial(const Options& options);

// Sets the deadline and, for TokenService / KeyService calls, the marker
// header tokend requires.
void Prepare(const Options& options, bool marker, grpc::ClientContext* context);

// Prints "tokenctl: <command>: <CODE> [reason=<R> field=<F>]: <message>" to
// stderr and returns kExitRpcError.
int ReportRpcError(absl::string_view command, const grpc::Status& status);

// Prints a usage problem to stderr and returns kExitUsage.
int UsageError(absl::string_view command, absl::string_view problem);

// The token from --token, or from stdin when it is "" or "-" (first line,
// surrounding whitespace removed). Never echoed anywhere.
absl::StatusOr<std::string> ReadToken(const Options& options);

// Prints `message` as one line of JSON (proto field names as JSON names).
void PrintJson(const google::protobuf::Message& message);

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_RPC_H_
