// Requests whose protobuf message cannot be parsed. gRPC's callback API
// answers them itself, before any tokend handler runs, with a bare
// UNIMPLEMENTED (no message, no ErrorInfo) that no metric sees. This server
// interceptor turns that answer, on tokend's own methods, into
// INVALID_ARGUMENT with ErrorInfo{reason INVALID_ARGUMENT, field "request"}
// and counts it (tokend_malformed_requests_total and tokend_rpcs_total).
// tokend's handlers never answer UNIMPLEMENTED with an empty message, so the
// rewrite touches nothing else.
//
// Threads: gRPC creates one interceptor per call and runs it on the call's
// callback threads; it keeps no shared state.
#ifndef TOKEND_SERVER_API_MALFORMED_REQUEST_H_
#define TOKEND_SERVER_API_MALFORMED_REQUEST_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace tokend {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MalformedRequestInterceptorFactory();

}  // namespace tokend

#endif  // TOKEND_SERVER_API_MALFORMED_REQUEST_H_
