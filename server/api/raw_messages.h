// Raw callback methods (grpc::ByteBuffer in and out): ParseRequest and
// SerializeMessage for the server-streaming ones, and RawMessages, one
// unary call's request and response on one protobuf Arena whose first block
// lives in the object. gRPC's typed callback handler
// answers a request it cannot parse itself, with a bare UNIMPLEMENTED that
// no tokend code sees; parsing here instead (the same ProtoBufferReader +
// ParseFromZeroCopyStream gRPC would run, so no extra per-call work) lets the
// handler answer INVALID_ARGUMENT with ErrorInfo and count it like any other
// refusal (malformed_request.h).
//
// Threads: one object per call, used by the thread running the call's
// handler and then, for a call finished later, by the thread finishing it.
// Not shared.
#ifndef TOKEND_SERVER_API_RAW_MESSAGES_H_
#define TOKEND_SERVER_API_RAW_MESSAGES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/proto_buffer_writer.h"
#include "grpcpp/support/status.h"
#include "server/api/malformed_request.h"

namespace tokend {

// Parses `raw` into `request`. A failure is the malformed-request error for
// `method` (INVALID_ARGUMENT, field "request"), already counted.
inline absl::Status ParseRequest(const grpc::ByteBuffer& raw,
                                 absl::string_view method,
                                 google::protobuf::MessageLite* request) {
  // The reader only reads; ProtoBufferReader merely takes a non-const
  // pointer.
  grpc::ByteBuffer* bytes = const_cast<grpc::ByteBuffer*>(&raw);
  if (!bytes->Valid()) return MalformedRequest(method);
  grpc::ProtoBufferReader reader(bytes);
  if (!request->ParseFromZeroCopyStream(&reader) || !reader.status().ok()) {
    return MalformedRequest(method);
  }
  return absl::OkStatus();
}

// Serializes `message` into `raw`, as gRPC does before sending a typed
// message (for a raw stream's StartWrite).
template <typename Message>
grpc::Status SerializeMessage(const Message& message, grpc::ByteBuffer* raw) {
  bool own_buffer = false;
  return grpc::SerializationTraits<Message>::Serialize(message, raw,
                                                       &own_buffer);
}

template <typename Request, typename Response>
class RawMessages {
 public:
  RawMessages()
      : arena_(Options(block_)),
        request_(google::protobuf::Arena::CreateMessage<Request>(&arena_)),
        response_(google::protobuf::Arena::CreateMessage<Response>(&arena_)) {}
  RawMessages(const RawMessages&) = delete;
  RawMessages& operator=(const RawMessages&) = delete;

  // Parses `raw` into request(). A failure is the malformed-request error
  // for `method` (INVALID_ARGUMENT, field "request"), already counted.
  absl::Status Parse(const grpc::ByteBuffer& raw, absl::string_view method) {
    return ParseRequest(raw, method, request_);
  }

  const Request& request() const { return *request_; }
  Response* response() { return response_; }

  // The status to finish the call with: on OK, response() is first
  // serialized into `raw` (what gRPC would have done when sending it).
  grpc::Status Reply(const grpc::Status& status, grpc::ByteBuffer* raw) {
    if (!status.ok()) return status;
    return SerializeMessage(*response_, raw);
  }

 private:
  // Enough for a verify response with a typical claims set; bigger calls
  // continue in heap blocks the arena allocates itself.
  static constexpr size_t kInitialBlock = 4096;

  static google::protobuf::ArenaOptions Options(char* block) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = kInitialBlock;
    return options;
  }

  // Declared before arena_: the arena's first block, used but not owned.
  alignas(16) char block_[kInitialBlock];
  google::protobuf::Arena arena_;
  Request* request_;
  Response* response_;
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_RAW_MESSAGES_H_
