// The handler ABIs a worker can load.
#pragma once

#include <optional>
#include <string_view>

namespace lambda_local::loaders {

// `Auto` picks `Native` when the library exports lambda_local_abi_version.
enum class Abi { Auto, Classic, Native };

inline std::string_view to_string(Abi abi) {
    switch (abi) {
    case Abi::Classic:
        return "classic";
    case Abi::Native:
        return "native";
    case Abi::Auto:
        break;
    }
    return "auto";
}

inline std::optional<Abi> parse_abi(std::string_view text) {
    if (text == "auto") {
        return Abi::Auto;
    }
    if (text == "classic") {
        return Abi::Classic;
    }
    if (text == "native") {
        return Abi::Native;
    }
    return std::nullopt;
}

} // namespace lambda_local::loaders
