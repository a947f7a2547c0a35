#include "core/random.h"

#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/string_view.h"
#include "core/jose/base64url.h"

// Fork safety. OpenSSL 3 and BoringSSL both reseed their own generators in a
// forked child, so RAND_bytes itself is safe. The only risk is this file's
// per-thread buffer: a child forked from a thread holding unread bytes would
// hand out the same bytes as its parent. A pthread_atfork child handler bumps
// a fork generation, and every draw compares it with the generation its
// buffer was filled in, discarding the buffer on a mismatch. This costs one
// relaxed atomic load per draw; a getpid() check would cost a syscall
// (~150 ns here: glibc no longer caches the pid). Children created with a raw
// clone(2) that bypasses libc's fork handlers are not supported.

namespace tokend {
namespace {

constexpr size_t kBufferSize = 4096;

// Draws larger than this bypass the buffer: they would drain it anyway.
constexpr size_t kDirectThreshold = 256;

[[noreturn]] void RandFailed() {
  std::fputs("tokend: FATAL: RAND_bytes failed; no secure randomness\n",
             stderr);
  std::abort();
}

void FillFromRand(uint8_t* buf, size_t len) {
  // RAND_bytes takes an int length; split huge requests.
  while (len > 0) {
    const size_t chunk = len > (1u << 30) ? (1u << 30) : len;
    if (RAND_bytes(buf, static_cast<int>(chunk)) != 1) RandFailed();
    buf += chunk;
    len -= chunk;
  }
}

std::atomic<uint64_t> fork_generation{0};

void OnForkChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

uint64_t ForkGeneration() {
  // Registered on first use, before any byte is buffered.
  static const bool registered = [] {
    if (pthread_atfork(nullptr, nullptr, &OnForkChild) != 0) {
      std::fputs("tokend: FATAL: pthread_atfork failed\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)registered;
  return fork_generation.load(std::memory_order_relaxed);
}

class ThreadBuffer {
 public:
  void Draw(uint8_t* out, size_t len) {
    const uint64_t generation = ForkGeneration();
    if (generation != generation_) {
      // We are a forked child: the buffered bytes are also the parent's.
      std::memset(bytes_, 0, sizeof(bytes_));
      available_ = 0;
      generation_ = generation;
    }
    while (len > 0) {
      if (available_ == 0) {
        FillFromRand(bytes_, kBufferSize);
        available_ = kBufferSize;
      }
      const size_t take = len < available_ ? len : available_;
      uint8_t* src = bytes_ + (kBufferSize - available_);
      std::memcpy(out, src, take);
      // Bytes handed out are erased so a later memory disclosure cannot
      // reveal ids or salts already issued.
      std::memset(src, 0, take);
      available_ -= take;
      out += take;
      len -= take;
    }
  }

 private:
  uint8_t bytes_[kBufferSize];
  size_t available_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace

void SecureRandomBytes(void* buf, size_t len) {
  auto* out = static_cast<uint8_t*>(buf);
  if (len > kDirectThreshold) {
    FillFromRand(out, len);
    return;
  }
  thread_local ThreadBuffer buffer;
  buffer.Draw(out, len);
}

uint32_t SecureRandomUint32() {
  uint32_t v;
  SecureRandomBytes(&v, sizeof(v));
  return v;
}

std::string NewTokenId() {
  uint8_t id[16];
  SecureRandomBytes(id, sizeof(id));
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(id), sizeof(id)));
}

}  // namespace tokend
