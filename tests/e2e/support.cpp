// Shared pieces of the end-to-end tests.
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace lambda_local::e2e {
namespace {

namespace fs = std::filesystem;

std::string read_small_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// True when a /proc/<pid>/status text shows the sandbox user among the real, effective,
// saved or file-system uids.
bool runs_as_sandbox_user(const std::string& status) {
    std::istringstream lines(status);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("Uid:", 0) != 0) {
            continue;
        }
        std::istringstream fields(line.substr(4));
        unsigned uid = 0;
        while (fields >> uid) {
            if (uid == k_sandbox_uid) {
                return true;
            }
        }
        return false;
    }
    return false;
}

// Pids of the processes running as the sandbox user now.
std::set<int> sandbox_user_processes() {
    std::set<int> pids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        if (runs_as_sandbox_user(read_small_file(entry.path() / "status"))) {
            pids.insert(std::stoi(name));
        }
    }
    return pids;
}

// Directories in which lambda-local makes its cgroups: where this process is, per hierarchy.
struct CgroupParents {
    std::optional<std::string> memory;
    std::vector<std::string> others; // pids (v1) and the unified hierarchy, when present
};

CgroupParents cgroup_parents() {
    CgroupParents parents;
    std::istringstream lines(read_small_file("/proc/self/cgroup"));
    std::string line;
    while (std::getline(lines, line)) {
        auto first = line.find(':');
        auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) {
            continue;
        }
        const std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
        const std::string path = line.substr(second + 1);
        if (controllers.find(",memory,") != std::string::npos &&
            fs::is_directory("/sys/fs/cgroup/memory" + path)) {
            parents.memory = "/sys/fs/cgroup/memory" + path;
        } else if (controllers.find(",pids,") != std::string::npos &&
                   fs::is_directory("/sys/fs/cgroup/pids" + path)) {
            parents.others.push_back("/sys/fs/cgroup/pids" + path);
        } else if (controllers == ",,") {
            for (const char* mount : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
                if (fs::exists(std::string(mount) + "/cgroup.controllers") &&
                    fs::is_directory(mount + path)) {
                    parents.others.push_back(mount + path);
                    break;
                }
            }
        }
    }
    return parents;
}

std::vector<std::string> cgroups_of(const std::string& parent, const std::string& prefix) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0) {
            found.push_back(entry.path().string());
        }
    }
    return found;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out.empty() ? "(none)" : out;
}

} // namespace

bool running_as_root() {
    return ::geteuid() == 0;
}

unsigned caller_uid() {
    return running_as_root() ? k_nobody : ::geteuid();
}

std::vector<std::string> rootless_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv;
    if (running_as_root()) {
        std::string setpriv;
        for (const char* path : {"/usr/bin/setpriv", "/bin/setpriv"}) {
            if (setpriv.empty() && ::access(path, X_OK) == 0) {
                setpriv = path;
            }
        }
        REQUIRE_MESSAGE(!setpriv.empty(), "setpriv (util-linux) is needed to drop root");
        argv = {setpriv, "--reuid=" + std::to_string(k_nobody),
                "--regid=" + std::to_string(k_nogroup), "--clear-groups", "--"};
    }
    argv.push_back(lambda_local_path());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::string sample_library(std::string_view file) {
    return std::string(LL_SAMPLES_DIR) + "/" + std::string(file);
}

std::string samples_dir() {
    return std::filesystem::absolute(LL_SAMPLES_DIR).lexically_normal().string();
}

std::string rust_sample_library(std::string_view file) {
    std::string path = sample_library(file);
    REQUIRE_MESSAGE(fs::exists(path),
                    path << " is missing: the Rust samples are built only when cargo is found "
                            "(LAMBDA_LOCAL_HAVE_RUST); install cargo and rebuild");
    return path;
}

std::string source_file(std::string_view relative) {
    return std::string(LL_SOURCE_DIR) + "/" + std::string(relative);
}

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    const fs::path root = fs::path(LL_BUILD_DIR) / "e2e-tmp";
    fs::create_directories(root);
    m_path = (root / (std::to_string(::getpid()) + "-" + std::to_string(counter++))).string();
    fs::remove_all(m_path);
    fs::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
    const std::string path = m_path + "/" + std::string(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    REQUIRE_MESSAGE(out.good(), "cannot write " << path);
    return path;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string_view::npos) {
            lines.emplace_back(text.substr(begin));
            break;
        }
        lines.emplace_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return lines;
}

std::optional<std::size_t> find_line(const std::vector<std::string>& lines, std::string_view line,
                                     std::size_t from) {
    for (std::size_t i = from; i < lines.size(); ++i) {
        if (lines[i] == line) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<std::size_t> find_line_starting(const std::vector<std::string>& lines,
                                              std::string_view prefix, std::size_t from) {
    for (std::size_t i = from; i < lines.size(); ++i) {
        if (lines[i].rfind(prefix, 0) == 0) {
            return i;
        }
    }
    return std::nullopt;
}

std::size_t count_lines_starting(const std::vector<std::string>& lines, std::string_view prefix) {
    std::size_t n = 0;
    for (const auto& line : lines) {
        if (line.rfind(prefix, 0) == 0) {
            ++n;
        }
    }
    return n;
}

std::string start_request_id(const ProcessResult& result) {
    INFO(describe(result));
    const std::vector<std::string> lines = split_lines(result.err);
    REQUIRE(count_lines_starting(lines, "START ") == 1);
    const std::string& line = lines[*find_line_starting(lines, "START ")];
    static const std::regex start("^START RequestId: (" + std::string(k_uuid_pattern) +
                                  ") Version: \\$LATEST$");
    std::smatch match;
    REQUIRE_MESSAGE(std::regex_match(line, match, start), "START line: " << line);
    return match[1].str();
}

nlohmann::json parse_json(std::string_view text) {
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    REQUIRE_MESSAGE(!value.is_discarded(), "not valid JSON: " << text.substr(0, 2000));
    return value;
}

void check_sandbox_identity(const nlohmann::json& who) {
    CHECK(who["uid"] == k_sandbox_uid);
    CHECK(who["gid"] == k_sandbox_gid);
    CHECK(who["euid"] == k_sandbox_uid);
    CHECK(who["pid"] == 2);
    CHECK(who["nofile_soft"] == 1024);
    CHECK(who["nproc_soft"] == 1024);
}

std::int64_t epoch_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string utc_date_slashes(std::int64_t epoch_ms) {
    std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y/%m/%d", &tm);
    return buffer;
}

std::optional<std::int64_t> parse_iso_utc_ms(std::string_view text) {
    static const std::regex iso(
        "^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3})Z$");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(text.begin(), text.end(), m, iso)) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = std::stoi(m[1].str()) - 1900;
    tm.tm_mon = std::stoi(m[2].str()) - 1;
    tm.tm_mday = std::stoi(m[3].str());
    tm.tm_hour = std::stoi(m[4].str());
    tm.tm_min = std::stoi(m[5].str());
    tm.tm_sec = std::stoi(m[6].str());
    return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + std::stoi(m[7].str());
}

LeftoverWatch::LeftoverWatch() : m_baseline(sandbox_user_processes()) {}

void LeftoverWatch::check_nothing_left(const ProcessResult& result) const {
    INFO(describe(result));
    REQUIRE(result.pid > 0);
    const std::string own_cgroup = "lambda-local-" + std::to_string(result.pid) + "-";
    const CgroupParents parents = cgroup_parents();

    // A process of the sandbox user counts as this run's when it sits in one of this run's
    // cgroups, or in no lambda-local cgroup at all and did not exist before the run; other
    // runs' workers (tests running in parallel) are in their own lambda-local-<pid>-* cgroups.
    auto stray_processes = [&] {
        std::vector<std::string> stray;
        for (int pid : sandbox_user_processes()) {
            if (m_baseline.count(pid) != 0) {
                continue;
            }
            const std::string cgroups = read_small_file("/proc/" + std::to_string(pid) + "/cgroup");
            const bool ours = cgroups.find("/" + own_cgroup) != std::string::npos;
            const bool another_run = cgroups.find("/lambda-local-") != std::string::npos;
            if (ours || !another_run) {
                std::string comm = read_small_file("/proc/" + std::to_string(pid) + "/comm");
                if (!comm.empty() && comm.back() == '\n') {
                    comm.pop_back();
                }
                stray.push_back(std::to_string(pid) + " (" + comm + ")");
            }
        }
        return stray;
    };
    auto leftover_cgroups = [&] {
        std::vector<std::string> left;
        if (parents.memory) {
            for (auto& dir : cgroups_of(*parents.memory, own_cgroup)) {
                left.push_back(std::move(dir));
            }
        }
        for (const auto& parent : parents.others) {
            for (auto& dir : cgroups_of(parent, own_cgroup)) {
                left.push_back(std::move(dir));
            }
        }
        return left;
    };

    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    std::vector<std::string> processes = stray_processes();
    std::vector<std::string> groups = leftover_cgroups();
    while ((!processes.empty() || !groups.empty()) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        processes = stray_processes();
        groups = leftover_cgroups();
    }
    CHECK_MESSAGE(processes.empty(),
                  "processes of uid " << k_sandbox_uid << " still alive: " << join(processes));
    if (!parents.memory) {
        MESSAGE("no memory cgroup v1 hierarchy: the memory cgroup check is skipped");
    }
    CHECK_MESSAGE(groups.empty(), "cgroups left behind: " << join(groups));
}

} // namespace lambda_local::e2e
