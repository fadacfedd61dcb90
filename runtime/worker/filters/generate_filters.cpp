// Writes the seccomp programs of syscall_rules.hpp as C++ (compiled_filters.hpp declares them),
// so that a cold start loads a finished program instead of compiling the rules. Run by the
// build: generate_filters OUTPUT.cpp
#include "runtime/util/error.hpp"
#include "runtime/worker/filters/syscall_rules.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

using lambda_local::worker::compile_handler_filter;
using lambda_local::worker::compile_tracing_filter;

std::string definition(const char* name, const std::vector<sock_filter>& program) {
    std::string out = "const sock_filter " + std::string(name) + "_instructions[] = {\n";
    char line[96];
    for (const sock_filter& instruction : program) {
        std::snprintf(line, sizeof line, "    {0x%04x, %u, %u, 0x%08x},\n",
                      static_cast<unsigned>(instruction.code),
                      static_cast<unsigned>(instruction.jt), static_cast<unsigned>(instruction.jf),
                      static_cast<unsigned>(instruction.k));
        out += line;
    }
    out += "};\nconst FilterProgram " + std::string(name) + "{" + name + "_instructions, " +
           std::to_string(program.size()) + "};\n\n";
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: generate_filters OUTPUT.cpp\n");
        return 2;
    }
    try {
        std::string text =
            "// Written by runtime/worker/filters/generate_filters.cpp at build time.\n"
            "#include \"runtime/worker/filters/compiled_filters.hpp\"\n\n"
            "namespace lambda_local::worker {\n\n" +
            definition("k_handler_filter", compile_handler_filter(false)) +
            definition("k_handler_filter_debugging", compile_handler_filter(true)) +
            definition("k_tracing_filter", compile_tracing_filter()) +
            "} // namespace lambda_local::worker\n";
        std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) {
            std::fprintf(stderr, "generate_filters: cannot write %s\n", argv[1]);
            return 1;
        }
    } catch (const lambda_local::Error& e) {
        std::fprintf(stderr, "generate_filters: %s\n", e.what());
        return 1;
    }
    return 0;
}
