// End-to-end tests of the execution environment's isolation: the sandbox user and limits,
// the private and sized /tmp, the read-only file system, and that nothing of an environment
// survives it (processes, cgroups), whether it ends normally, by timeout or by Ctrl-C.
#include "tests/e2e/process.hpp"
#include "tests/e2e/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace lambda_local::e2e {

using nlohmann::json;

TEST_SUITE_BEGIN("e2e::sandbox");

TEST_CASE("the handler runs as the sandbox user, in a pid namespace, with Lambda's limits") {
    const ProcessResult r =
        lambda_local({"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-H", "whoami"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const json who = parse_json(r.out);
    check_sandbox_identity(who);
    CHECK(who["cwd"] == std::filesystem::canonical(samples_dir()).string());
}

TEST_CASE("/tmp is limited to the ephemeral storage size") {
    SUBCASE("512 MiB by default") {
        const ProcessResult r =
            lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "fill_tmp"});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "0");
        CHECK(find_line(split_lines(r.err), "fill_tmp: wrote 512 MiB then No space left on device")
                  .has_value());
    }
    SUBCASE("--tmp-size 600") {
        const ProcessResult r = lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"),
                                              "-H", "fill_tmp", "--tmp-size", "600"});
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "0");
        CHECK(find_line(split_lines(r.err), "fill_tmp: wrote 600 MiB then No space left on device")
                  .has_value());
    }
}

TEST_CASE("/tmp is private to each execution environment") {
    // The host's /tmp/counter, which tmp_use would read and increment if it saw the host's /tmp.
    const std::string host_counter = "/tmp/counter";
    struct RemoveIfCreated {
        std::string path;
        bool created = false;
        ~RemoveIfCreated() {
            if (created) {
                ::unlink(path.c_str());
            }
        }
    } marker{host_counter};
    if (int fd = ::open(host_counter.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        fd >= 0) {
        marker.created = true;
        const bool written = ::write(fd, "41\n", 3) == 3;
        ::fchmod(fd, 0666);
        ::close(fd);
        REQUIRE(written);
    }
    const std::string host_before = file_text(host_counter);

    for (int run = 1; run <= 2; ++run) {
        CAPTURE(run);
        const ProcessResult r =
            lambda_local({"invoke", "-q", "-l", sample_library("libecho_cpp.so"), "-H", "tmp_use"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        const json used = parse_json(r.out);
        // Each invoke is a cold start with an empty /tmp.
        CHECK(used["count"] == 1);
        CHECK(used["uid"] == k_sandbox_uid);
    }
    CHECK(file_text(host_counter) == host_before);
}

TEST_CASE("only /tmp is writable") {
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "write_outside"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    const auto lines = split_lines(r.err);
    CHECK(count_lines_starting(lines, "write_outside: ") == 5);
    for (const auto& line : lines) {
        if (line.rfind("write_outside: ", 0) == 0) {
            const bool written = line.size() >= 4 && line.substr(line.size() - 4) == ": ok";
            CHECK_MESSAGE(!written, line);
        }
    }
    CHECK_FALSE(std::filesystem::exists(samples_dir() + "/lambda_local_write_outside"));
}

TEST_CASE("children a handler leaves behind end with its environment") {
    LeftoverWatch watch;
    const ProcessResult r =
        lambda_local({"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "fork_children"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    CHECK(r.elapsed < std::chrono::seconds(30));
    CHECK(count_lines_starting(split_lines(r.err), "child ") == 3);
    watch.check_nothing_left(r);
}

TEST_CASE("Ctrl-C during an invocation ends it with status 130 and leaves nothing behind") {
    LeftoverWatch watch;
    RunOptions options;
    options.signal_when_stderr_contains = "sleeping\n";
    options.signal = SIGINT;
    const ProcessResult r = lambda_local(
        {"invoke", "-l", sample_library("libmisbehaving.so"), "-H", "sleep_forever", "-t", "30"},
        options);
    INFO(describe(r));
    REQUIRE(r.signal_sent);
    CHECK(r.exit_code == 130);
    CHECK(r.elapsed < std::chrono::seconds(20));
    CHECK(r.out.empty());
    CHECK(find_line(split_lines(r.err), "lambda-local: interrupted").has_value());
    watch.check_nothing_left(r);
}

// The private /tmp must not hide the code: the task root of a library built under the host's
// /tmp (mktemp -d, a CI scratch directory) is the host's directory, read-only.
TEST_CASE("a library in a directory under the host's /tmp can be invoked") {
    char pattern[] = "/tmp/lambda-local-e2e-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    const std::string dir = pattern;
    ::chmod(dir.c_str(), 0755);
    const std::string library = dir + "/libhello_c.so";
    std::filesystem::copy_file(sample_library("libhello_c.so"), library);
    const ProcessResult r = lambda_local({"invoke", "-l", library, "-d", R"({"in":"tmp"})"});
    std::filesystem::remove_all(dir);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out == "0");
    CHECK(find_line(split_lines(r.err), R"(event: {"in":"tmp"})").has_value());
}

TEST_SUITE_END();

} // namespace lambda_local::e2e
