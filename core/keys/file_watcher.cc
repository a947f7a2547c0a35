#include "core/keys/file_watcher.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr uint32_t kWatchMask =
    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE |
    IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// Events meaning the watch itself is gone.
constexpr uint32_t kLostMask =
    IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT;

void AppendStat(const struct stat& st, std::string* out) {
  absl::StrAppend(out, st.st_mode, ":", st.st_ino, ":", st.st_size, ":",
                  st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
}

// Milliseconds until `deadline` for poll(): -1 when infinite, at least 0.
int TimeoutMs(absl::Time deadline, absl::Time now) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - now;
  if (left <= absl::ZeroDuration()) return 0;
  // Round up so a wake-up never lands just before the deadline.
  const int64_t ms = absl::ToInt64Milliseconds(left + absl::Microseconds(999));
  return static_cast<int>(std::min<int64_t>(ms, 60 * 1000));
}

}  // namespace

FileWatcher::FileWatcher(std::string directory, FileWatcherOptions options,
                         std::function<void()> on_change)
    : directory_(std::move(directory)),
      options_(options),
      on_change_(std::move(on_change)) {}

absl::StatusOr<std::unique_ptr<FileWatcher>> FileWatcher::Start(
    std::string directory, FileWatcherOptions options,
    std::function<void()> on_change) {
  struct stat st;
  if (stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(Reason::kInvalidArgument,
                 absl::StrCat(directory, ": not a readable directory"),
                 directory);
  }
  if (options.debounce < absl::ZeroDuration() ||
      options.max_delay < absl::ZeroDuration() ||
      options.poll_interval <= absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument,
                 "need debounce, max_delay >= 0 and poll_interval > 0",
                 "poll_interval");
  }
  std::unique_ptr<FileWatcher> watcher(
      new FileWatcher(std::move(directory), options, std::move(on_change)));
  watcher->wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (watcher->wake_fd_ < 0) {
    return Error(Reason::kInternal, "eventfd failed");
  }
  if (options.force_polling || !watcher->AddInotifyWatch()) {
    watcher->polling_.store(true, std::memory_order_release);
  }
  watcher->initial_signature_ = watcher->Signature();
  watcher->thread_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

FileWatcher::~FileWatcher() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void FileWatcher::Stop() {
  if (stopped_.exchange(true, std::memory_order_acq_rel)) return;
  const uint64_t one = 1;
  // A failed write still leaves stopped_ set; the loop checks it each turn.
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  DropInotify();
}

bool FileWatcher::AddInotifyWatch() {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return false;
  if (inotify_add_watch(fd, directory_.c_str(), kWatchMask) < 0) {
    close(fd);
    return false;
  }
  inotify_fd_ = fd;
  return true;
}

void FileWatcher::DropInotify() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
  inotify_fd_ = -1;
}

bool FileWatcher::DrainEvents(bool* lost) {
  bool changed = false;
  alignas(struct inotify_event) char buf[8192];
  while (true) {
    const ssize_t n = read(inotify_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      const auto* event =
          reinterpret_cast<const struct inotify_event*>(buf + off);
      if ((event->mask & kLostMask) != 0) *lost = true;
      // Every event we subscribed to (and IN_Q_OVERFLOW) may mean new keys.
      changed = true;
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
    }
  }
  return changed;
}

std::string FileWatcher::Signature() const {
  std::vector<std::string> entries;
  DIR* dir = opendir(directory_.c_str());
  if (dir == nullptr) return "<unreadable>";
  while (const struct dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = absl::StrCat(directory_, "/", name);
    std::string line = name;
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      absl::StrAppend(&line, "|");
      AppendStat(st, &line);
      if (S_ISLNK(st.st_mode)) {
        char target[4096];
        const ssize_t len = readlink(path.c_str(), target, sizeof(target));
        if (len > 0) {
          absl::StrAppend(&line, "|->",
                          absl::string_view(target, static_cast<size_t>(len)));
        }
        struct stat followed;
        if (stat(path.c_str(), &followed) == 0) {
          absl::StrAppend(&line, "|");
          AppendStat(followed, &line);
        }
      }
    }
    entries.push_back(std::move(line));
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const std::string& line : entries) absl::StrAppend(&out, line, "\n");
  return out;
}

void FileWatcher::Notify() {
  if (stopped_.load(std::memory_order_acquire)) return;
  on_change_();
  changes_.fetch_add(1, std::memory_order_acq_rel);
}

void FileWatcher::Run() {
  std::string last_signature = std::move(initial_signature_);
  bool pending = false;
  absl::Time fire_at = absl::InfiniteFuture();
  absl::Time burst_start = absl::InfiniteFuture();
  // Debounce: each event pushes the call back to `debounce` after it, but
  // never beyond `max_delay` after the burst began.
  auto schedule = [&] {
    const absl::Time now = absl::Now();
    if (!pending) burst_start = now;
    pending = true;
    fire_at =
        std::min(now + options_.debounce, burst_start + options_.max_delay);
  };
  absl::Time next_poll = absl::Now() + options_.poll_interval;
  while (!stopped_.load(std::memory_order_acquire)) {
    const absl::Time now = absl::Now();
    absl::Time wake_at = pending ? fire_at : absl::InfiniteFuture();
    if (polling()) wake_at = std::min(wake_at, next_poll);
    struct pollfd fds[2];
    fds[0] = {wake_fd_, POLLIN, 0};
    fds[1] = {inotify_fd_, POLLIN, 0};
    const nfds_t count = inotify_fd_ >= 0 ? 2 : 1;
    const int ready = poll(fds, count, TimeoutMs(wake_at, now));
    if (ready < 0 && errno != EINTR) {
      // Should not happen; degrade to polling rather than spin.
      DropInotify();
      polling_.store(true, std::memory_order_release);
    }
    if (stopped_.load(std::memory_order_acquire)) break;
    if (ready > 0 && count == 2 && (fds[1].revents & POLLIN) != 0) {
      bool lost = false;
      if (DrainEvents(&lost)) schedule();
      if (lost) {
        schedule();
        DropInotify();
        polling_.store(true, std::memory_order_release);
        last_signature = Signature();
        next_poll = absl::Now() + options_.poll_interval;
      }
    }
    if (polling() && absl::Now() >= next_poll) {
      if (!options_.force_polling && inotify_fd_ < 0 && AddInotifyWatch()) {
        // The directory is back: reload once in case it changed meanwhile.
        polling_.store(false, std::memory_order_release);
        schedule();
      } else {
        std::string signature = Signature();
        if (signature != last_signature) {
          last_signature = std::move(signature);
          schedule();
        }
      }
      next_poll = absl::Now() + options_.poll_interval;
    }
    if (pending && absl::Now() >= fire_at) {
      pending = false;
      fire_at = absl::InfiniteFuture();
      Notify();
    }
  }
}

}  // namespace tokend
