// The CSPRNG every random value in tokend comes from (token ids, Agora salts,
// generated secrets). Draws from RAND_bytes into a per-thread buffer, so the
// common 16-byte draw costs a memcpy, not a syscall. Never uses
// std::random_device (rate-limited on these VMs).
#ifndef TOKEND_CORE_RANDOM_H_
#define TOKEND_CORE_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tokend {

// Fills buf[0..len) with cryptographically secure random bytes. Thread-safe.
void SecureRandomBytes(void* buf, size_t len);

uint32_t SecureRandomUint32();

// 128 random bits, base64url (22 characters): the jti of issued tokens.
std::string NewTokenId();

}  // namespace tokend

#endif  // TOKEND_CORE_RANDOM_H_
