// Building the deployment zip and the instructions that deploy it.
#include "runtime/deploy/package.hpp"

#include "runtime/deploy/package_output.hpp"
#include "runtime/deploy/zip_writer.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fd.hpp"
#include "runtime/util/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lambda_local::runtime::deploy {
namespace {

constexpr std::uint32_t k_executable_mode = 0755;

} // namespace

std::string find_bootstrap_executable() {
    if (const char* named = std::getenv("LAMBDA_LOCAL_BOOTSTRAP"); named != nullptr && *named) {
        if (::access(named, R_OK) != 0) {
            throw Error("LAMBDA_LOCAL_BOOTSTRAP=" + std::string(named) + " cannot be read");
        }
        return named;
    }
    if (std::string found = find_companion("lambda-local-bootstrap", R_OK); !found.empty()) {
        return found;
    }
    throw Error("cannot find lambda-local-bootstrap beside " + own_executable_dir() +
                "/lambda-local (reinstall, or pass --bootstrap-from FILE)");
}

PackageResult build_package(const PackageOptions& options) {
    PackageResult result;
    CheckOptions check_options;
    check_options.target = options.target;
    check_options.arch = options.arch;
    check_options.handler = options.handler;
    check_options.search = options.search;
    result.check = check_library(options.library, check_options);
    result.problems = result.check.problems;
    const std::string bootstrap =
        options.bootstrap.empty() ? find_bootstrap_executable() : options.bootstrap;
    result.bootstrap =
        check_bootstrap(bootstrap, *result.check.target, result.check.arch, result.problems);

    if (!result.problems.empty()) {
        std::string list;
        for (const auto& problem : result.problems) {
            list += "\n  " + problem;
        }
        if (!options.force) {
            throw Error(result.check.library.name + " would not load on " +
                        std::string(result.check.target->name) + " (" + result.check.arch +
                        "):" + list + "\n(--force packages it anyway)");
        }
        result.warnings.push_back("packaged despite " + std::to_string(result.problems.size()) +
                                  " problem(s) (--force): it will not load on " +
                                  std::string(result.check.target->name) + ":" + list);
    }

    ZipWriter zip;
    std::uint64_t unzipped = 0;
    auto add = [&](const std::string& name, const std::string& source) {
        std::string data = read_file(source, source, k_max_code_file);
        unzipped += data.size();
        result.files.push_back({name, k_executable_mode, data.size(), source});
        zip.add_file(name, std::move(data), k_executable_mode);
    };
    add("bootstrap", bootstrap);
    add(result.check.library.name, options.library);
    if (!result.check.bundled.empty()) {
        zip.add_directory("lib/");
        result.files.push_back({"lib/", k_executable_mode, 0, {}});
        for (const auto& bundled : result.check.bundled) {
            add(bundled.name, bundled.path);
        }
    }
    std::string bytes = zip.finish();
    result.zip_size = bytes.size();
    if (unzipped > k_max_unzipped_code_bytes) {
        result.warnings.push_back("the unzipped package is " + size_text(unzipped) +
                                  ": Lambda accepts at most 250 MB");
    } else if (bytes.size() > k_max_direct_upload_bytes) {
        result.warnings.push_back("the zip is " + size_text(bytes.size()) +
                                  ": past 50 MB, upload it to S3 and deploy it from there "
                                  "(--code S3Bucket=...,S3Key=...)");
    }
    write_atomically(options.output, bytes);
    return result;
}

std::string format_package(const PackageOptions& options, const PackageResult& result) {
    const auto& check = result.check;
    const std::string runtime(check.target->name);
    const std::string handler = check.library.name + ":" + options.handler;
    const std::string name = options.function_name.empty() ? "my-function" : options.function_name;
    std::string out = "check: " + summarize_check(check) + "\n";
    for (const auto& warning : result.warnings) {
        out += "warning: " + warning + "\n";
    }
    out += "wrote " + options.output + " (" + size_text(result.zip_size) + "):\n";
    for (const auto& file : result.files) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file.mode));
        std::string line = "  " + std::string(mode) + "  " + file.name;
        if (!file.source.empty()) {
            line.resize(std::max<std::size_t>(line.size(), 36), ' ');
            line += " " + size_text(file.size) + " from " + file.source;
        }
        out += line + "\n";
    }
    out += "\nDeploy it with the AWS CLI (the role is your function's execution role):\n\n";
    out += "  aws lambda create-function --function-name " + name + " \\\n";
    out += "      --runtime " + runtime + " --architectures " + check.arch + " \\\n";
    out += "      --handler " + handler + " \\\n";
    out += "      --zip-file fileb://" + options.output + " \\\n";
    out += "      --role arn:aws:iam::<account-id>:role/<execution-role>\n";
    out += "  aws lambda update-function-code --function-name " + name + " --zip-file fileb://" +
           options.output + "\n";
    out += "\nor with SAM (template.yaml, then `sam deploy --guided`):\n\n";
    out += "  Resources:\n";
    out += "    " + logical_id(name, "Function") + ":\n";
    out += "      Type: AWS::Serverless::Function\n";
    out += "      Properties:\n";
    out += "        CodeUri: " + options.output + "\n";
    out += "        Handler: " + handler + "\n";
    out += "        Runtime: " + runtime + "\n";
    out += "        Architectures: [" + check.arch + "]\n";
    return out;
}

} // namespace lambda_local::runtime::deploy
