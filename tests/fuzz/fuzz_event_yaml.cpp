// Fuzzes the reading of a YAML event file as JSON (runtime/invoke/event_file.hpp's
// yaml_event_to_json).
#include "runtime/invoke/event_file.hpp"
#include "runtime/sample_events/encoding.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <nlohmann/json.hpp>

#include <optional>

using namespace lambda_local;
using namespace lambda_local::runtime;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    std::optional<std::string> event;
    try {
        event = yaml_event_to_json(text, "event file 'e.yaml'");
    } catch (const Error&) {
        return 0; // the documented refusal: not YAML, several documents, no JSON for it
    }
    // The event a function gets is compact JSON text (strict UTF-8), within Lambda's payload
    // limit. Keys that are not UTF-8 may all become U+FFFD: only UTF-8 input reads back whole.
    const nlohmann::ordered_json json = nlohmann::ordered_json::parse(*event);
    if (events::is_valid_utf8(text)) {
        FUZZ_CHECK(json.dump() == *event);
    }
    FUZZ_CHECK(event->size() <= k_max_request_payload);
    // Reading is deterministic.
    FUZZ_CHECK(yaml_event_to_json(text, "event file 'e.yaml'") == *event);
    return 0;
}
