// The processes below a test (or below a server it started), read from /proc: for tests of
// handlers that stop or leave processes behind. Shared by the unit and end-to-end tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace lambda_local::tests {

// Whether a process below `ancestor` is stopped (state T in /proc/PID/stat).
inline bool stopped_process_below(pid_t ancestor) {
    std::map<pid_t, pid_t> parents;
    std::vector<pid_t> stopped;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')'); // the command's name may hold anything
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream rest(line.substr(close + 1));
        char state = 0;
        pid_t parent = 0;
        rest >> state >> parent;
        parents[std::stoi(name)] = parent;
        if (state == 'T') {
            stopped.push_back(std::stoi(name));
        }
    }
    for (pid_t pid : stopped) {
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
