// End-to-end tests of layers: laid into /opt in order, read-only, a library found through
// /opt/lib, a bootstrap from a layer, zip layers extracted once, templates, serve, every way of
// laying them (overlay, bind mount, merged tree, a root of the environment's own), as root and
// without root, and hostile or impossible layers refused with exit status 2.
#include "tests/e2e/process.hpp"
#include "tests/e2e/serve_process.hpp"
#include "tests/e2e/support.hpp"
#include "tests/runtime/layers/zip_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace lambda_local::e2e {

using nlohmann::json;

namespace {

namespace fs = std::filesystem;

const std::string k_handler = sample_library("libuses_layer.so");
const std::string k_base = sample_library("layers/base");
const std::string k_override = sample_library("layers/override");
const std::string k_runtime = sample_library("layers/runtime");

// What the uses_layer sample answers, as JSON; REQUIREs a successful invocation.
json answer_of(const ProcessResult& r) {
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return parse_json(r.out);
}

// The ways of laying layers that $LAMBDA_LOCAL_LAYER_MOUNT selects ("" the default: a bind
// mount for one layer, an overlay for several).
const std::vector<std::string> k_mounts = {"", "bind-tree", "new-root", "bind-tree,new-root"};

// A zip of `folder` made by `lambda-local package --layer`; returns its path.
std::string package_layer(const std::string& folder, const std::string& zip) {
    ProcessResult r = lambda_local({"package", "--layer", folder, "-o", zip});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return zip;
}

// The extracted layers in a cache directory.
std::vector<std::string> cached_layers(const std::string& cache) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(cache + "/layers", error)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Whether the caller of the rootless runs may make a user namespace (else those tests say so).
bool rootless_sandbox_works() {
    ProcessResult r = run_process(rootless_argv({"invoke", "-l", sample_library("libhello_c.so")}));
    return r.exit_code == 0 && r.err.find("user namespaces unavailable") == std::string::npos;
}

} // namespace

TEST_SUITE("e2e::layers") {

    TEST_CASE("a later layer's file replaces an earlier one's, and the rest of both stays") {
        for (const std::string& mount : k_mounts) {
            CAPTURE(mount);
            RunOptions options;
            options.extra_env = {{"LAMBDA_LOCAL_LAYER_MOUNT", mount}};
            json answer = answer_of(lambda_local(
                {"invoke", "-l", k_handler, "--layer", k_base, "--layer", k_override}, options));
            CHECK(answer.at("message") == "from the override layer");
            CHECK(answer.at("base_only") == "only in the base layer");
            CHECK(answer.at("greeting") == "hello from a layer");
        }
    }

    TEST_CASE("a library in a layer's lib/ is found through /opt/lib, and not without the layer") {
        for (const std::string& mount : k_mounts) {
            CAPTURE(mount);
            RunOptions options;
            options.extra_env = {{"LAMBDA_LOCAL_LAYER_MOUNT", mount}};
            json answer =
                answer_of(lambda_local({"invoke", "-l", k_handler, "--layer", k_base}, options));
            CHECK(answer.at("greeting") == "hello from a layer");
            CHECK(answer.at("message") == "from the base layer");
        }
        // The code under the host's /tmp, which the private /tmp covers, stays reachable.
        char pattern[] = "/tmp/ll-e2e-layers-XXXXXX";
        REQUIRE(::mkdtemp(pattern) != nullptr);
        const std::string code = pattern;
        REQUIRE(::chmod(code.c_str(), 0755) == 0);
        fs::copy_file(k_handler, code + "/libuses_layer.so");
        for (const std::string& mount : k_mounts) {
            CAPTURE(mount);
            RunOptions options;
            options.extra_env = {{"LAMBDA_LOCAL_LAYER_MOUNT", mount}};
            ProcessResult r = lambda_local(
                {"invoke", "-l", code + "/libuses_layer.so", "--layer", k_base}, options);
            CHECK(r.err.find("hidden by the private /tmp") == std::string::npos);
            CHECK(answer_of(r).at("greeting") == "hello from a layer");
        }
        fs::remove_all(code);
        ProcessResult without = lambda_local({"invoke", "-l", k_handler});
        CHECK(without.exit_code == 1);
        CHECK(without.out.find("libgreeting.so: cannot open shared object file") !=
              std::string::npos);
    }

    TEST_CASE("/opt is read-only: creating a file there fails with EROFS") {
        for (const std::string& mount : k_mounts) {
            CAPTURE(mount);
            RunOptions options;
            options.extra_env = {{"LAMBDA_LOCAL_LAYER_MOUNT", mount}};
            for (const std::vector<std::string>& layers :
                 {std::vector<std::string>{k_base}, std::vector<std::string>{k_base, k_override}}) {
                std::vector<std::string> args = {"invoke", "-l", k_handler};
                for (const std::string& layer : layers) {
                    args.insert(args.end(), {"--layer", layer});
                }
                CHECK(answer_of(lambda_local(args, options)).at("write_errno") == "EROFS");
            }
        }
    }

    TEST_CASE("a custom runtime whose code has no bootstrap runs the layer's /opt/bootstrap") {
        TempDir code;
        code.write("README", "the runtime comes from a layer");
        ProcessResult r = lambda_local(
            {"invoke", "--bootstrap", code.path(), "--layer", k_runtime, "-d", R"({"n": 1})"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        json answer = parse_json(r.out);
        CHECK(answer.at("event") == json{{"n", 1}});

        ProcessResult none =
            lambda_local({"invoke", "--bootstrap", code.path(), "--layer", k_base});
        CHECK(none.exit_code == 1);
        CHECK(none.out.find("Couldn't find valid bootstrap(s): [/opt/bootstrap]") !=
              std::string::npos);
    }

    TEST_CASE("zip layers work as their folders and are extracted once into the cache") {
        TempDir dir;
        const std::string base = package_layer(k_base, dir.path() + "/base.zip");
        const std::string over = package_layer(k_override, dir.path() + "/override.zip");
        RunOptions options;
        options.extra_env = {{"LAMBDA_LOCAL_CACHE_DIR", dir.path() + "/cache"}};
        json first = answer_of(
            lambda_local({"invoke", "-l", k_handler, "--layer", base, "--layer", over}, options));
        CHECK(first.at("message") == "from the override layer");
        CHECK(first.at("greeting") == "hello from a layer");
        std::vector<std::string> cached = cached_layers(dir.path() + "/cache");
        REQUIRE(cached.size() == 2);
        struct stat before {};
        REQUIRE(::stat((dir.path() + "/cache/layers/" + cached[0]).c_str(), &before) == 0);
        answer_of(
            lambda_local({"invoke", "-l", k_handler, "--layer", base, "--layer", over}, options));
        CHECK(cached_layers(dir.path() + "/cache") == cached);
        struct stat after {};
        REQUIRE(::stat((dir.path() + "/cache/layers/" + cached[0]).c_str(), &after) == 0);
        CHECK(after.st_ino == before.st_ino);
        CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    }

    TEST_CASE("a template's function runs with its Layers") {
        TempDir dir;
        package_layer(k_base, dir.path() + "/base.zip");
        dir.write("template.yaml",
                  "Resources:\n"
                  "  UsesLayer:\n"
                  "    Type: AWS::Serverless::Function\n"
                  "    Properties:\n"
                  "      CodeUri: " +
                      std::string(LL_SAMPLES_DIR) +
                      "\n"
                      "      Handler: libuses_layer.so:handle\n"
                      "      Layers:\n"
                      "        - !Ref Base\n"
                      "        - arn:aws:lambda:us-east-1:123456789012:layer:over:3\n"
                      "  Base:\n"
                      "    Type: AWS::Serverless::LayerVersion\n"
                      "    Properties:\n"
                      "      ContentUri: base.zip\n");
        RunOptions options;
        options.extra_env = {{"LAMBDA_LOCAL_CACHE_DIR", dir.path() + "/cache"}};
        ProcessResult unmapped = lambda_local(
            {"invoke", "UsesLayer", "--template", dir.path() + "/template.yaml"}, options);
        CHECK(unmapped.exit_code == 2);
        CHECK(unmapped.err.find("lambda-local: error: function 'UsesLayer': layer "
                                "arn:aws:lambda:us-east-1:123456789012:layer:over:3 is a "
                                "published layer, which lambda-local cannot download") !=
              std::string::npos);
        json answer = answer_of(lambda_local(
            {"invoke", "UsesLayer", "--template", dir.path() + "/template.yaml", "--layer-map",
             "arn:aws:lambda:us-east-1:123456789012:layer:over=" + k_override},
            options));
        CHECK(answer.at("message") == "from the override layer");
        CHECK(answer.at("greeting") == "hello from a layer");
    }

    TEST_CASE("serve runs a function with its layers") {
        ServeProcess server({"-l", k_handler, "--layer", k_base, "--layer", k_override});
        auto response = serve_request(server, "GET", "/anything");
        INFO(server.log());
        REQUIRE(response.status == 200);
        json answer = parse_json(response.body);
        CHECK(answer.at("message") == "from the override layer");
        CHECK(answer.at("greeting") == "hello from a layer");
        CHECK(server.stop() == 0);
    }

    TEST_CASE("without root, layers are laid the same way in each mechanism") {
        if (!rootless_sandbox_works()) {
            MESSAGE("user namespaces are not available to uid " << caller_uid()
                                                                << ": nothing to test here");
            return;
        }
        TempDir dir;
        const std::string over = package_layer(k_override, dir.path() + "/override.zip");
        // The caller's own cache: as root, a directory uid 65534 owns.
        const std::string cache = dir.path() + "/cache";
        fs::create_directories(cache);
        if (running_as_root()) {
            REQUIRE(::chown(cache.c_str(), k_nobody, k_nogroup) == 0);
        }
        for (const std::string& mount : k_mounts) {
            CAPTURE(mount);
            RunOptions options;
            options.extra_env = {{"LAMBDA_LOCAL_LAYER_MOUNT", mount},
                                 {"LAMBDA_LOCAL_CACHE_DIR", cache}};
            json two = answer_of(run_process(
                rootless_argv({"invoke", "-l", k_handler, "--layer", k_base, "--layer", over}),
                options));
            CHECK(two.at("message") == "from the override layer");
            CHECK(two.at("base_only") == "only in the base layer");
            CHECK(two.at("greeting") == "hello from a layer");
            CHECK(two.at("write_errno") == "EROFS");
            json one = answer_of(run_process(
                rootless_argv({"invoke", "-l", k_handler, "--layer", k_base}), options));
            CHECK(one.at("message") == "from the base layer");
            CHECK(one.at("write_errno") == "EROFS");
        }
        TempDir code;
        ProcessResult runtime = run_process(rootless_argv(
            {"invoke", "--bootstrap", code.path(), "--layer", k_runtime, "-d", R"({"n": 2})"}));
        INFO(describe(runtime));
        CHECK(runtime.exit_code == 0);
        CHECK(runtime.out.find(R"("event":{"n":2})") != std::string::npos);
    }

    TEST_CASE("impossible and hostile layers are refused with exit status 2 and a reason") {
        TempDir dir;
        RunOptions options;
        options.extra_env = {{"LAMBDA_LOCAL_CACHE_DIR", dir.path() + "/cache"}};
        auto refused = [&](const std::vector<std::string>& layers) {
            std::vector<std::string> args = {"invoke", "-l", k_handler};
            for (const std::string& layer : layers) {
                args.insert(args.end(), {"--layer", layer});
            }
            ProcessResult r = lambda_local(args, options);
            INFO(describe(r));
            CHECK(r.exit_code == 2);
            CHECK(r.out.empty());
            return r.err;
        };
        using runtime::layers::testing::file_entry;
        using runtime::layers::testing::raw_zip;
        using runtime::layers::testing::symlink_entry;
        using runtime::layers::testing::write_bytes;
        SUBCASE("a missing folder") {
            CHECK(refused({dir.path() + "/gone"}) ==
                  "lambda-local: error: function 'uses_layer': layer 1 (" + dir.path() +
                      "/gone): " + dir.path() + "/gone does not exist\n");
        }
        SUBCASE("six layers") {
            CHECK(refused({k_base, k_base, k_base, k_base, k_base, k_base}) ==
                  "lambda-local: error: function 'uses_layer' has 6 layers: Lambda allows at "
                  "most 5\n");
        }
        SUBCASE("a path out of the layer") {
            std::string zip = write_bytes(dir.path() + "/escape.zip",
                                          raw_zip({file_entry("../../escaped", "x")}));
            CHECK(refused({zip}).find("entry '../../escaped': '..' in the path (refused") !=
                  std::string::npos);
            CHECK_FALSE(fs::exists(dir.path() + "/escaped"));
            CHECK(cached_layers(dir.path() + "/cache").empty());
        }
        SUBCASE("an absolute path") {
            std::string zip = write_bytes(dir.path() + "/absolute.zip",
                                          raw_zip({file_entry(dir.path() + "/absolute", "x")}));
            CHECK(refused({zip}).find("an absolute path (refused") != std::string::npos);
            CHECK_FALSE(fs::exists(dir.path() + "/absolute"));
        }
        SUBCASE("a link out of the layer") {
            std::string zip =
                write_bytes(dir.path() + "/link.zip",
                            raw_zip({symlink_entry("etc", "/etc"), file_entry("etc/evil", "x")}));
            CHECK(refused({zip}).find("entry 'etc' is a symbolic link to '/etc', outside the "
                                      "layer (refused)") != std::string::npos);
        }
        SUBCASE("a zip bomb") {
            runtime::layers::testing::RawEntry bomb =
                file_entry("lib/zeros", std::string(64 << 20, '\0'));
            bomb.deflate = true;
            bomb.declared_size = 300ull << 20;
            std::string zip = write_bytes(dir.path() + "/bomb.zip", raw_zip({bomb}));
            CHECK(refused({zip}).find("over Lambda's limit of 250 MB (262144000 bytes) unzipped") !=
                  std::string::npos);
            CHECK(cached_layers(dir.path() + "/cache").empty());
        }
        SUBCASE("the sandbox switched off") {
            options.extra_env.clear();
            ProcessResult r =
                lambda_local({"invoke", "--no-sandbox", "-l", k_handler, "--layer", k_base});
            CHECK(r.exit_code == 2);
            CHECK(r.err == "lambda-local: error: layers need the sandbox (they are mounted at "
                           "/opt in the environment's own mount namespace): they cannot be used "
                           "with --no-sandbox\n");
        }
    }
}

} // namespace lambda_local::e2e
