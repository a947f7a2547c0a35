#include "core/renewal/timer_queue.h"

#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace tokend {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

TEST(TimerQueueTest, FiresInDueOrderOnlyWhenDue) {
  std::vector<uint64_t> fired;
  TimerQueue q([&](uint64_t id) { fired.push_back(id); });
  q.Schedule(1, kT0 + absl::Seconds(3));
  q.Schedule(2, kT0 + absl::Seconds(1));
  q.Schedule(3, kT0 + absl::Seconds(2));
  EXPECT_EQ(q.RunDue(kT0), kT0 + absl::Seconds(1));
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(q.RunDue(kT0 + absl::Seconds(2)), kT0 + absl::Seconds(3));
  EXPECT_EQ(fired, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(q.RunDue(kT0 + absl::Seconds(10)), absl::InfiniteFuture());
  EXPECT_EQ(fired, (std::vector<uint64_t>{2, 3, 1}));
  EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueueTest, RescheduleAndCancelLeaveNoStaleFiring) {
  std::vector<uint64_t> fired;
  TimerQueue q([&](uint64_t id) { fired.push_back(id); });
  q.Schedule(1, kT0 + absl::Seconds(1));
  q.Schedule(1, kT0 + absl::Seconds(5));  // moved later
  q.Schedule(2, kT0 + absl::Seconds(1));
  q.Cancel(2);
  EXPECT_EQ(q.NextDue(), kT0 + absl::Seconds(5));
  q.RunDue(kT0 + absl::Seconds(4));
  EXPECT_TRUE(fired.empty());
  q.RunDue(kT0 + absl::Seconds(5));
  EXPECT_EQ(fired, (std::vector<uint64_t>{1}));
}

TEST(TimerQueueTest, TimerThreadFiresOnTheRealClock) {
  absl::Notification fired;
  TimerQueue q([&](uint64_t id) {
    if (id == 7) fired.Notify();
  });
  TimerThread thread(q, RealClock::Get());
  q.Schedule(7, absl::Now() + absl::Milliseconds(20));
  EXPECT_TRUE(fired.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

}  // namespace
}  // namespace tokend
