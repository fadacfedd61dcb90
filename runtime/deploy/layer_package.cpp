// Building a layer zip from a folder, after checking the code in it.
#include "runtime/deploy/layer_package.hpp"

#include "runtime/deploy/package_output.hpp"
#include "runtime/deploy/zip_writer.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/layers/zip_extract.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>

namespace lambda_local::runtime::deploy {
namespace {

namespace fs = std::filesystem;

bool is_elf(std::string_view data) {
    return data.size() >= 4 && data.substr(0, 4) == "\x7f"
                                                    "ELF";
}

// The folder's entries, depth first, names sorted (the same folder always makes the same zip).
void collect(const fs::path& root, const fs::path& dir, std::vector<fs::path>& into) {
    std::vector<fs::path> children;
    std::error_code error;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        children.push_back(it->path());
    }
    if (error) {
        throw Error(dir.string() + ": cannot read: " + error.message());
    }
    std::sort(children.begin(), children.end());
    for (const fs::path& child : children) {
        into.push_back(child.lexically_relative(root));
        if (fs::is_directory(fs::symlink_status(child))) {
            collect(root, child, into);
        }
    }
}

} // namespace

LayerPackageResult build_layer_package(const LayerPackageOptions& options) {
    LayerPackageResult result;
    result.target = &target_runtime(options.target);
    if (!options.arch.empty()) {
        auto arch = lambda_architecture(std::string_view(options.arch));
        if (!arch) {
            throw Error("unknown architecture '" + options.arch + "': expected x86_64 or arm64");
        }
        result.arch = *arch;
    }
    std::error_code error;
    const fs::path root = fs::absolute(options.folder).lexically_normal();
    if (!fs::is_directory(root, error)) {
        throw Error("layer folder " + options.folder +
                    (fs::exists(root, error) ? " is not a folder" : " does not exist"));
    }
    std::vector<fs::path> names;
    collect(root, root, names);

    ZipWriter zip;
    std::set<std::string> lib_names; // what the layer's lib/ offers the dynamic loader
    std::vector<std::pair<std::string, std::string>> elf_sources; // name in zip, path
    for (const fs::path& relative : names) {
        const fs::path path = root / relative;
        const std::string name = relative.generic_string();
        struct stat info {};
        if (::lstat(path.c_str(), &info) != 0) {
            throw Error(path.string() + ": " + os_error("lstat"));
        }
        if (relative.parent_path() == "lib" && !S_ISDIR(info.st_mode)) {
            lib_names.insert(relative.filename().string());
        }
        if (S_ISDIR(info.st_mode)) {
            zip.add_directory(name, 0755);
            result.files.push_back({name + "/", 0755, 0, {}});
        } else if (S_ISLNK(info.st_mode)) {
            std::string target = fs::read_symlink(path, error).string();
            std::vector<std::string> parts = layers::entry_components(name);
            if (error || !layers::symlink_stays_inside(parts, target)) {
                result.problems.push_back(name + " is a symbolic link to '" + target +
                                          "', outside the layer: it would dangle on Lambda");
                continue;
            }
            zip.add_symlink(name, target);
            result.files.push_back({name, 0777, target.size(), "-> " + target});
        } else if (S_ISREG(info.st_mode)) {
            std::string data = read_file(path.string(), path.string(), k_max_code_file);
            if (is_elf(data)) {
                elf_sources.emplace_back(name, path.string());
            }
            std::uint32_t mode = info.st_mode & 0777;
            result.unzipped += data.size();
            result.files.push_back({name, mode, data.size(), path.string()});
            zip.add_file(name, std::move(data), mode);
        } else {
            result.warnings.push_back(name + " is neither a file, a folder nor a symbolic link: "
                                             "left out");
        }
        if (relative.parent_path().empty() && S_ISREG(info.st_mode) &&
            name.find(".so") != std::string::npos) {
            result.warnings.push_back(name + " lands in /opt, which is not on LD_LIBRARY_PATH: "
                                             "put libraries in lib/ (/opt/lib)");
        }
    }

    for (const auto& [name, path] : elf_sources) {
        FileCheck file{name, path, read_elf(path), {}};
        auto own = lambda_architecture(file.elf.machine);
        if (result.arch.empty() && own) {
            result.arch = *own;
        }
        if (!own) {
            result.problems.push_back(name + " is " + machine_name(file.elf.machine) +
                                      " code: Lambda runs x86_64 and arm64 only");
        } else if (*own != result.arch) {
            result.problems.push_back(
                name + " is " + *own + " code, but the layer is " + result.arch + " (" +
                (options.arch.empty() ? "its first ELF file's" : "--arch") + ")");
        }
        file.requirements =
            check_requirements(file.elf, *result.target, name + ": ", result.problems);
        for (const std::string& needed : file.elf.needed) {
            if (!is_base_system_library(needed) && lib_names.count(needed) == 0) {
                result.warnings.push_back(name + " needs " + needed + ", which neither " +
                                          std::string(result.target->name) +
                                          " nor the layer's lib/ has: the function or "
                                          "another layer must bring it");
            }
        }
        result.elf_files.push_back(std::move(file));
    }
    if (result.unzipped > k_max_unzipped_code_bytes) {
        result.problems.push_back("the layer is " + size_text(result.unzipped) +
                                  " unzipped: Lambda allows 250 MB for a function and its "
                                  "layers together");
    }
    if (!result.problems.empty()) {
        std::string list;
        for (const auto& problem : result.problems) {
            list += "\n  " + problem;
        }
        if (!options.force) {
            throw Error("layer " + options.folder + " would not load on " +
                        std::string(result.target->name) +
                        (result.arch.empty() ? "" : " (" + result.arch + ")") + ":" + list +
                        "\n(--force packages it anyway)");
        }
        result.warnings.push_back("packaged despite " + std::to_string(result.problems.size()) +
                                  " problem(s) (--force):" + list);
    }
    std::string bytes = zip.finish();
    result.zip_size = bytes.size();
    if (bytes.size() > k_max_direct_upload_bytes) {
        result.warnings.push_back("the zip is " + size_text(bytes.size()) +
                                  ": past 50 MB, upload it to S3 and publish it from there "
                                  "(--content S3Bucket=...,S3Key=...)");
    }
    write_atomically(options.output, bytes);
    return result;
}

std::string format_layer_package(const LayerPackageOptions& options,
                                 const LayerPackageResult& result) {
    const std::string runtime(result.target->name);
    std::string name = options.layer_name;
    if (name.empty()) {
        name =
            function_name_from_directory(fs::absolute(options.folder).lexically_normal().string());
    }
    std::size_t versions = 0;
    for (const FileCheck& file : result.elf_files) {
        versions += file.requirements.size();
    }
    std::string out = "check: ";
    if (result.elf_files.empty()) {
        out += "no ELF file in the layer\n";
    } else {
        out += std::to_string(result.elf_files.size()) + " ELF file(s), " + result.arch + ", " +
               std::to_string(versions) + " base-system version requirement(s): " +
               (result.problems.empty() ? "all load on " + runtime : "problems (--force)") + "\n";
    }
    for (const auto& warning : result.warnings) {
        out += "warning: " + warning + "\n";
    }
    out += "wrote " + options.output + " (" + size_text(result.zip_size) + ", " +
           size_text(result.unzipped) + " unzipped):\n";
    for (const auto& file : result.files) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file.mode));
        std::string line = "  " + std::string(mode) + "  " + file.name;
        if (!file.source.empty()) {
            line.resize(std::max<std::size_t>(line.size(), 36), ' ');
            line += file.source.starts_with("-> ")
                        ? " " + file.source
                        : " " + size_text(file.size) + " from " + file.source;
        }
        out += line + "\n";
    }
    std::string architectures =
        result.arch.empty() ? "" : " --compatible-architectures " + result.arch;
    out += "\nPublish it with the AWS CLI:\n\n";
    out += "  aws lambda publish-layer-version --layer-name " + name + " \\\n";
    out += "      --compatible-runtimes " + runtime + architectures + " \\\n";
    out += "      --zip-file fileb://" + options.output + "\n";
    out += "\nor with SAM (then `Layers: [!Ref " + logical_id(name, "Layer") +
           "]` on a function):\n\n";
    out += "  Resources:\n";
    out += "    " + logical_id(name, "Layer") + ":\n";
    out += "      Type: AWS::Serverless::LayerVersion\n";
    out += "      Properties:\n";
    out += "        ContentUri: " + options.output + "\n";
    out += "        CompatibleRuntimes: [" + runtime + "]\n";
    if (!result.arch.empty()) {
        out += "        CompatibleArchitectures: [" + result.arch + "]\n";
    }
    out +=
        "\nTry it locally: lambda-local invoke -l libhandler.so --layer " + options.output + "\n";
    return out;
}

} // namespace lambda_local::runtime::deploy
