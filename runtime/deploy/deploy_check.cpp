// The deployment check: the library, its bundled dependencies and the bootstrap, judged
// against a target runtime's base system.
#include "runtime/deploy/deploy_check.hpp"

#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace lambda_local::runtime::deploy {
namespace {

constexpr const char* k_native_marker = "lambda_local_abi_version";

std::string padded(std::string text, std::size_t width) {
    if (text.size() < width) {
        text.resize(width, ' ');
    } else {
        text += ' ';
    }
    return text;
}

// Architecture and type problems of a file that must be a shared library (or, when
// `executable`, an executable).
void check_machine_and_kind(const FileCheck& file, const std::string& arch,
                            const std::string& prefix, bool executable,
                            std::vector<std::string>& problems) {
    auto own = lambda_architecture(file.elf.machine);
    if (!own) {
        problems.push_back(prefix + file.name + " is " + machine_name(file.elf.machine) +
                           " code: Lambda runs x86_64 and arm64 only");
    } else if (*own != arch) {
        problems.push_back(prefix + file.name + " is " + *own +
                           " code, but the target "
                           "architecture is " +
                           arch);
    }
    const ElfKind kind = file.elf.kind;
    if (executable) {
        if (kind != ElfKind::Executable && kind != ElfKind::PieExecutable) {
            problems.push_back(prefix + file.name + " is a " + std::string(kind_name(kind)) +
                               ", not an executable");
        }
        return;
    }
    if (kind == ElfKind::Relocatable) {
        problems.push_back(prefix + file.name +
                           " is a relocatable object file, not a shared library: link it "
                           "with -shared");
    } else if (kind == ElfKind::Executable || kind == ElfKind::PieExecutable) {
        problems.push_back(prefix + file.name +
                           " is an executable, not a shared library: "
                           "dlopen cannot load it; link it with -shared");
    } else if (kind != ElfKind::SharedObject || !file.elf.has_dynamic_section) {
        problems.push_back(prefix + file.name + " is not a shared library");
    }
}

} // namespace

std::vector<VersionRequirement> check_requirements(const ElfFile& elf, const TargetRuntime& target,
                                                   const std::string& prefix,
                                                   std::vector<std::string>& problems) {
    std::map<std::pair<std::string, std::string>, VersionRequirement> by_version;
    for (const auto& need : elf.version_needs) {
        auto verdict = check_base_version(target, need.file, need.version);
        if (!verdict) {
            continue; // a bundled library's own version
        }
        VersionRequirement requirement{need.file, need.version, verdict->ok,
                                       need.weak, verdict->why, {}};
        by_version.emplace(std::make_pair(need.file, need.version), std::move(requirement));
    }
    for (const auto& import : elf.imports) {
        auto found = by_version.find({import.file, import.version});
        if (found != by_version.end()) {
            found->second.symbols.push_back(import.symbol);
        }
    }
    std::vector<VersionRequirement> requirements;
    for (auto& [key, requirement] : by_version) {
        std::sort(requirement.symbols.begin(), requirement.symbols.end());
        requirement.symbols.erase(
            std::unique(requirement.symbols.begin(), requirement.symbols.end()),
            requirement.symbols.end());
        if (!requirement.ok && !requirement.weak) {
            if (requirement.symbols.empty()) {
                problems.push_back(prefix + requirement.version + " of " + requirement.file + " " +
                                   requirement.why);
            }
            for (const auto& symbol : requirement.symbols) {
                problems.push_back(prefix + symbol + "@" + requirement.version + " " +
                                   requirement.why);
            }
        }
        requirements.push_back(std::move(requirement));
    }
    std::stable_sort(requirements.begin(), requirements.end(), [](const auto& a, const auto& b) {
        if (a.file != b.file) {
            return a.file < b.file;
        }
        return compare_versions(a.version.substr(a.version.find('_') + 1),
                                b.version.substr(b.version.find('_') + 1)) < 0;
    });
    return requirements;
}

DeploymentCheck check_library(const std::string& path, const CheckOptions& options) {
    DeploymentCheck check;
    check.target = &target_runtime(options.target);
    check.library = {base_name(path), path, read_elf(path), {}};
    const ElfFile& elf = check.library.elf;
    if (options.arch.empty()) {
        check.arch = lambda_architecture(elf.machine).value_or("x86_64");
    } else {
        auto arch = lambda_architecture(std::string_view(options.arch));
        if (!arch) {
            throw Error("unknown architecture '" + options.arch + "': expected x86_64 or arm64");
        }
        check.arch = *arch;
    }
    check.abi = elf.exports_symbol(k_native_marker) ? "native" : "classic";
    check_machine_and_kind(check.library, check.arch, "", false, check.problems);
    if (!options.handler.empty() && !elf.exports_symbol(options.handler)) {
        check.problems.push_back("Handler '" + options.handler + "' missing on module '" +
                                 check.library.name + "'");
    }
    check.library.requirements = check_requirements(elf, *check.target, "", check.problems);

    check.dependencies = resolve_dependencies(
        path, elf, options.search ? *options.search : LibrarySearch::from_host());
    for (const auto& dependency : check.dependencies) {
        if (dependency.base_system) {
            continue;
        }
        if (dependency.path.empty()) {
            check.problems.push_back(
                dependency.name + " (needed by " + dependency.needed_by +
                ") is not on this machine's library search path, so it cannot be bundled: "
                "set LD_LIBRARY_PATH to its directory");
            continue;
        }
        FileCheck bundled{"lib/" + dependency.name, dependency.path, read_elf(dependency.path), {}};
        check_machine_and_kind(bundled, check.arch, "", false, check.problems);
        bundled.requirements =
            check_requirements(bundled.elf, *check.target, bundled.name + ": ", check.problems);
        check.bundled.push_back(std::move(bundled));
    }
    return check;
}

FileCheck check_bootstrap(const std::string& path, const TargetRuntime& target,
                          const std::string& arch, std::vector<std::string>& problems) {
    const std::string prefix = "bootstrap: ";
    FileCheck file{"bootstrap", path, read_elf(path), {}};
    check_machine_and_kind(file, arch, prefix, true, problems);
    for (const auto& needed : file.elf.needed) {
        if (!is_base_system_library(needed)) {
            problems.push_back(prefix + path + " needs " + needed + ", which " +
                               std::string(target.name) +
                               " does not have: build lambda-local-bootstrap with only libc "
                               "as a shared dependency");
        }
    }
    file.requirements = check_requirements(file.elf, target, prefix, problems);
    return file;
}

std::string format_check(const DeploymentCheck& check) {
    const TargetRuntime& target = *check.target;
    const std::size_t label = 14;
    std::string out;
    out += padded("library", label) + check.library.path + "\n";
    out += padded("", label) + std::string(kind_name(check.library.elf.kind)) + ", " +
           machine_name(check.library.elf.machine) + ", " + check.abi + " ABI\n";
    out += padded("target", label) + std::string(target.name) + " (" + std::string(target.os) +
           "): " + check.arch + ", glibc " + std::string(target.glibc) +
           ", libstdc++ up to GLIBCXX_" + std::string(target.glibcxx) + "\n";
    auto own = lambda_architecture(check.library.elf.machine);
    out += padded("architecture", label) + machine_name(check.library.elf.machine) +
           (own && *own == check.arch ? ": ok" : ": not " + check.arch) + "\n";

    std::string first = padded("needs", label);
    if (check.dependencies.empty()) {
        out += first + "nothing (no DT_NEEDED)\n";
    }
    for (const auto& dependency : check.dependencies) {
        std::string line = padded(dependency.name, 24);
        if (dependency.base_system) {
            line += "base system";
        } else if (dependency.path.empty()) {
            line += "NOT FOUND on this machine";
        } else {
            line += "bundled as lib/" + dependency.name + " from " + dependency.path;
        }
        if (dependency.needed_by != check.library.name) {
            line += " (needed by " + dependency.needed_by + ")";
        }
        out += first + line + "\n";
        first = padded("", label);
    }

    std::vector<const FileCheck*> files{&check.library};
    for (const auto& bundled : check.bundled) {
        files.push_back(&bundled);
    }
    for (const FileCheck* file : files) {
        out += padded("versions", label) + file->name + "\n";
        if (file->requirements.empty()) {
            out += padded("", label) + "  no versioned symbols from the base system\n";
        }
        for (const auto& requirement : file->requirements) {
            std::string verdict = requirement.ok ? "ok" : requirement.why;
            if (!requirement.ok && requirement.weak) {
                verdict += " (a weak requirement: the loader lets it pass)";
            }
            if (requirement.symbols.empty()) {
                out += padded("", label) + "  " +
                       padded(requirement.version + " (" + requirement.file + ")", 40) + verdict +
                       "\n";
            }
            for (const auto& symbol : requirement.symbols) {
                out += padded("", label) + "  " + padded(symbol + "@" + requirement.version, 40) +
                       verdict + "\n";
            }
        }
    }

    if (check.loads()) {
        out += padded("result", label) + "loads on " + std::string(target.name) + " (" +
               check.arch + ")\n";
    } else {
        out += padded("result", label) + "would not load on " + std::string(target.name) + " (" +
               check.arch + "):\n";
        for (const auto& problem : check.problems) {
            out += padded("", label) + "  " + problem + "\n";
        }
    }
    return out;
}

std::string summarize_check(const DeploymentCheck& check) {
    std::size_t symbols = 0;
    std::size_t too_new = 0;
    auto count = [&](const FileCheck& file) {
        for (const auto& requirement : file.requirements) {
            symbols += requirement.symbols.size();
            if (!requirement.ok && !requirement.weak) {
                too_new += std::max<std::size_t>(requirement.symbols.size(), 1);
            }
        }
    };
    count(check.library);
    for (const auto& bundled : check.bundled) {
        count(bundled);
    }
    std::string out = check.library.name + (check.loads() ? " loads on " : " would not load on ") +
                      std::string(check.target->name) + " (" + check.arch + ", " + check.abi +
                      " ABI): " + std::to_string(symbols) + " versioned base-system symbols, " +
                      (too_new == 0 ? "all ok" : std::to_string(too_new) + " too new");
    if (!check.bundled.empty()) {
        out += "; bundling " + std::to_string(check.bundled.size()) + " dependenc" +
               (check.bundled.size() == 1 ? "y" : "ies");
    }
    return out;
}

} // namespace lambda_local::runtime::deploy
