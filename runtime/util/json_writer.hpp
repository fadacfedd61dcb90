// Compact JSON text written straight into a string, for the documents built on every request
// (proxy events, the handler's context): no tree is built. The text is what nlohmann's
// dump() gives for the same document, invalid UTF-8 replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lambda_local {

// Appends one JSON document to `out`. Members are written as key(...) then one value;
// commas are placed by the writer. Nothing checks that objects and arrays are closed.
//   JsonWriter json(text);
//   json.begin_object().key("ok").boolean(true).key("ids").begin_array().number(1).end_array()
//       .end_object();
class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : m_out(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& string(std::string_view value);
    JsonWriter& number(std::int64_t value);
    JsonWriter& boolean(bool value);
    JsonWriter& null();
    // A value already in JSON text (a dumped document), copied as it is.
    JsonWriter& raw(std::string_view json);

  private:
    void separate();

    std::string& m_out;
    bool m_need_comma = false;
};

// Appends `value` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view value);

} // namespace lambda_local
