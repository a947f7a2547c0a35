// HS256/384/512 (RFC 7518 §3.2). The key is absorbed once into a keyed
// HMAC_CTX at load time. Each thread keeps a few keyed contexts of its own
// (ThreadSlots below), each tagged with the process-unique id of the
// primitive it was keyed from: a call whose key has a slot re-initialises it
// with HMAC_Init_ex(ctx, nullptr, 0, nullptr, nullptr), which restarts from
// the stored ipad state without rehashing the key or allocating (the loop
// `openssl speed` uses; OpenSSL 3 and BoringSSL both allow it). A miss copies
// the primitive's keyed context into the least recently used slot. Ids come
// from a 64-bit counter and are never reused, so a slot keyed by a destroyed
// (rotated) key can never match a later key; it is overwritten on eviction
// and cleansed by HMAC_CTX_free when its thread exits.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#ifdef TOKEND_BORINGSSL
#include <openssl/mem.h>
#endif

#include "core/crypto/primitives.h"
#include "core/reason.h"

namespace tokend::crypto_internal {
namespace {

struct HmacCtxDeleter {
  void operator()(HMAC_CTX* ctx) const { HMAC_CTX_free(ctx); }
};
using HmacCtxPtr = std::unique_ptr<HMAC_CTX, HmacCtxDeleter>;

// Process-unique, never reused (2^64 keys will not be loaded).
uint64_t NextPrimitiveId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The calling thread's keyed contexts. Runs on whichever thread calls
// Verify/Sign; thread_local, so it needs no lock. Id 0 marks an empty slot.
class ThreadSlots {
 public:
  static constexpr int kSlots = 4;

  // Returns a context ready for HMAC_Update under the key with `id`, keyed
  // from `keyed` on a miss; nullptr on an OpenSSL failure.
  HMAC_CTX* Acquire(uint64_t id, HMAC_CTX* keyed) {
    ++clock_;
    for (Slot& slot : slots_) {
      if (slot.id == id) {
        slot.last_use = clock_;
        if (HMAC_Init_ex(slot.ctx.get(), nullptr, 0, nullptr, nullptr) != 1) {
          slot.id = 0;
          return nullptr;
        }
        return slot.ctx.get();
      }
    }
    Slot* victim = &slots_[0];
    for (Slot& slot : slots_) {
      if (slot.last_use < victim->last_use) victim = &slot;
    }
    victim->id = 0;  // until it is keyed successfully
    // A fresh context: BoringSSL's HMAC_CTX_copy re-initialises its
    // destination without freeing it, and freeing the old one cleanses the
    // evicted key's state. HMAC_CTX_copy leaves the copy ready for
    // HMAC_Update (the source holds the freshly keyed ipad state).
    victim->ctx.reset(HMAC_CTX_new());
    if (victim->ctx == nullptr ||
        HMAC_CTX_copy(victim->ctx.get(), keyed) != 1) {
      return nullptr;
    }
    victim->id = id;
    victim->last_use = clock_;
    return victim->ctx.get();
  }

  // Forgets the slot of `id` after a failed computation.
  void Drop(uint64_t id) {
    for (Slot& slot : slots_) {
      if (slot.id == id) slot.id = 0;
    }
  }

 private:
  struct Slot {
    uint64_t id = 0;
    uint64_t last_use = 0;
    HmacCtxPtr ctx;
  };
  std::array<Slot, kSlots> slots_;
  uint64_t clock_ = 0;
};

ThreadSlots& Slots() {
  thread_local ThreadSlots slots;
  return slots;
}

class HmacPrimitive final : public KeyPrimitive {
 public:
  HmacPrimitive(HmacCtxPtr keyed, size_t tag_size)
      : keyed_(std::move(keyed)), tag_size_(tag_size), id_(NextPrimitiveId()) {}

  absl::Status Verify(absl::string_view signing_input,
                      absl::string_view signature) const override {
    // The full-length tag is the signature: a truncated or extended one is
    // invalid before any MAC is computed (RFC 7518 §3.2).
    if (signature.size() != tag_size_) {
      return Error(Reason::kBadSignature, "HMAC tag has the wrong length");
    }
    uint8_t tag[EVP_MAX_MD_SIZE];
    if (!Compute(signing_input, tag)) {
      return Error(Reason::kInternal, "HMAC computation failed");
    }
    const bool equal = CRYPTO_memcmp(tag, signature.data(), tag_size_) == 0;
    OPENSSL_cleanse(tag, sizeof(tag));
    if (!equal) return Error(Reason::kBadSignature, "HMAC tag does not match");
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Sign(
      absl::string_view signing_input) const override {
    uint8_t tag[EVP_MAX_MD_SIZE];
    if (!Compute(signing_input, tag)) {
      return Error(Reason::kInternal, "HMAC computation failed");
    }
    std::string out(reinterpret_cast<const char*>(tag), tag_size_);
    OPENSSL_cleanse(tag, sizeof(tag));
    return out;
  }

  // The tag goes straight into *out: no temporary to allocate or cleanse.
  absl::Status SignAppend(absl::string_view signing_input,
                          std::string* out) const override {
    const size_t start = out->size();
    out->resize(start + tag_size_);
    if (!Compute(signing_input,
                 reinterpret_cast<uint8_t*>(out->data() + start))) {
      out->resize(start);
      return Error(Reason::kInternal, "HMAC computation failed");
    }
    return absl::OkStatus();
  }

 private:
  // Writes tag_size_ bytes to `tag`.
  bool Compute(absl::string_view input, uint8_t* tag) const {
    ThreadSlots& slots = Slots();
    HMAC_CTX* ctx = slots.Acquire(id_, keyed_.get());
    unsigned int len = 0;
    const bool ok =
        ctx != nullptr &&
        HMAC_Update(ctx, reinterpret_cast<const uint8_t*>(input.data()),
                    input.size()) == 1 &&
        HMAC_Final(ctx, tag, &len) == 1 && len == tag_size_;
    if (!ok) {
      slots.Drop(id_);
      ERR_clear_error();
    }
    return ok;
  }

  // Read-only after construction: HMAC_CTX_copy only reads its source.
  const HmacCtxPtr keyed_;
  const size_t tag_size_;
  // Names this key's per-thread slots; see ThreadSlots.
  const uint64_t id_;
};

}  // namespace

absl::StatusOr<LoadedPrimitive> NewHmacPrimitive(Algorithm alg,
                                                 absl::string_view secret) {
  HmacCtxPtr keyed(HMAC_CTX_new());
  if (keyed == nullptr ||
      HMAC_Init_ex(keyed.get(), secret.data(), secret.size(), DigestFor(alg),
                   nullptr) != 1) {
    ERR_clear_error();
    return Error(Reason::kInternal, "cannot key the HMAC context");
  }
  LoadedPrimitive loaded;
  loaded.primitive =
      std::make_shared<HmacPrimitive>(std::move(keyed), HashSize(alg));
  loaded.has_private = true;  // a shared secret both signs and verifies
  return loaded;
}

}  // namespace tokend::crypto_internal
