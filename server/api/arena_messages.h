// A grpc::MessageAllocator that puts a unary call's request and response,
// and everything inside them (strings, the claims Struct's map entries), on
// one protobuf Arena whose first block lives in the holder itself: a call
// then costs one allocation for its messages instead of one per field, and
// the whole lot is freed at once when gRPC releases the holder.
//
// Thread-safe (AllocateMessages keeps no state); gRPC calls it on its
// callback threads. The allocator must outlive the server.
#ifndef TOKEND_SERVER_API_ARENA_MESSAGES_H_
#define TOKEND_SERVER_API_ARENA_MESSAGES_H_

#include <cstddef>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace tokend {

template <typename Request, typename Response>
class ArenaMessageAllocator final
    : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder;
  }

 private:
  // Enough for a verify response with a typical claims set; bigger calls
  // continue in heap blocks the arena allocates itself.
  static constexpr size_t kInitialBlock = 4096;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(block_)) {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(
          google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kInitialBlock;
      return options;
    }

    // Declared before arena_: the arena's first block, used but not owned.
    alignas(16) char block_[kInitialBlock];
    google::protobuf::Arena arena_;
  };
};

}  // namespace tokend

#endif  // TOKEND_SERVER_API_ARENA_MESSAGES_H_
