// Reading, updating and writing snapshot files.
#include "runtime/testing/snapshot.hpp"

#include "runtime/invoke/event_file.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace lambda_local::runtime::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_test_suffixes[] = {".test.yaml", ".test.yml", ".test.json"};

} // namespace

std::string snapshot_path(const std::string& test_file) {
    for (const char* suffix : k_test_suffixes) {
        if (test_file.ends_with(suffix)) {
            return test_file.substr(0, test_file.size() - std::string(suffix).size()) +
                   ".snap.json";
        }
    }
    const fs::path path(test_file);
    return (path.parent_path() / path.stem()).string() + ".snap.json";
}

nlohmann::ordered_json load_snapshots(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return nlohmann::ordered_json::object();
    }
    const std::string text = read_file(path, path, k_max_config_file);
    if (auto problem = json_syntax_error(text)) {
        // "line L, column C: reason"
        const auto comma = problem->find(',');
        std::string line = comma != std::string::npos && problem->rfind("line ", 0) == 0
                               ? problem->substr(5, comma - 5)
                               : "1";
        throw Error(path + ":" + line + ": the snapshot file is not valid JSON (" + *problem +
                    "); fix it or delete it and run with --update");
    }
    nlohmann::ordered_json entries = nlohmann::ordered_json::parse(text);
    if (!entries.is_object()) {
        throw Error(path + ":1: a snapshot file holds one JSON object (case name: answer)");
    }
    return entries;
}

nlohmann::ordered_json
updated_snapshots(const nlohmann::ordered_json& old,
                  const std::vector<std::pair<std::string, nlohmann::json>>& recorded,
                  const std::vector<std::string>& case_names) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const std::string& name : case_names) {
        bool found = false;
        for (const auto& [recorded_name, value] : recorded) {
            if (recorded_name == name) {
                out[name] = value;
                found = true;
            }
        }
        if (!found && old.contains(name)) {
            out[name] = old[name];
        }
    }
    return out;
}

void save_snapshots(const std::string& path, const nlohmann::ordered_json& entries) {
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << entries.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
            << "\n";
        out.close();
        if (!out.good()) {
            std::remove(temporary.c_str());
            throw Error(path + ": cannot write the snapshot file");
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const int error = errno;
        std::remove(temporary.c_str());
        throw Error(path + ": " + os_error("rename", error));
    }
}

} // namespace lambda_local::runtime::testing
