// The provided.* runtimes and their base systems, as data.
#include "runtime/deploy/target_runtime.hpp"

#include "runtime/deploy/elf_file.hpp"
#include "runtime/util/error.hpp"

#include <array>
#include <charconv>

namespace lambda_local::runtime::deploy {
namespace {

// provided.al2023: glibc 2.34 and GCC 11's libstdc++ (libstdc++.so.6.0.29). provided.al2:
// glibc 2.26 and GCC 7's (libstdc++.so.6.0.24). Newer images may carry a newer libstdc++;
// these are the versions the runtimes were released with, a floor that is safe to rely on.
constexpr std::array<TargetRuntime, 2> k_targets{{
    {"provided.al2023", "Amazon Linux 2023", "2.34", "3.4.29", "1.3.13", 11},
    {"provided.al2", "Amazon Linux 2", "2.26", "3.4.24", "1.3.11", 7},
}};

// glibc's own libraries and the dynamic loaders: always the base image's.
constexpr std::array<std::string_view, 12> k_glibc_libraries{"libc.so.6",
                                                             "libm.so.6",
                                                             "libmvec.so.1",
                                                             "libdl.so.2",
                                                             "libpthread.so.0",
                                                             "librt.so.1",
                                                             "libresolv.so.2",
                                                             "libutil.so.1",
                                                             "libanl.so.1",
                                                             "libBrokenLocale.so.1",
                                                             "ld-linux-x86-64.so.2",
                                                             "ld-linux-aarch64.so.1"};

constexpr std::string_view k_libstdcxx = "libstdc++.so.6";
constexpr std::string_view k_libgcc_s = "libgcc_s.so.1";

bool is_glibc_library(std::string_view name) {
    for (auto known : k_glibc_libraries) {
        if (known == name) {
            return true;
        }
    }
    return false;
}

// The version number after `prefix` ("GLIBC_" of "GLIBC_2.28" → "2.28"), if it is one.
std::optional<std::string_view> number_after(std::string_view version, std::string_view prefix) {
    if (version.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    std::string_view number = version.substr(prefix.size());
    if (number.empty() || number.front() < '0' || number.front() > '9') {
        return std::nullopt;
    }
    for (char c : number) {
        if ((c < '0' || c > '9') && c != '.') {
            return std::nullopt;
        }
    }
    return number;
}

std::string in_target(const TargetRuntime& target) {
    return std::string(target.name);
}

VersionVerdict glibc_verdict(const TargetRuntime& target, std::string_view version) {
    if (version == "GLIBC_PRIVATE") {
        return {false, "is a private glibc interface: it only works with the exact glibc it was "
                       "built against, not with " +
                           in_target(target) + "'s " + std::string(target.glibc)};
    }
    std::optional<std::string_view> number = number_after(version, "GLIBC_");
    if (version == "GLIBC_ABI_DT_RELR") {
        number = "2.36"; // packed relative relocations (ld -z pack-relative-relocs)
    }
    if (!number) {
        return {false, "is not a glibc version " + in_target(target) + "'s glibc " +
                           std::string(target.glibc) + " knows"};
    }
    if (compare_versions(*number, target.glibc) <= 0) {
        return {true, {}};
    }
    return {false, "needs glibc " + std::string(*number) + ", " + in_target(target) + " has " +
                       std::string(target.glibc)};
}

VersionVerdict libstdcxx_verdict(const TargetRuntime& target, std::string_view version) {
    if (version == "CXXABI_TM_1") {
        return {true, {}};
    }
    struct Family {
        std::string_view prefix;
        std::string_view newest;
    };
    for (Family family : {Family{"GLIBCXX_", target.glibcxx}, Family{"CXXABI_", target.cxxabi}}) {
        if (auto number = number_after(version, family.prefix)) {
            if (compare_versions(*number, family.newest) <= 0) {
                return {true, {}};
            }
            return {false, "needs libstdc++ " + std::string(version) + ", " + in_target(target) +
                               " has up to " + std::string(family.prefix) +
                               std::string(family.newest) +
                               " (link libstdc++ statically: -static-libstdc++)"};
        }
    }
    return {false, "is not a libstdc++ version " + in_target(target) + " knows"};
}

VersionVerdict libgcc_verdict(const TargetRuntime& target, std::string_view version) {
    if (auto number = number_after(version, "GCC_")) {
        int major = 0;
        std::from_chars(number->data(), number->data() + number->size(), major);
        if (major <= target.gcc_major) {
            return {true, {}};
        }
        return {false, "needs libgcc_s " + std::string(version) + ", " + in_target(target) +
                           " has GCC " + std::to_string(target.gcc_major) +
                           "'s (link libgcc statically: -static-libgcc)"};
    }
    if (number_after(version, "GLIBC_")) {
        return glibc_verdict(target, version);
    }
    return {false, "is not a libgcc_s version " + in_target(target) + " knows"};
}

} // namespace

const TargetRuntime& target_runtime(std::string_view name) {
    for (const auto& target : k_targets) {
        if (target.name == name) {
            return target;
        }
    }
    throw Error("unknown target runtime '" + std::string(name) +
                "': expected provided.al2023 or provided.al2");
}

std::vector<std::string> target_runtime_names() {
    std::vector<std::string> names;
    for (const auto& target : k_targets) {
        names.emplace_back(target.name);
    }
    return names;
}

std::optional<std::string> lambda_architecture(std::uint16_t elf_machine) {
    if (elf_machine == k_machine_x86_64) {
        return "x86_64";
    }
    if (elf_machine == k_machine_aarch64) {
        return "arm64";
    }
    return std::nullopt;
}

std::optional<std::string> lambda_architecture(std::string_view spelling) {
    if (spelling == "x86_64" || spelling == "amd64") {
        return "x86_64";
    }
    if (spelling == "arm64" || spelling == "aarch64") {
        return "arm64";
    }
    return std::nullopt;
}

bool is_base_system_library(std::string_view name) {
    return is_glibc_library(name) || name == k_libstdcxx || name == k_libgcc_s;
}

std::optional<VersionVerdict> check_base_version(const TargetRuntime& target, std::string_view file,
                                                 std::string_view version) {
    if (is_glibc_library(file)) {
        return glibc_verdict(target, version);
    }
    if (file == k_libstdcxx) {
        return libstdcxx_verdict(target, version);
    }
    if (file == k_libgcc_s) {
        return libgcc_verdict(target, version);
    }
    return std::nullopt;
}

int compare_versions(std::string_view a, std::string_view b) {
    auto next = [](std::string_view& text) {
        int value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        (void)ec;
        auto used = static_cast<std::size_t>(end - text.data());
        text.remove_prefix(used);
        if (!text.empty() && (text.front() == '.' || used == 0)) {
            text.remove_prefix(1);
        }
        return value;
    };
    while (!a.empty() || !b.empty()) {
        int left = a.empty() ? 0 : next(a);
        int right = b.empty() ? 0 : next(b);
        if (left != right) {
            return left < right ? -1 : 1;
        }
    }
    return 0;
}

} // namespace lambda_local::runtime::deploy
