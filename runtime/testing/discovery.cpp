// Walking folders for *.test.yaml, *.test.yml and *.test.json.
#include "runtime/testing/discovery.hpp"

#include "runtime/util/error.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string_view>

namespace lambda_local::runtime::testing {
namespace {

namespace fs = std::filesystem;

} // namespace

bool is_test_file_name(const std::string& name) {
    // A name, then the suffix: ".test.yaml" alone names no test file.
    for (std::string_view suffix : {".test.yaml", ".test.yml", ".test.json"}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> find_test_files(const std::vector<std::string>& paths) {
    std::vector<std::string> found;
    std::set<std::string> seen;
    auto add = [&](const fs::path& path) {
        const std::string key = fs::weakly_canonical(path).string();
        if (seen.insert(key).second) {
            found.push_back(path.lexically_normal().string());
        }
    };
    for (const std::string& given : paths) {
        std::error_code ec;
        const fs::file_status status = fs::status(given, ec);
        if (ec || !fs::exists(status)) {
            throw Error(given + ": no such file or folder");
        }
        if (!fs::is_directory(status)) {
            add(given);
            continue;
        }
        std::vector<fs::path> in_folder;
        fs::recursive_directory_iterator it(given, fs::directory_options::skip_permission_denied,
                                            ec);
        if (ec) {
            throw Error(given + ": cannot read the folder: " + ec.message());
        }
        for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) {
                throw Error(given + ": cannot read the folder: " + ec.message());
            }
            const std::string name = it->path().filename().string();
            if (it->is_directory(ec)) {
                if (name.size() > 1 && name.front() == '.') {
                    it.disable_recursion_pending();
                }
                continue;
            }
            if (is_test_file_name(name) && it->is_regular_file(ec)) {
                in_folder.push_back(it->path());
            }
        }
        std::sort(in_folder.begin(), in_folder.end());
        for (const fs::path& path : in_folder) {
            add(path);
        }
    }
    if (found.empty()) {
        std::string where;
        for (const std::string& given : paths) {
            where += (where.empty() ? "" : ", ") + given;
        }
        throw Error("no test files (*.test.yaml, *.test.yml, *.test.json) in " + where);
    }
    return found;
}

} // namespace lambda_local::runtime::testing
