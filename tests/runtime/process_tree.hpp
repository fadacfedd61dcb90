// The processes of this machine as /proc shows them, for tests of what a handler or an
// environment leaves behind (a stopped process, a worker to kill). Shared by the unit and
// end-to-end tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace lambda_local::tests {

struct ProcessEntry {
    pid_t pid = 0;
    pid_t parent = 0;
    char state = 0;   // R, S, D, T, Z...
    std::string name; // the command's name, as the kernel keeps it (15 characters at most)
};

// Every process now, from /proc/PID/stat; those that end while it reads are left out.
inline std::vector<ProcessEntry> processes() {
    std::vector<ProcessEntry> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        auto open = line.find('(');
        auto close = line.rfind(')'); // the command's name may hold anything
        if (open == std::string::npos || close == std::string::npos || close < open) {
            continue;
        }
        ProcessEntry process;
        process.pid = std::stoi(name);
        process.name = line.substr(open + 1, close - open - 1);
        std::istringstream rest(line.substr(close + 1));
        rest >> process.state >> process.parent;
        out.push_back(process);
    }
    return out;
}

// Whether a process below `ancestor` is stopped (state T).
inline bool stopped_process_below(pid_t ancestor) {
    std::vector<ProcessEntry> all = processes();
    std::map<pid_t, pid_t> parents;
    for (const ProcessEntry& process : all) {
        parents[process.pid] = process.parent;
    }
    for (const ProcessEntry& process : all) {
        if (process.state != 'T') {
            continue;
        }
        pid_t pid = process.pid;
        for (int depth = 0; depth < 16 && pid > 1; ++depth) {
            pid = parents.count(pid) != 0 ? parents[pid] : 0;
            if (pid == ancestor) {
                return true;
            }
        }
    }
    return false;
}

} // namespace lambda_local::tests
