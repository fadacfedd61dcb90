// Fuzzes the check of a JSON event (runtime/invoke/event_file.hpp): given inline, piped, or only
// checked.
#include "runtime/invoke/event_file.hpp"
#include "runtime/util/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace lambda_local;
using namespace lambda_local::runtime;

namespace {

// load_event's answer, or nothing when it refused the event with an Error.
std::optional<std::string> loaded(const EventSource& source, std::istream& in) {
    try {
        return load_event(source, in);
    } catch (const Error&) {
        return std::nullopt;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));

    // The syntax check agrees with nlohmann's own parser (for which a NUL byte ends the text),
    // and says where and why it fails.
    const bool valid = nlohmann::json::accept(text) && text.find('\0') == std::string::npos;
    const std::optional<JsonSyntaxFailure> failure = json_syntax_failure(text);
    FUZZ_CHECK(failure.has_value() != valid);
    if (failure) {
        FUZZ_CHECK(failure->position <= text.size() + 1);
        FUZZ_CHECK(!failure->message.empty());
    }
    const std::optional<std::string> error = json_syntax_error(text);
    FUZZ_CHECK(error.has_value() != valid);
    if (error) {
        FUZZ_CHECK(error->starts_with("line "));
    }

    // An event given with --data and the same bytes on standard input are read alike; what is
    // accepted is the JSON text as given, minus a byte order mark.
    std::istringstream no_stdin;
    const std::optional<std::string> given = loaded({EventSource::Kind::Inline, text}, no_stdin);
    std::istringstream piped(text);
    const std::optional<std::string> from_stdin = loaded({EventSource::Kind::Stdin, ""}, piped);
    FUZZ_CHECK(given == from_stdin);
    if (valid && text.size() <= k_max_request_payload) {
        FUZZ_CHECK(given.has_value());
    }
    if (given) {
        FUZZ_CHECK(nlohmann::json::accept(*given));
        FUZZ_CHECK(!given->starts_with("\xEF\xBB\xBF"));
        FUZZ_CHECK(text.ends_with(*given));
        FUZZ_CHECK(text.size() - given->size() == 0 || text.size() - given->size() == 3);
        FUZZ_CHECK(given->size() <= k_max_request_payload);
    }
    return 0;
}
