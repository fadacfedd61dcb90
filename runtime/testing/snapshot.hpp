// Snapshot files: the answers of a test file's `snapshot: true` cases, recorded with --update
// in <name>.snap.json beside the test file and compared on later runs.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace lambda_local::runtime::testing {

// The snapshot file of a test file: "dir/orders.test.yaml" → "dir/orders.snap.json".
std::string snapshot_path(const std::string& test_file);

// The entries (case name → recorded answer) of a snapshot file; an empty object when the file
// does not exist. Throws lambda_local::Error "<path>:<line>: ..." when it is not a JSON object.
nlohmann::ordered_json load_snapshots(const std::string& path);

// The entries after an update: `recorded` answers replace or add theirs; entries of cases not
// in `case_names` (the file's snapshot cases, in order) are dropped; order follows `case_names`.
nlohmann::ordered_json
updated_snapshots(const nlohmann::ordered_json& old,
                  const std::vector<std::pair<std::string, nlohmann::json>>& recorded,
                  const std::vector<std::string>& case_names);

// Writes the entries, two-space indented with a final newline, through a temporary file
// renamed into place. Throws lambda_local::Error when it cannot.
void save_snapshots(const std::string& path, const nlohmann::ordered_json& entries);

} // namespace lambda_local::runtime::testing
