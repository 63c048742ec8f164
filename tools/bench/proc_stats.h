#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace herald::bench {

// Proportional set size of the processes, summed (from /proc/PID/smaps_rollup), in bytes.
int64_t PssBytes(const std::vector<pid_t>& pids);
// User+system CPU time of the processes and their threads, summed, in microseconds.
int64_t CpuMicros(const std::vector<pid_t>& pids);
// Same, for this process (including reaped children).
int64_t SelfCpuMicros();
// Processes whose command line starts with `name_prefix` (e.g. "nginx: worker").
std::vector<pid_t> FindProcesses(const char* name_prefix);

}  // namespace herald::bench
