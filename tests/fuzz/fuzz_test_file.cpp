// Fuzzes the loading of `lambda-local test` files (runtime/testing/test_file.hpp).
#include "runtime/testing/test_file.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>

using namespace lambda_local;
using namespace lambda_local::runtime::testing;

namespace {

// Whether a key of `node`, down to the depth where the loader reads them, names another file
// to read: `event_file` of a case, `template` of the function. Such inputs are skipped: the
// target reads nothing but its input (a path like /dev/zero would never end).
bool names_other_file(const YAML::Node& node, int depth = 0) {
    if (depth > 4) {
        return false;
    }
    if (node.IsSequence()) {
        for (const YAML::Node& item : node) {
            if (names_other_file(item, depth + 1)) {
                return true;
            }
        }
    } else if (node.IsMap()) {
        for (const auto& entry : node) {
            if (entry.first.IsScalar() &&
                (entry.first.Scalar() == "event_file" || entry.first.Scalar() == "template")) {
                return true;
            }
            if (names_other_file(entry.second, depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

// Inputs reach the cases with `library: /proc/self/exe` (a file that exists) in their seeds.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    try {
        if (names_other_file(YAML::Load(text))) {
            return 0;
        }
    } catch (const YAML::Exception&) {
        // the loader refuses it too, with its own message
    }
    const fuzz::MemoryFile file(text);
    std::optional<TestFile> loaded;
    try {
        loaded = load_test_file(file.path());
    } catch (const Error&) {
        return 0; // the documented refusal: "<path>:<line>: <problem>"
    }
    // A loaded file has named cases, each once, with events and requests the runner can send.
    FUZZ_CHECK(!loaded->cases.empty());
    std::set<std::string> names;
    for (const TestCase& test : loaded->cases) {
        FUZZ_CHECK(!test.name.empty());
        FUZZ_CHECK(names.insert(test.name).second);
        FUZZ_CHECK(test.line >= 1);
        if (test.request) {
            FUZZ_CHECK(test.request->path.starts_with('/'));
            FUZZ_CHECK(loaded->http.has_value());
        } else {
            FUZZ_CHECK(nlohmann::json::accept(test.event));
        }
        if (test.expect.status) {
            FUZZ_CHECK(*test.expect.status >= 100 && *test.expect.status <= 599);
        }
    }
    if (loaded->http) {
        FUZZ_CHECK(loaded->http->gateway != nullptr);
    }
    return 0;
}
