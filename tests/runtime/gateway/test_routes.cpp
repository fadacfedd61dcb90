// Tests of API Gateway's route table: validation on adding, and matching as AWS does (§4).
#include "runtime/gateway/routes.hpp"

#include "runtime/util/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

using lambda_local::Error;
using lambda_local::runtime::gateway::Api;
using lambda_local::runtime::gateway::ApiType;
using lambda_local::runtime::gateway::HeaderList;
using lambda_local::runtime::gateway::HttpRequest;
using lambda_local::runtime::gateway::HttpResponse;
using lambda_local::runtime::gateway::miss_response;
using lambda_local::runtime::gateway::PayloadFormat;
using lambda_local::runtime::gateway::Route;
using lambda_local::runtime::gateway::route_key;
using lambda_local::runtime::gateway::RouteMatch;
using lambda_local::runtime::gateway::RouteMiss;
using lambda_local::runtime::gateway::RouteResult;
using lambda_local::runtime::gateway::RouteTable;

namespace {

Route route(std::string method, std::string path, std::string function) {
    Route r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.function_name = std::move(function);
    return r;
}

Route default_route(std::string function) {
    return route("ANY", "$default", std::move(function));
}

Api rest_api(std::vector<Route> routes, std::vector<std::string> stages = {"Prod"},
             std::string id = "restapi001") {
    return {ApiType::Rest, std::move(id), std::move(stages), std::move(routes)};
}

Api http_api(std::vector<Route> routes, std::vector<std::string> stages = {"$default"},
             std::string id = "httpapi001") {
    return {ApiType::Http, std::move(id), std::move(stages), std::move(routes)};
}

RouteTable table_of(Api api) {
    RouteTable table;
    table.add(std::move(api));
    return table;
}

// The function a request reaches, or the status of the gateway's own answer: "403", "404".
std::string target(const RouteTable& table, std::string_view method, std::string_view path) {
    RouteResult result = table.match(method, path);
    if (const auto* match = std::get_if<RouteMatch>(&result)) {
        return match->route->function_name;
    }
    return std::to_string(miss_response(std::get<RouteMiss>(result)).status);
}

RouteMatch match_of(const RouteTable& table, std::string_view method, std::string_view path) {
    RouteResult result = table.match(method, path);
    REQUIRE(std::holds_alternative<RouteMatch>(result));
    return std::get<RouteMatch>(std::move(result));
}

// "name=value, name=value", in template order.
std::string parameters(const RouteMatch& match) {
    std::string out;
    for (const auto& [name, value] : match.path_parameters) {
        out += (out.empty() ? "" : ", ") + name + "=" + value;
    }
    return out;
}

// The message `api` is refused with, or "" when it is accepted.
std::string add_error(Api api) {
    RouteTable table;
    try {
        table.add(std::move(api));
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_SUITE_BEGIN("runtime::gateway::routes");

TEST_CASE("AWS's worked example picks the exact route, then {param}, then the longest greedy") {
    RouteTable table = table_of(
        http_api({route("GET", "/pets/dog/1", "dog-1"), route("GET", "/pets/dog/{id}", "dog-id"),
                  route("GET", "/pets/{proxy+}", "pets-proxy"),
                  route("ANY", "/{proxy+}", "root-proxy"), default_route("default")}));
    SUBCASE("GET /pets/dog/1") {
        RouteMatch match = match_of(table, "GET", "/pets/dog/1");
        CHECK(match.route_key == "GET /pets/dog/1");
        CHECK(parameters(match) == "");
    }
    SUBCASE("GET /pets/dog/2") {
        RouteMatch match = match_of(table, "GET", "/pets/dog/2");
        CHECK(match.route_key == "GET /pets/dog/{id}");
        CHECK(parameters(match) == "id=2");
    }
    SUBCASE("GET /pets/cat/1") {
        RouteMatch match = match_of(table, "GET", "/pets/cat/1");
        CHECK(match.route_key == "GET /pets/{proxy+}");
        CHECK(parameters(match) == "proxy=cat/1");
    }
    SUBCASE("POST /test/5") {
        RouteMatch match = match_of(table, "POST", "/test/5");
        CHECK(match.route_key == "ANY /{proxy+}");
        CHECK(match.route->function_name == "root-proxy");
        CHECK(parameters(match) == "proxy=test/5");
    }
}

TEST_CASE("a request no other HTTP API route takes reaches $default, without path parameters") {
    RouteTable table = table_of(
        http_api({route("GET", "/pets/{proxy+}", "pets-proxy"), default_route("default")}));
    RouteMatch match = match_of(table, "DELETE", "/pets/cat/1");
    CHECK(match.route->function_name == "default");
    CHECK(match.route_key == "$default");
    CHECK(match.resource == "$default");
    CHECK(match.path == "/pets/cat/1");
    CHECK(match.path_parameters.empty());
    CHECK(target(table, "GET", "/") == "default");
}

TEST_CASE("the REST event example of the reference matches with its fields") {
    RouteTable table =
        table_of(rest_api({route("ANY", "/store/{proxy+}", "store")}, {"prod"}, "abc123defg"));
    RouteMatch match = match_of(table, "POST", "/prod/store/items/42");
    CHECK(match.route->function_name == "store");
    CHECK(match.route->api_id == "abc123defg");
    CHECK(match.route->api_type == ApiType::Rest);
    CHECK(match.resource == "/store/{proxy+}");
    CHECK(match.path == "/store/items/42");
    CHECK(match.stage_path == "/prod/store/items/42");
    CHECK(match.stage == "prod");
    CHECK(match.route_key == "ANY /store/{proxy+}");
    CHECK(parameters(match) == "proxy=items/42");
}

TEST_CASE("the HTTP API event example of the reference matches with its fields") {
    RouteTable table = table_of(http_api({route("ANY", "/store/{proxy+}", "store")}));
    RouteMatch match = match_of(table, "GET", "/store/items/42");
    CHECK(match.route_key == "ANY /store/{proxy+}");
    CHECK(match.stage == "$default");
    CHECK(match.path == "/store/items/42");
    CHECK(match.stage_path == "/store/items/42");
    CHECK(match.resource == "/store/{proxy+}");
    CHECK(parameters(match) == "proxy=items/42");
}

TEST_CASE("a REST API resolves resource and method pairs as measured on AWS") {
    // `/jobs` exists on AWS only as a parent resource without methods: no route of its own.
    RouteTable table = table_of(rest_api({route("ANY", "/{proxy+}", "proxy"),
                                          route("GET", "/jobs/{operation_type}", "jobs-op"),
                                          route("OPTIONS", "/cors_only", "cors")}));
    CHECK(target(table, "GET", "/Prod/jobs/reboot") == "jobs-op");
    CHECK(target(table, "GET", "/Prod/jobs") == "proxy");
    CHECK(target(table, "POST", "/Prod/jobs/reboot") == "proxy");
    CHECK(target(table, "GET", "/Prod/cors_only") == "proxy");
    CHECK(target(table, "OPTIONS", "/Prod/cors_only") == "cors");
    CHECK(parameters(match_of(table, "GET", "/Prod/jobs/reboot")) == "operation_type=reboot");
    CHECK(parameters(match_of(table, "POST", "/Prod/jobs/reboot")) == "proxy=jobs/reboot");
}

TEST_CASE("a REST API prefers a literal, then a {param}, then a greedy resource at each level") {
    RouteTable table = table_of(rest_api(
        {route("GET", "/pets/{proxy+}", "pets-proxy"), route("GET", "/{kind}/dog", "kind-dog"),
         route("GET", "/{kind}/{name}", "kind-name"), route("GET", "/a/b", "a-b")}));
    CHECK(target(table, "GET", "/Prod/pets/dog") == "pets-proxy");
    CHECK(target(table, "GET", "/Prod/cats/dog") == "kind-dog");
    CHECK(target(table, "GET", "/Prod/cats/tom") == "kind-name");
    // Every matching resource+method pair is a candidate: `/a` has no `c` child, `/{kind}/{name}`
    // does.
    CHECK(target(table, "GET", "/Prod/a/c") == "kind-name");
    CHECK(target(table, "GET", "/Prod/a/b") == "a-b");
}

TEST_CASE("an HTTP API prefers any route without a greedy parameter to a greedy one") {
    RouteTable table = table_of(http_api(
        {route("GET", "/pets/{proxy+}", "pets-proxy"), route("GET", "/{kind}/dog", "kind-dog")}));
    CHECK(target(table, "GET", "/pets/dog") == "kind-dog");
    CHECK(target(table, "GET", "/pets/cat") == "pets-proxy");
}

TEST_CASE("an exact method beats ANY on the same path") {
    std::vector<Route> routes = {route("ANY", "/pets", "any-pets"),
                                 route("GET", "/pets", "get-pets"),
                                 route("GET", "/{proxy+}", "get-proxy")};
    SUBCASE("HTTP API") {
        RouteTable table = table_of(http_api(routes));
        CHECK(target(table, "GET", "/pets") == "get-pets");
        CHECK(target(table, "POST", "/pets") == "any-pets");
        CHECK(target(table, "GET", "/cats") == "get-proxy");
    }
    SUBCASE("REST API") {
        RouteTable table = table_of(rest_api(routes));
        CHECK(target(table, "GET", "/Prod/pets") == "get-pets");
        CHECK(target(table, "POST", "/Prod/pets") == "any-pets");
        CHECK(target(table, "GET", "/Prod/cats") == "get-proxy");
    }
}

TEST_CASE("among greedy routes the longest literal prefix wins") {
    std::vector<Route> routes = {route("ANY", "/{proxy+}", "root"),
                                 route("ANY", "/a/{proxy+}", "a"),
                                 route("ANY", "/a/b/{proxy+}", "a-b")};
    SUBCASE("HTTP API") {
        RouteTable table = table_of(http_api(routes));
        CHECK(target(table, "GET", "/a/b/c") == "a-b");
        CHECK(parameters(match_of(table, "GET", "/a/b/c/d")) == "proxy=c/d");
        CHECK(target(table, "GET", "/a/x/y") == "a");
        CHECK(parameters(match_of(table, "GET", "/a/x/y")) == "proxy=x/y");
        CHECK(target(table, "GET", "/z") == "root");
        CHECK(target(table, "GET", "/a/b") == "a");
        CHECK(target(table, "GET", "/a") == "root");
    }
    SUBCASE("REST API") {
        RouteTable table = table_of(rest_api(routes));
        CHECK(target(table, "GET", "/Prod/a/b/c") == "a-b");
        CHECK(target(table, "GET", "/Prod/a/x/y") == "a");
        CHECK(target(table, "GET", "/Prod/z") == "root");
        CHECK(parameters(match_of(table, "GET", "/Prod/a/b")) == "proxy=b");
    }
}

TEST_CASE("a greedy route does not match an empty remainder") {
    SUBCASE("HTTP API") {
        RouteTable table = table_of(http_api({route("ANY", "/store/{proxy+}", "store")}));
        CHECK(target(table, "GET", "/store") == "404");
        CHECK(target(table, "GET", "/store/") == "404");
        CHECK(target(table, "GET", "/store/x") == "store");
    }
    SUBCASE("REST API") {
        RouteTable table = table_of(rest_api({route("ANY", "/store/{proxy+}", "store")}));
        CHECK(target(table, "GET", "/Prod/store") == "403");
        CHECK(target(table, "GET", "/Prod/store/") == "403");
        CHECK(target(table, "GET", "/Prod/store/x") == "store");
    }
    SUBCASE("/{proxy+} does not take the root: ANY / is needed") {
        RouteTable without_root = table_of(rest_api({route("ANY", "/{proxy+}", "proxy")}));
        CHECK(target(without_root, "GET", "/Prod/") == "403");
        RouteTable with_root =
            table_of(rest_api({route("ANY", "/{proxy+}", "proxy"), route("ANY", "/", "root")}));
        CHECK(target(with_root, "GET", "/Prod/") == "root");
        CHECK(target(with_root, "GET", "/Prod/x") == "proxy");
    }
}

TEST_CASE("a greedy parameter's own name is its key") {
    RouteTable table = table_of(http_api({route("GET", "/files/{path+}", "files")}));
    RouteMatch match = match_of(table, "GET", "/files/a/b/c.txt");
    CHECK(parameters(match) == "path=a/b/c.txt");
    CHECK(match.resource == "/files/{path+}");
}

TEST_CASE("path parameters are percent-decoded after the path is split into segments") {
    RouteTable table = table_of(
        http_api({route("GET", "/files/{name}/meta", "meta"), route("GET", "/raw/{proxy+}", "raw"),
                  route("GET", "/users/{id}", "user")}));
    SUBCASE("%2F stays inside its segment") {
        RouteMatch match = match_of(table, "GET", "/files/a%2Fb/meta");
        CHECK(match.route->function_name == "meta");
        CHECK(parameters(match) == "name=a/b");
        CHECK(match.path == "/files/a%2Fb/meta");
    }
    SUBCASE("a greedy value is decoded whole") {
        CHECK(parameters(match_of(table, "GET", "/raw/x%2Fy/z%20w")) == "proxy=x/y/z w");
    }
    SUBCASE("UTF-8 escapes, '+' and invalid escapes") {
        CHECK(parameters(match_of(table, "GET", "/users/caf%C3%A9")) == "id=café");
        CHECK(parameters(match_of(table, "GET", "/users/a+b")) == "id=a+b");
        CHECK(parameters(match_of(table, "GET", "/users/100%zz")) == "id=100%zz");
        CHECK(parameters(match_of(table, "GET", "/users/%4")) == "id=%4");
    }
    SUBCASE("a literal segment matches its percent-encoded spelling") {
        CHECK(target(table, "GET", "/%75sers/7") == "user");
        CHECK(target(table, "GET", "/users%2F7") == "404");
    }
}

TEST_CASE("a {param} does not take an empty segment") {
    RouteTable table = table_of(http_api({route("GET", "/pets/{id}", "pet")}));
    CHECK(target(table, "GET", "/pets/") == "404");
    CHECK(target(table, "GET", "//") == "404");
    CHECK(target(table, "GET", "/pets/1") == "pet");
}

TEST_CASE("a REST API's URL starts with one of its stages") {
    RouteTable table = table_of(
        rest_api({route("GET", "/pets", "pets"), route("GET", "/", "root")}, {"Prod", "prod"}));
    SUBCASE("the stage prefix is taken off the path") {
        RouteMatch match = match_of(table, "GET", "/Prod/pets");
        CHECK(match.stage == "Prod");
        CHECK(match.path == "/pets");
        CHECK(match.stage_path == "/Prod/pets");
        CHECK(match_of(table, "GET", "/prod/pets").stage == "prod");
    }
    SUBCASE("the stage without a slash misses; with one it is the root resource") {
        CHECK(target(table, "GET", "/Prod") == "403");
        RouteMatch root = match_of(table, "GET", "/Prod/");
        CHECK(root.route->function_name == "root");
        CHECK(root.resource == "/");
        CHECK(root.path == "/");
        CHECK(root.stage_path == "/Prod/");
    }
    SUBCASE("a path without a known stage misses") {
        CHECK(target(table, "GET", "/pets") == "403");
        CHECK(target(table, "GET", "/PROD/pets") == "403");
        CHECK(target(table, "GET", "/") == "403");
    }
}

TEST_CASE("an HTTP API serves $default without a prefix and a named stage with one") {
    SUBCASE("$default and a named stage") {
        RouteTable table = table_of(http_api(
            {route("GET", "/pets", "pets"), route("GET", "/", "root"), route("GET", "/dev/x", "x")},
            {"$default", "dev"}));
        RouteMatch plain = match_of(table, "GET", "/pets");
        CHECK(plain.stage == "$default");
        CHECK(plain.path == "/pets");
        CHECK(plain.stage_path == "/pets");
        RouteMatch staged = match_of(table, "GET", "/dev/pets");
        CHECK(staged.stage == "dev");
        CHECK(staged.path == "/pets");
        CHECK(staged.stage_path == "/dev/pets");
        RouteMatch bare = match_of(table, "GET", "/dev");
        CHECK(bare.route->function_name == "root");
        CHECK(bare.path == "/");
        CHECK(bare.stage_path == "/dev");
        CHECK(target(table, "GET", "/dev/") == "root");
        // A named stage commits: "/dev/x" is "/x" in stage dev, never "/dev/x" in $default.
        CHECK(target(table, "GET", "/dev/x") == "404");
    }
    SUBCASE("only a named stage") {
        RouteTable table = table_of(http_api({route("GET", "/pets", "pets")}, {"dev"}));
        CHECK(target(table, "GET", "/dev/pets") == "pets");
        CHECK(target(table, "GET", "/pets") == "404");
    }
}

TEST_CASE("a trailing slash matches in a REST API but not in an HTTP API") {
    SUBCASE("REST API") {
        RouteTable table = table_of(
            rest_api({route("GET", "/pets", "pets"), route("GET", "/store/{proxy+}", "store")}));
        RouteMatch match = match_of(table, "GET", "/Prod/pets/");
        CHECK(match.route->function_name == "pets");
        CHECK(match.path == "/pets/");
        CHECK(match.stage_path == "/Prod/pets/");
        CHECK(target(table, "GET", "/Prod/pets//") == "403");
        CHECK(parameters(match_of(table, "GET", "/Prod/store/items/")) == "proxy=items/");
    }
    SUBCASE("HTTP API") {
        RouteTable table = table_of(http_api({route("GET", "/pets", "pets")}));
        CHECK(target(table, "GET", "/pets/") == "404");
        CHECK(target(table, "GET", "/pets") == "pets");
    }
}

TEST_CASE("a method no route takes falls through to the next route, never to a 405") {
    SUBCASE("HTTP API without $default") {
        RouteTable table = table_of(http_api({route("GET", "/pets", "pets")}));
        CHECK(target(table, "POST", "/pets") == "404");
    }
    SUBCASE("HTTP API with $default") {
        RouteTable table =
            table_of(http_api({route("GET", "/pets", "pets"), default_route("default")}));
        CHECK(target(table, "POST", "/pets") == "default");
    }
    SUBCASE("REST API") {
        RouteTable table = table_of(rest_api({route("GET", "/pets", "pets")}));
        CHECK(target(table, "POST", "/Prod/pets") == "403");
    }
}

TEST_CASE("methods compare case-sensitively and ANY covers API Gateway's seven methods") {
    RouteTable table = table_of(http_api(
        {route("GET", "/pets", "pets"), route("ANY", "/any", "any"), default_route("default")}));
    CHECK(target(table, "get", "/pets") == "404");
    CHECK(target(table, "get", "/any") == "404");
    CHECK(target(table, "PROPFIND", "/any") == "404");
    for (const char* method : {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}) {
        CAPTURE(method);
        CHECK(target(table, method, "/any") == "any");
    }
}

TEST_CASE("a miss answers 403 from a REST API and 404 from an HTTP API") {
    SUBCASE("REST API") {
        RouteTable table = table_of(rest_api({route("GET", "/pets", "pets")}));
        RouteResult result = table.match("GET", "/Prod/nothing");
        REQUIRE(std::holds_alternative<RouteMiss>(result));
        CHECK(std::get<RouteMiss>(result).api_type == ApiType::Rest);
        HttpResponse response = miss_response(std::get<RouteMiss>(result));
        CHECK(response.status == 403);
        CHECK(response.headers ==
              HeaderList{{"Content-Type", "application/json"},
                         {"x-amzn-ErrorType", "MissingAuthenticationTokenException"}});
        CHECK(response.body == R"({"message":"Missing Authentication Token"})");
    }
    SUBCASE("HTTP API") {
        RouteTable table = table_of(http_api({route("GET", "/pets", "pets")}));
        RouteResult result = table.match("GET", "/nothing");
        REQUIRE(std::holds_alternative<RouteMiss>(result));
        CHECK(std::get<RouteMiss>(result).api_type == ApiType::Http);
        HttpResponse response = miss_response(std::get<RouteMiss>(result));
        CHECK(response.status == 404);
        CHECK(response.headers == HeaderList{{"content-type", "application/json"}});
        CHECK(response.body == R"({"message":"Not Found"})");
    }
    SUBCASE("an empty table, and a path that does not start with '/'") {
        RouteTable empty;
        CHECK(target(empty, "GET", "/") == "404");
        RouteTable table = table_of(rest_api({route("ANY", "/{proxy+}", "proxy")}));
        CHECK(target(table, "GET", "") == "403");
        CHECK(target(table, "GET", "*") == "403");
    }
}

TEST_CASE("several APIs share one table, each behind its own stages") {
    RouteTable table;
    table.add(rest_api({route("GET", "/pets", "rest-pets")}, {"Prod"}, "rest1"));
    table.add(rest_api({route("GET", "/cats", "rest2-cats"), route("GET", "/pets", "rest2-pets")},
                       {"Prod"}, "rest2"));
    table.add(http_api({route("GET", "/pets", "http-pets")}, {"$default"}, "http1"));
    CHECK(target(table, "GET", "/Prod/pets") == "rest-pets");
    CHECK(target(table, "GET", "/Prod/cats") == "rest2-cats");
    CHECK(target(table, "GET", "/Prod/nothing") == "403");
    CHECK(target(table, "GET", "/pets") == "http-pets");
    CHECK(target(table, "GET", "/nothing") == "404");
    CHECK(match_of(table, "GET", "/Prod/cats").route->api_id == "rest2");
}

TEST_CASE("a match carries the route's function, API and payload format") {
    SUBCASE("a REST API sends 1.0") {
        RouteTable table = table_of(rest_api({route("GET", "/pets", "pets")}, {"Prod"}, "r1"));
        const Route& matched = *match_of(table, "GET", "/Prod/pets").route;
        CHECK(matched.function_name == "pets");
        CHECK(matched.api_type == ApiType::Rest);
        CHECK(matched.api_id == "r1");
        CHECK(matched.payload_format == PayloadFormat::V1);
    }
    SUBCASE("an HTTP API sends 2.0 unless the route says 1.0") {
        Route v1 = route("GET", "/v1", "v1");
        v1.payload_format = PayloadFormat::V1;
        RouteTable table =
            table_of(http_api({route("GET", "/v2", "v2"), v1, default_route("default")}));
        CHECK(match_of(table, "GET", "/v2").route->payload_format == PayloadFormat::V2);
        CHECK(match_of(table, "GET", "/v1").route->payload_format == PayloadFormat::V1);
        const Route& fallback = *match_of(table, "GET", "/other").route;
        CHECK(fallback.payload_format == PayloadFormat::V2);
        CHECK(fallback.api_type == ApiType::Http);
        CHECK(fallback.api_id == "httpapi001");
    }
    SUBCASE("a whole request matches like its method and path") {
        RouteTable table = table_of(http_api({route("POST", "/pets/{id}", "pets")}));
        HttpRequest request;
        request.method = "POST";
        request.path = "/pets/7";
        request.raw_query = "x=1";
        RouteResult result = table.match(request);
        REQUIRE(std::holds_alternative<RouteMatch>(result));
        CHECK(parameters(std::get<RouteMatch>(result)) == "id=7");
    }
}

TEST_CASE("a match stays valid after its table is moved") {
    RouteTable table = table_of(rest_api({route("GET", "/pets/{id}", "pets")}));
    RouteMatch match = match_of(table, "GET", "/Prod/pets/1");
    RouteTable moved = std::move(table);
    CHECK(match_of(moved, "GET", "/Prod/pets/1").route == match.route);
    CHECK(match.route->function_name == "pets");
    CHECK(match.stage == "Prod");
    CHECK(match.route_key == "GET /pets/{id}");
    CHECK(match.resource == "/pets/{id}");
}

TEST_CASE("a path deeper than the inline segment buffer still matches") {
    std::string deep = "/d";
    std::string template_path = "/d";
    for (int i = 0; i < 20; ++i) {
        deep += "/s" + std::to_string(i);
        template_path += "/s" + std::to_string(i);
    }
    RouteTable table = table_of(http_api({route("GET", template_path + "/{last}", "deep"),
                                          route("GET", "/d/{proxy+}", "deep-proxy")}));
    CHECK(parameters(match_of(table, "GET", deep + "/end")) == "last=end");
    CHECK(parameters(match_of(table, "GET", deep + "/end/more")) ==
          "proxy=" + deep.substr(3) + "/end/more");
}

TEST_CASE("the route key names the method and template, or $default") {
    CHECK(route_key(route("GET", "/pets/{id}", "f")) == "GET /pets/{id}");
    CHECK(route_key(route("ANY", "/{proxy+}", "f")) == "ANY /{proxy+}");
    CHECK(route_key(default_route("f")) == "$default");
}

TEST_CASE("a malformed path template is refused with a message naming the route") {
    auto error_for = [](const std::string& path) {
        return add_error(rest_api({route("GET", path, "f")}, {"Prod"}, "abc"));
    };
    const std::string where = "route 'GET ";
    CHECK(error_for("/a/{proxy+}/b") == where + "/a/{proxy+}/b' in REST API 'abc': the greedy "
                                                "parameter '{proxy+}' must be the last segment");
    CHECK(error_for("/{path+}/{id}") ==
          where + "/{path+}/{id}' in REST API 'abc': the greedy parameter '{path+}' must be the "
                  "last segment");
    const std::string malformed = "' is not a well-formed path parameter (expected '{name}' or "
                                  "'{name+}', the name of letters, digits, '_', '-' or '.')";
    SUBCASE("parameters") {
        CHECK(error_for("/pets/{id") == where + "/pets/{id' in REST API 'abc': '{id" + malformed);
        CHECK(error_for("/pets/id}") == where + "/pets/id}' in REST API 'abc': 'id}" + malformed);
        CHECK(error_for("/pets/{}") == where + "/pets/{}' in REST API 'abc': '{}" + malformed);
        CHECK(error_for("/pets/{+}") == where + "/pets/{+}' in REST API 'abc': '{+}" + malformed);
        CHECK(error_for("/pets/{id}.json") ==
              where + "/pets/{id}.json' in REST API 'abc': '{id}.json" + malformed);
        CHECK(error_for("/pets/x{id}") ==
              where + "/pets/x{id}' in REST API 'abc': 'x{id}" + malformed);
        CHECK(error_for("/pets/{a b}") ==
              where + "/pets/{a b}' in REST API 'abc': '{a b}" + malformed);
        CHECK(error_for("/{id}/{id}") ==
              where + "/{id}/{id}' in REST API 'abc': the path parameter 'id' appears twice");
        CHECK(error_for("/{id}/{id+}") ==
              where + "/{id}/{id+}' in REST API 'abc': the path parameter 'id' appears twice");
    }
    SUBCASE("the path's shape") {
        CHECK(error_for("pets") == where + "pets' in REST API 'abc': the path must start with '/'");
        CHECK(error_for("") == where + "' in REST API 'abc': the path must start with '/'");
        CHECK(error_for("/pets/") ==
              where + "/pets/' in REST API 'abc': the path must not end with '/'");
        CHECK(error_for("/a//b") ==
              where + "/a//b' in REST API 'abc': the path has an empty segment");
        CHECK(error_for("/a b") ==
              where +
                  "/a b' in REST API 'abc': 'a b' has a character a path template does not allow");
        CHECK(error_for("/a%20b") == where + "/a%20b' in REST API 'abc': 'a%20b' has a character a "
                                             "path template does not allow");
    }
    SUBCASE("well-formed templates are accepted") {
        for (const char* path : {"/", "/pets", "/pets/{id}", "/{proxy+}", "/a/{b}/c/{rest+}",
                                 "/v1.0/user-list/{user_id}", "/a:b@c~d"}) {
            CAPTURE(path);
            CHECK(error_for(path) == "");
        }
    }
}

TEST_CASE("a route that repeats a method and path of its API is refused") {
    CHECK(add_error(http_api({route("GET", "/pets", "a"), route("GET", "/pets", "b")}, {"$default"},
                             "h1")) == "route 'GET /pets' in HTTP API 'h1': conflicts with route "
                                       "'GET /pets'");
    CHECK(add_error(rest_api({route("GET", "/pets/{id}", "a"), route("GET", "/pets/{name}", "b")},
                             {"Prod"}, "r1")) ==
          "route 'GET /pets/{name}' in REST API 'r1': conflicts with route 'GET /pets/{id}'");
    CHECK(add_error(http_api({default_route("a"), default_route("b")}, {"$default"}, "h1")) ==
          "route '$default' in HTTP API 'h1': conflicts with route '$default'");
    SUBCASE("another method, ANY, or another API is no conflict") {
        CHECK(add_error(http_api({route("GET", "/pets", "a"), route("POST", "/pets", "b"),
                                  route("ANY", "/pets", "c"), route("GET", "/pets/{id}", "d"),
                                  route("GET", "/pets/{proxy+}", "e")})) == "");
        RouteTable table;
        table.add(rest_api({route("GET", "/pets", "a")}, {"Prod"}, "r1"));
        CHECK_NOTHROW(table.add(rest_api({route("GET", "/pets", "a")}, {"Prod"}, "r2")));
    }
}

TEST_CASE("a route's method, function, payload format and $default are checked") {
    CHECK(add_error(rest_api({route("get", "/pets", "f")}, {"Prod"}, "r1")) ==
          "route 'get /pets' in REST API 'r1': unknown method 'get' (expected ANY, DELETE, GET, "
          "HEAD, OPTIONS, PATCH, POST or PUT)");
    CHECK(add_error(rest_api({route("TRACE", "/pets", "f")}, {"Prod"}, "r1")) ==
          "route 'TRACE /pets' in REST API 'r1': unknown method 'TRACE' (expected ANY, DELETE, "
          "GET, HEAD, OPTIONS, PATCH, POST or PUT)");
    CHECK(add_error(rest_api({route("GET", "/pets", "")}, {"Prod"}, "r1")) ==
          "route 'GET /pets' in REST API 'r1': no function name");
    Route v2 = route("GET", "/pets", "f");
    v2.payload_format = PayloadFormat::V2;
    CHECK(add_error(rest_api({v2}, {"Prod"}, "r1")) ==
          "route 'GET /pets' in REST API 'r1': a REST API sends payload format 1.0 only");
    CHECK(add_error(rest_api({default_route("f")}, {"Prod"}, "r1")) ==
          "route '$default' in REST API 'r1': only an HTTP API has a $default route");
    CHECK(add_error(http_api({route("GET", "$default", "f")}, {"$default"}, "h1")) ==
          "route '$default' in HTTP API 'h1': the $default route takes every method, not 'GET'");
    CHECK(add_error(http_api({route("", "$default", "f")})) == "");
}

TEST_CASE("an API's id and stages are checked") {
    CHECK(add_error(rest_api({}, {"Prod"}, "")) == "a REST API needs an id");
    CHECK(add_error(http_api({}, {"$default"}, "")) == "an HTTP API needs an id");
    CHECK(add_error(rest_api({}, {}, "r1")) == "REST API 'r1': no stage");
    CHECK(add_error(rest_api({}, {"$default"}, "r1")) ==
          "REST API 'r1': only an HTTP API has a '$default' stage");
    CHECK(add_error(http_api({}, {"dev/x"}, "h1")) ==
          "HTTP API 'h1': stage 'dev/x' is not a stage name (letters, digits, '-' and '_')");
    CHECK(add_error(http_api({}, {""}, "h1")) ==
          "HTTP API 'h1': stage '' is not a stage name (letters, digits, '-' and '_')");
    CHECK(add_error(rest_api({}, {"Prod", "Prod"}, "r1")) ==
          "REST API 'r1': stage 'Prod' appears twice");
    CHECK(add_error(http_api({}, {"$default", "dev_2", "Prod-1"}, "h1")) == "");
    RouteTable table;
    table.add(rest_api({}, {"Prod"}, "r1"));
    CHECK_THROWS_WITH_AS(table.add(http_api({}, {"$default"}, "r1")),
                         "HTTP API 'r1': an API with this id is already added", Error);
}

TEST_CASE("an API refused by add leaves the table as it was") {
    RouteTable table;
    table.add(http_api({route("GET", "/cats", "cats")}, {"$default"}, "h1"));
    Api bad = http_api({route("GET", "/pets", "pets"), route("GET", "/pets/{", "broken")},
                       {"$default"}, "h2");
    CHECK_THROWS_AS(table.add(bad), Error);
    CHECK(target(table, "GET", "/pets") == "404");
    CHECK(target(table, "GET", "/cats") == "cats");
    bad.routes.pop_back();
    table.add(bad);
    CHECK(target(table, "GET", "/pets") == "pets");
}

TEST_SUITE_END();
