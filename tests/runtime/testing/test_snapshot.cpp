// Tests of snapshot files: their names, reading, updating and writing.
#include "runtime/testing/snapshot.hpp"

#include "runtime/util/error.hpp"
#include "tests/runtime/testing/scratch.hpp"

#include <doctest/doctest.h>

using namespace lambda_local;
using namespace lambda_local::runtime::testing;
using lambda_local::runtime::testing::test_support::Scratch;
using nlohmann::json;
using nlohmann::ordered_json;

TEST_SUITE("runtime::testing::Snapshot") {

    TEST_CASE("a test file's snapshot file sits beside it") {
        CHECK(snapshot_path("dir/orders.test.yaml") == "dir/orders.snap.json");
        CHECK(snapshot_path("orders.test.yml") == "orders.snap.json");
        CHECK(snapshot_path("/a/b/x.test.json") == "/a/b/x.snap.json");
        CHECK(snapshot_path("/a/b/named.yaml") == "/a/b/named.snap.json");
    }

    TEST_CASE("a missing snapshot file has no entries") {
        Scratch dir;
        CHECK(load_snapshots(dir.path() + "/none.snap.json") == ordered_json::object());
    }

    TEST_CASE("saved entries load back the same, in their order") {
        Scratch dir;
        const std::string path = dir.path() + "/x.snap.json";
        ordered_json entries = ordered_json::object();
        entries["zeta"] = {{"response", {{"b", 1}, {"a", "é \"quoted\""}}}};
        entries["alpha"] = {{"error", {{"errorType", "E"}, {"errorMessage", "m"}}}};
        save_snapshots(path, entries);
        CHECK(load_snapshots(path) == entries);
        const std::string text = dir.read("x.snap.json");
        CHECK(text.rfind("{\n  \"zeta\": {\n", 0) == 0);
        CHECK(text.back() == '\n');
    }

    TEST_CASE("an update replaces recorded entries, keeps the others and drops removed cases") {
        const ordered_json old = ordered_json::parse(
            R"({"b": {"response": 1}, "gone": {"response": 2}, "a": {"response": 3}})");
        const ordered_json updated = updated_snapshots(
            old, {{"a", json{{"response", 30}}}, {"c", json{{"response", 4}}}}, {"a", "b", "c"});
        CHECK(updated.dump() == R"({"a":{"response":30},"b":{"response":1},"c":{"response":4}})");
    }

    TEST_CASE("a snapshot file that is not a JSON object is an error with its line") {
        Scratch dir;
        const std::string bad = dir.write("bad.snap.json", "{\n  \"a\": 1,\n}\n");
        std::string message;
        try {
            load_snapshots(bad);
        } catch (const Error& e) {
            message = e.what();
        }
        CHECK(message.rfind(bad + ":3: the snapshot file is not valid JSON (line 3, column 1: ",
                            0) == 0);
        const std::string list = dir.write("list.snap.json", "[1]\n");
        CHECK_THROWS_WITH_AS(
            load_snapshots(list),
            (list + ":1: a snapshot file holds one JSON object (case name: answer)").c_str(),
            Error);
    }

} // TEST_SUITE
