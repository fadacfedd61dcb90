// Line diffs by longest common subsequence, after trimming the common head and tail.
#include "runtime/testing/diff.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lambda_local::runtime::testing {
namespace {

// Past this many cells the middle of a diff is shown as removed-then-added, unaligned.
constexpr std::size_t k_max_diff_cells = 4'000'000;

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t end = text.find('\n', begin);
        if (end == std::string_view::npos) {
            lines.push_back(text.substr(begin));
            break;
        }
        lines.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return lines;
}

struct DiffLine {
    char mark; // ' ', '-', '+'
    std::string_view text;
};

// The middle part (no common head or tail) as an LCS alignment.
void diff_middle(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                 std::vector<DiffLine>& out) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    if (n * m > k_max_diff_cells) {
        for (auto line : a) {
            out.push_back({'-', line});
        }
        for (auto line : b) {
            out.push_back({'+', line});
        }
        return;
    }
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [m](std::size_t i, std::size_t j) { return i * (m + 1) + j; };
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            lcs[at(i, j)] = a[i] == b[j] ? lcs[at(i + 1, j + 1)] + 1
                                         : std::max(lcs[at(i + 1, j)], lcs[at(i, j + 1)]);
        }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            out.push_back({' ', a[i]});
            ++i;
            ++j;
        } else if (j < m && (i == n || lcs[at(i, j + 1)] > lcs[at(i + 1, j)])) {
            out.push_back({'+', b[j]});
            ++j;
        } else {
            out.push_back({'-', a[i]});
            ++i;
        }
    }
}

} // namespace

std::string line_diff(std::string_view expected, std::string_view actual, std::size_t context) {
    if (expected == actual) {
        return "";
    }
    const auto a = lines_of(expected);
    const auto b = lines_of(actual);
    std::size_t head = 0;
    while (head < a.size() && head < b.size() && a[head] == b[head]) {
        ++head;
    }
    std::size_t tail = 0;
    while (tail < a.size() - head && tail < b.size() - head &&
           a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
        ++tail;
    }
    std::vector<DiffLine> lines;
    for (std::size_t i = 0; i < head; ++i) {
        lines.push_back({' ', a[i]});
    }
    diff_middle({a.begin() + head, a.end() - tail}, {b.begin() + head, b.end() - tail}, lines);
    for (std::size_t i = a.size() - tail; i < a.size(); ++i) {
        lines.push_back({' ', a[i]});
    }
    if (std::none_of(lines.begin(), lines.end(), [](const DiffLine& l) { return l.mark != ' '; })) {
        // The texts differ only in a final newline.
        lines.push_back({'-', "(no newline at the end)"});
    }

    std::string out = "--- expected\n+++ actual\n";
    std::size_t k = 0;
    while (k < lines.size()) {
        if (lines[k].mark != ' ') {
            out += lines[k].mark;
            out += ' ';
            out += lines[k].text;
            out += '\n';
            ++k;
            continue;
        }
        std::size_t end = k;
        while (end < lines.size() && lines[end].mark == ' ') {
            ++end;
        }
        const std::size_t run = end - k;
        const bool at_start = k == 0;
        const bool at_end = end == lines.size();
        const std::size_t keep_before = at_start ? 0 : context;
        const std::size_t keep_after = at_end ? 0 : context;
        if (run > keep_before + keep_after) {
            for (std::size_t i = k; i < k + keep_before; ++i) {
                out += "  " + std::string(lines[i].text) + "\n";
            }
            out += "  ...\n";
            for (std::size_t i = end - keep_after; i < end; ++i) {
                out += "  " + std::string(lines[i].text) + "\n";
            }
        } else {
            for (std::size_t i = k; i < end; ++i) {
                out += "  " + std::string(lines[i].text) + "\n";
            }
        }
        k = end;
    }
    return out;
}

std::string json_diff(const nlohmann::json& expected, const nlohmann::json& actual) {
    const auto pretty = [](const nlohmann::json& value) {
        return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    };
    return line_diff(pretty(expected), pretty(actual));
}

std::string short_json(const nlohmann::json& value, std::size_t limit) {
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > limit) {
        text.resize(limit);
        text += "...";
    }
    return text;
}

} // namespace lambda_local::runtime::testing
