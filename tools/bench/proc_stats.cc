#include "proc_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace herald::bench {

int64_t PssBytes(const std::vector<pid_t>& pids) {
  int64_t total = 0;
  for (pid_t pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string key;
    int64_t kb = 0;
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Pss:", 0) == 0) {
        std::istringstream fields(line);
        fields >> key >> kb;
        total += kb * 1024;
        break;
      }
    }
  }
  return total;
}

int64_t CpuMicros(const std::vector<pid_t>& pids) {
  long ticks_per_second = sysconf(_SC_CLK_TCK);
  int64_t total = 0;
  for (pid_t pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // Fields after the command: state(3) ... utime is field 14, stime 15 (1-based).
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    total += static_cast<int64_t>((utime + stime) * 1'000'000 /
                                  static_cast<unsigned long long>(ticks_per_second));
  }
  return total;
}

int64_t SelfCpuMicros() {
  auto micros = [](const rusage& usage) {
    return usage.ru_utime.tv_sec * 1'000'000LL + usage.ru_utime.tv_usec +
           usage.ru_stime.tv_sec * 1'000'000LL + usage.ru_stime.tv_usec;
  };
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return micros(self) + micros(children);
}

std::vector<pid_t> FindProcesses(const char* name_prefix) {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/cmdline");
    std::string cmdline;
    std::getline(in, cmdline, '\0');
    if (cmdline.rfind(name_prefix, 0) == 0) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

}  // namespace herald::bench
