// Tests of LoggingConfig: its values as written, and the command line's settings over them.
#include "runtime/logging_config.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

using namespace lambda_local::runtime;

TEST_SUITE("runtime::LoggingConfig") {

    TEST_CASE("the defaults are Lambda's: Text, and INFO for both levels") {
        LoggingConfig config;
        CHECK(config.format == LogFormat::Text);
        CHECK(config.application_level == LogLevel::Info);
        CHECK(config.system_level == LogLevel::Info);
    }

    TEST_CASE("formats and levels are read in any case, and only Lambda's values") {
        CHECK(parse_log_format("JSON") == LogFormat::Json);
        CHECK(parse_log_format("json") == LogFormat::Json);
        CHECK(parse_log_format("Text") == LogFormat::Text);
        CHECK(parse_log_format("TEXT") == LogFormat::Text);
        CHECK_FALSE(parse_log_format("yaml").has_value());
        CHECK_FALSE(parse_log_format("").has_value());

        CHECK(parse_application_log_level("trace") == LogLevel::Trace);
        CHECK(parse_application_log_level("FATAL") == LogLevel::Fatal);
        CHECK(parse_application_log_level("Warn") == LogLevel::Warn);
        CHECK_FALSE(parse_application_log_level("WARNING").has_value());
        CHECK_FALSE(parse_application_log_level("INFO ").has_value());

        CHECK(parse_system_log_level("debug") == LogLevel::Debug);
        CHECK(parse_system_log_level("WARN") == LogLevel::Warn);
        CHECK_FALSE(parse_system_log_level("TRACE").has_value());
        CHECK_FALSE(parse_system_log_level("ERROR").has_value());
    }

    TEST_CASE("the names are the environment variables' values") {
        CHECK(log_format_name(LogFormat::Json) == "JSON");
        CHECK(log_format_name(LogFormat::Text) == "Text");
        CHECK(log_level_name(LogLevel::Trace) == "TRACE");
        CHECK(log_level_name(LogLevel::Info) == "INFO");
        CHECK(log_level_name(LogLevel::Fatal) == "FATAL");
    }

    TEST_CASE("the command line's settings replace the function's, and levels need JSON") {
        LoggingConfig json;
        json.format = LogFormat::Json;
        json.application_level = LogLevel::Error;

        SUBCASE("nothing given changes nothing") {
            CHECK(apply_overrides(json, {}) == json);
        }
        SUBCASE("a level for a JSON function") {
            LoggingOverrides overrides;
            overrides.system_level = LogLevel::Debug;
            LoggingConfig applied = apply_overrides(json, overrides);
            CHECK(applied.application_level == LogLevel::Error);
            CHECK(applied.system_level == LogLevel::Debug);
        }
        SUBCASE("the format and a level together") {
            LoggingOverrides overrides;
            overrides.format = LogFormat::Json;
            overrides.application_level = LogLevel::Trace;
            LoggingConfig applied = apply_overrides({}, overrides);
            CHECK(applied.format == LogFormat::Json);
            CHECK(applied.application_level == LogLevel::Trace);
        }
        SUBCASE("Text over a JSON function: its levels no longer apply") {
            LoggingOverrides overrides;
            overrides.format = LogFormat::Text;
            CHECK(apply_overrides(json, overrides).format == LogFormat::Text);
        }
        SUBCASE("a level for a Text function is refused, as Lambda refuses it") {
            LoggingOverrides overrides;
            overrides.application_level = LogLevel::Debug;
            CHECK_THROWS_WITH_AS(apply_overrides({}, overrides),
                                 "--log-level and --system-log-level apply to the JSON log format "
                                 "only (Lambda refuses log levels with LogFormat Text): add "
                                 "--log-format JSON",
                                 lambda_local::Error);
        }
    }

} // TEST_SUITE
