#include "core/random.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/jose/base64url.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

TEST(RandomTest, TokenIdsAre22CharBase64UrlOf16Bytes) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewTokenId();
    ASSERT_EQ(id.size(), 22u);
    auto decoded = Base64UrlDecode(id);
    ASSERT_TRUE(decoded.ok()) << id;
    EXPECT_EQ(decoded->size(), 16u);
  }
}

TEST(RandomTest, TokenIdsAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(seen.insert(NewTokenId()).second);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(RandomTest, FillsEveryLength) {
  // Lengths below, at and above the buffer and the direct-draw threshold;
  // with overwhelming probability no 16-byte window stays all zero.
  for (size_t len :
       {1u, 15u, 16u, 255u, 256u, 257u, 4095u, 4096u, 4097u, 10000u}) {
    std::vector<uint8_t> buf(len + 2, 0);
    SecureRandomBytes(buf.data() + 1, len);
    EXPECT_EQ(buf.front(), 0);
    EXPECT_EQ(buf.back(), 0);
    if (len >= 16) {
      for (size_t off = 1; off + 16 <= len + 1; off += 16) {
        bool all_zero = true;
        for (size_t j = 0; j < 16; ++j) all_zero &= buf[off + j] == 0;
        EXPECT_FALSE(all_zero) << "len " << len << " offset " << off;
      }
    }
  }
  SecureRandomBytes(nullptr, 0);
}

TEST(RandomTest, Uint32CoversHighBits) {
  uint32_t ored = 0;
  uint32_t anded = 0xffffffff;
  for (int i = 0; i < 256; ++i) {
    const uint32_t v = SecureRandomUint32();
    ored |= v;
    anded &= v;
  }
  EXPECT_EQ(ored, 0xffffffffu);
  EXPECT_EQ(anded, 0u);
}

TEST(RandomTest, ThreadsDrawDistinctValues) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(NewTokenId());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
}

TEST(RandomTest, ForkedChildDoesNotReplayBufferedBytes) {
  // Prime this thread's buffer, then compare the next draw in the parent
  // with the next draw in a child: they must differ.
  NewTokenId();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string id = NewTokenId();
    const ssize_t n = write(fds[1], id.data(), id.size());
    _exit(n == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  const std::string parent_id = NewTokenId();
  std::array<char, 22> child_id{};
  size_t got = 0;
  while (got < child_id.size()) {
    const ssize_t n =
        read(fds[0], child_id.data() + got, child_id.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_EQ(got, child_id.size());
  EXPECT_NE(std::string(child_id.data(), child_id.size()), parent_id);
}

}  // namespace
}  // namespace tokend
