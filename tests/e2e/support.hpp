// Shared pieces of the end-to-end tests: sample paths, temporary files, reading lambda-local's
// output (request id, log lines, JSON payloads), and checks that an environment left nothing.
#pragma once

#include "tests/e2e/process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::e2e {

// The unprivileged user the rootless tests become when they run as root.
inline constexpr unsigned k_nobody = 65534;
inline constexpr unsigned k_nogroup = 65534;

// The sandbox user of Lambda's al2 execution environments (AWS: "Defined runtime environment
// variables").
inline constexpr unsigned k_sandbox_uid = 993;
inline constexpr unsigned k_sandbox_gid = 990;

// A regular expression (ECMAScript) for a lowercase UUID.
inline constexpr const char* k_uuid_pattern =
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

// Whether these tests run as root.
bool running_as_root();
// The uid lambda-local runs as in the rootless tests: 65534 when these tests run as root.
unsigned caller_uid();
// The command line that runs lambda-local with `args` as a caller without root: through
// `setpriv --reuid=65534 --regid=65534 --clear-groups --` when these tests run as root (the
// build tree must then be readable by uid 65534). REQUIREs that setpriv is there.
std::vector<std::string> rootless_argv(const std::vector<std::string>& args);

// A built sample library: LL_SAMPLES_DIR/<file>.
std::string sample_library(std::string_view file);
// The directory of the built sample libraries (LL_SAMPLES_DIR), absolute: the task root
// lambda-local derives from a sample library.
std::string samples_dir();
// A Rust sample library; REQUIREs (fails, never skips) that it was built.
std::string rust_sample_library(std::string_view file);
// A file of the source tree: LL_SOURCE_DIR/<relative>.
std::string source_file(std::string_view relative);
// The whole content of a file (REQUIREs that it can be read).
std::string file_text(const std::string& path);

// A fresh directory under the build tree (not under /tmp, which a sandbox hides), removed
// with everything in it when destroyed.
class TempDir {
  public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::string& path() const { return m_path; }
    // Writes `content` to <dir>/<name> and returns its path.
    std::string write(std::string_view name, std::string_view content) const;

  private:
    std::string m_path;
};

// The lines of a text, without their '\n' (a final line without one included).
std::vector<std::string> split_lines(std::string_view text);
// The index of the first line equal to `line` at or after `from`.
std::optional<std::size_t> find_line(const std::vector<std::string>& lines, std::string_view line,
                                     std::size_t from = 0);
// The index of the first line starting with `prefix` at or after `from`.
std::optional<std::size_t> find_line_starting(const std::vector<std::string>& lines,
                                              std::string_view prefix, std::size_t from = 0);
// How many lines start with `prefix`.
std::size_t count_lines_starting(const std::vector<std::string>& lines, std::string_view prefix);

// The request id of the START line on stderr; REQUIREs exactly one well-formed START line.
std::string start_request_id(const ProcessResult& result);

// `text` parsed as JSON; REQUIREs that it is valid.
nlohmann::json parse_json(std::string_view text);

// CHECKs that the `whoami` sample's answer is Lambda's sandbox user (993/990),
// pid 2 of its own pid namespace, with Lambda's open-files and process limits.
void check_sandbox_identity(const nlohmann::json& who);

// Milliseconds since the Unix epoch now.
std::int64_t epoch_ms_now();
// "YYYY/MM/DD" (UTC) of an epoch time in ms.
std::string utc_date_slashes(std::int64_t epoch_ms);
// Parses "YYYY-MM-DDTHH:MM:SS.mmmZ" to epoch ms; nothing when it is not that format.
std::optional<std::int64_t> parse_iso_utc_ms(std::string_view text);

// Watches for what an execution environment could leave behind: processes of the sandbox
// user and lambda-local's cgroups. Construct before running lambda-local, then call
// check_nothing_left() with the run's result.
class LeftoverWatch {
  public:
    LeftoverWatch();
    // Polls up to ~2 s for the kernel to finish reaping, then CHECKs that no process of the
    // sandbox user started by this run is alive and that no cgroup `lambda-local-<pid>-*` of
    // that lambda-local process remains (memory hierarchy; also pids and cgroup v2 if present).
    void check_nothing_left(const ProcessResult& result) const;

  private:
    std::set<int> m_baseline; // sandbox-user processes that already existed (other runs)
};

} // namespace lambda_local::e2e
