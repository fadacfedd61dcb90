// Reading an invocation's event, checking it as JSON, and converting YAML events to JSON.
#include "runtime/invoke/event_file.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"
#include "runtime/util/text.hpp"

#include <unistd.h>

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <sstream>
#include <vector>

namespace lambda_local::runtime {
namespace {

// Deeper than this is almost certainly a recursive alias (`&a [*a]`), which yaml-cpp accepts.
constexpr int k_max_yaml_depth = 512;

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

// More than any event can be: a YAML event (comments, indentation) may be larger than the JSON
// it becomes, but not four times Lambda's payload limit. Reading stops there, so that /dev/zero
// or a pipe that never ends is an error, not all of the memory.
constexpr std::size_t k_max_event_source = 4 * k_max_request_payload;

// Reads an event's source with `read`, which throws TooLarge past k_max_event_source.
template <typename Read> std::string read_event_source(const std::string& what, Read read) {
    try {
        return read();
    } catch (const TooLarge&) {
        throw Error(what + " is over " + std::to_string(k_max_event_source) +
                    " bytes; Lambda's synchronous payload limit is " +
                    std::to_string(k_max_request_payload) + " bytes");
    }
}

bool has_yaml_extension(std::string_view path) {
    std::size_t slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    std::size_t dot = name.rfind('.');
    if (dot == std::string_view::npos) {
        return false;
    }
    std::string extension;
    for (char c : name.substr(dot + 1)) {
        extension += ascii_lower(c);
    }
    return extension == "yaml" || extension == "yml";
}

bool is_blank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

void check_size(std::size_t size) {
    if (size > k_max_request_payload) {
        throw Error("event is " + std::to_string(size) + " bytes; Lambda's synchronous payload " +
                    "limit is " + std::to_string(k_max_request_payload) + " bytes");
    }
}

// `what` names the source: "event file 'x.json'", "event on standard input", ...
std::string checked_json(std::string text, const std::string& what) {
    if (text.starts_with(k_utf8_bom)) {
        text.erase(0, k_utf8_bom.size());
    }
    if (is_blank(text)) {
        throw Error(what + " is empty");
    }
    check_size(text.size());
    // The JSON check skips a byte order mark too: a second one would reach the function.
    if (text.starts_with(k_utf8_bom)) {
        throw Error(what + " is not valid JSON: line 1, column 1: a second byte order mark");
    }
    if (std::optional<std::string> error = json_syntax_error(text)) {
        throw Error(what + " is not valid JSON: " + *error);
    }
    return text;
}

std::string position(const YAML::Mark& mark) {
    if (mark.is_null()) {
        return "";
    }
    return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
           ": ";
}

// Counts the documents of a YAML text, and notices a document that read nothing.
class DocumentCounter : public YAML::EventHandler {
  public:
    void OnDocumentStart(const YAML::Mark& mark) override {
        m_stalled = m_count > 0 && mark.pos == m_start.pos;
        m_start = mark;
        ++m_count;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

    std::size_t count() const { return m_count; }
    // The last document started where the one before it did: the parser is stuck there.
    bool stalled() const { return m_stalled; }
    const YAML::Mark& start() const { return m_start; }

  private:
    std::size_t m_count = 0;
    bool m_stalled = false;
    YAML::Mark m_start = YAML::Mark::null_mark();
};

// The number of documents in `text`. yaml-cpp 0.7's LoadAll never returns for some malformed
// texts (",0"): a document that reads nothing is followed by another at the same place, and
// so on until memory runs out. Here that is a syntax error at that place.
std::size_t count_documents(const std::string& text, const std::string& what) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (parser.HandleNextDocument(counter)) {
        if (counter.stalled()) {
            const auto at = static_cast<std::size_t>(counter.start().pos);
            throw Error(
                what + " is not valid YAML: " + position(counter.start()) +
                (at < text.size() ? "unexpected '" + text.substr(at, 1) + "'" : "unexpected end"));
        }
    }
    return counter.count();
}

// --- YAML scalars, resolved with YAML 1.2's core schema ---

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool all_of_class(std::string_view text, bool (*in_class)(char)) {
    return !text.empty() && std::all_of(text.begin(), text.end(), in_class);
}

bool is_octal_digit(char c) {
    return c >= '0' && c <= '7';
}

bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&] {
        std::size_t start = i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
        }
        return i - start;
    };
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        ++i;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0) {
            return false;
        }
    } else {
        if (digits() == 0) {
            return false;
        }
        if (i < s.size() && s[i] == '.') {
            ++i;
            digits();
        }
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            ++i;
        }
        if (digits() == 0) {
            return false;
        }
    }
    return i == s.size();
}

std::optional<double> parse_double(std::string_view s) {
    if (s.starts_with('+')) {
        s.remove_prefix(1);
    }
    double value = 0;
    auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<nlohmann::ordered_json> parse_integer(std::string_view s) {
    int base = 10;
    bool negative = false;
    std::string_view digits = s;
    if (s.starts_with("0o") && all_of_class(s.substr(2), is_octal_digit)) {
        base = 8;
        digits = s.substr(2);
    } else if (s.starts_with("0x") && all_of_class(s.substr(2), is_hex_digit)) {
        base = 16;
        digits = s.substr(2);
    } else {
        if (s.starts_with('+') || s.starts_with('-')) {
            negative = s.front() == '-';
            digits.remove_prefix(1);
        }
        if (!all_of_class(digits, is_digit)) {
            return std::nullopt;
        }
    }
    std::uint64_t magnitude = 0;
    auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (error != std::errc() || end != digits.data() + digits.size()) {
        // Too large for 64 bits: a decimal becomes a (rounded) float, as in JavaScript.
        if (base == 10) {
            if (std::optional<double> value = parse_double(s)) {
                return nlohmann::ordered_json(*value);
            }
        }
        return std::nullopt;
    }
    constexpr auto k_int64_max =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!negative) {
        if (magnitude <= k_int64_max) {
            return nlohmann::ordered_json(static_cast<std::int64_t>(magnitude));
        }
        return nlohmann::ordered_json(magnitude);
    }
    if (magnitude <= k_int64_max) {
        return nlohmann::ordered_json(-static_cast<std::int64_t>(magnitude));
    }
    if (magnitude == k_int64_max + 1) {
        return nlohmann::ordered_json(std::numeric_limits<std::int64_t>::min());
    }
    return nlohmann::ordered_json(-static_cast<double>(magnitude));
}

// A plain (unquoted) scalar: null, a boolean, an integer, a float, or else a string.
nlohmann::ordered_json resolve_plain(const std::string& text) {
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    if (std::optional<nlohmann::ordered_json> integer = parse_integer(text)) {
        return *integer;
    }
    if (is_core_float(text)) {
        if (std::optional<double> value = parse_double(text)) {
            return *value;
        }
    }
    // .inf and .nan have no JSON form: they stay strings, like every other plain scalar.
    return text;
}

nlohmann::ordered_json convert_scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") {
        return resolve_plain(text);
    }
    // "!" marks a quoted or block scalar; "!!str" asks for a string explicitly.
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
        return text;
    }
    // The other standard tags (!!int, !!float, !!bool, !!null) resolve like plain scalars.
    if (tag.starts_with("tag:yaml.org,2002:")) {
        return resolve_plain(text);
    }
    // An application tag (such as CloudFormation's !Ref) is dropped and the value kept as text.
    return text;
}

std::string at(const YAML::Node& node) {
    return position(node.Mark());
}

std::string key_text(const YAML::Node& key) {
    switch (key.Type()) {
    case YAML::NodeType::Scalar:
        return key.Scalar();
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return "null";
    default:
        throw Error(at(key) + "a mapping key must be a scalar");
    }
}

nlohmann::ordered_json convert(const YAML::Node& node, int depth) {
    if (depth > k_max_yaml_depth) {
        throw Error(at(node) + "nested deeper than " + std::to_string(k_max_yaml_depth) +
                    " levels (a recursive alias?)");
    }
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        return convert_scalar(node);
    case YAML::NodeType::Sequence: {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (const YAML::Node& item : node) {
            array.push_back(convert(item, depth + 1));
        }
        return array;
    }
    case YAML::NodeType::Map: {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (const auto& entry : node) {
            // A repeated key keeps its first position and takes the last value.
            object[key_text(entry.first)] = convert(entry.second, depth + 1);
        }
        return object;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        break;
    }
    return nullptr;
}

// --- JSON checking without building a document ---

// Accepts every value and records the first syntax error.
class SyntaxChecker : public nlohmann::json_sax<nlohmann::json> {
  public:
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& error) override {
        m_position = position;
        m_message = error.what();
        return false;
    }

    // 1-based index of the byte at which parsing failed (one past the end for a truncated text).
    std::size_t position() const { return m_position; }
    // nlohmann's message: "[json.exception.parse_error.101] parse error at ...: <reason>".
    const std::string& message() const { return m_message; }

  private:
    std::size_t m_position = 0;
    std::string m_message;
};

// "syntax error while parsing value - invalid literal; last read: 'tru'; expected ..." →
// "invalid literal; expected ...". nlohmann's "last read" text can span several tokens and hold
// raw bytes; the line and column say where the error is.
std::string short_reason(const std::string& message) {
    std::string reason = message;
    if (std::size_t colon = reason.find(": "); colon != std::string::npos) {
        reason.erase(0, colon + 2);
    }
    if (reason.starts_with("syntax error while parsing ")) {
        if (std::size_t dash = reason.find(" - "); dash != std::string::npos) {
            reason.erase(0, dash + 3);
        }
    }
    constexpr std::string_view k_last_read = "; last read: '";
    if (std::size_t start = reason.find(k_last_read); start != std::string::npos) {
        std::size_t end = reason.rfind("'; expected ");
        reason.erase(start,
                     end != std::string::npos && end > start ? end + 1 - start : std::string::npos);
    }
    return reason;
}

} // namespace

std::optional<JsonSyntaxFailure> json_syntax_failure(std::string_view text) {
    SyntaxChecker checker;
    if (!nlohmann::json::sax_parse(text.begin(), text.end(), &checker)) {
        return JsonSyntaxFailure{checker.position(), checker.message()};
    }
    // nlohmann's lexer takes a NUL byte for the end of the input, so "[1]\0junk" passed: the
    // first NUL (none can be in a string) is where the value should have ended.
    const std::size_t nul = text.find('\0');
    if (nul == std::string_view::npos) {
        return std::nullopt;
    }
    const std::size_t line_start = text.rfind('\n', nul) + 1; // 0 when there is no '\n'
    const auto line = std::count(text.begin(), text.begin() + nul, '\n') + 1;
    return JsonSyntaxFailure{nul + 1, "[json.exception.parse_error.101] parse error at line " +
                                          std::to_string(line) + ", column " +
                                          std::to_string(nul - line_start + 1) +
                                          ": syntax error while parsing value - unexpected NUL "
                                          "byte; expected end of input"};
}

std::optional<std::string> json_syntax_error(std::string_view text) {
    std::optional<JsonSyntaxFailure> failure = json_syntax_failure(text);
    if (!failure) {
        return std::nullopt;
    }
    std::size_t offset = std::min(failure->position == 0 ? 0 : failure->position - 1, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (char c : text.substr(0, offset)) {
        if (c == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++column; // counts characters, not UTF-8 continuation bytes
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
           short_reason(failure->message);
}

nlohmann::ordered_json yaml_to_json(const YAML::Node& node) {
    return convert(node, 0);
}

std::string yaml_event_to_json(const std::string& text, const std::string& what) {
    std::size_t documents = 0;
    YAML::Node document;
    try {
        documents = count_documents(text, what);
        document = YAML::Load(text); // the first document
    } catch (const YAML::Exception& e) {
        throw Error(what + " is not valid YAML: " + position(e.mark) + e.msg);
    }
    if (documents == 0) {
        throw Error(what + " is empty");
    }
    if (documents > 1) {
        throw Error(what + " holds " + std::to_string(documents) +
                    " YAML documents; an event is one");
    }
    nlohmann::ordered_json json;
    try {
        json = yaml_to_json(document);
    } catch (const Error& e) {
        throw Error(what + " cannot be converted to JSON: " + e.what());
    }
    std::string out = json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    check_size(out.size());
    return out;
}

std::string load_event(const EventSource& source, std::istream& stdin_stream) {
    switch (source.kind) {
    case EventSource::Kind::None:
        return "{}";
    case EventSource::Kind::Inline:
        return checked_json(source.value, "event given with --data");
    case EventSource::Kind::Stdin:
        break;
    case EventSource::Kind::File:
        if (source.value != "-") {
            std::string what = "event file '" + source.value + "'";
            std::string text = read_event_source(
                what, [&] { return read_file(source.value, what, k_max_event_source); });
            if (has_yaml_extension(source.value)) {
                return yaml_event_to_json(text, what);
            }
            return checked_json(std::move(text), what);
        }
        break;
    }
    const std::string what = "event on standard input";
    return checked_json(
        read_event_source(what,
                          [&] { return read_bounded(stdin_stream, what, k_max_event_source); }),
        what);
}

} // namespace lambda_local::runtime
