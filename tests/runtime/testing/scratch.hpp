// A scratch folder for the tests of runtime/testing: test files, events and snapshots on disk.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace lambda_local::runtime::testing::test_support {

// The sample libraries of this build.
inline std::string sample(std::string_view file) {
    return std::string(LL_SAMPLES_DIR) + "/" + std::string(file);
}

// A fresh folder under the build tree, removed with its contents when destroyed.
class Scratch {
  public:
    Scratch() {
        static std::atomic<int> counter{0};
        const std::filesystem::path root = std::filesystem::path(LL_BUILD_DIR) / "unit-tmp";
        m_path =
            (root / ("testing-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                .string();
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }

    const std::string& path() const { return m_path; }

    // Writes <folder>/<name> (making its folders) and returns its path.
    std::string write(std::string_view name, std::string_view content) const {
        const std::filesystem::path path = std::filesystem::path(m_path) / name;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        REQUIRE_MESSAGE(out.good(), "cannot write " << path);
        return path.string();
    }

    // The content of <folder>/<name>.
    std::string read(std::string_view name) const {
        std::ifstream in(std::filesystem::path(m_path) / name, std::ios::binary);
        std::stringstream buffer;
        buffer << in.rdbuf();
        return buffer.str();
    }

  private:
    std::string m_path;
};

} // namespace lambda_local::runtime::testing::test_support
