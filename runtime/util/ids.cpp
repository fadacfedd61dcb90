// Random identifiers: a per-thread generator seeded from the kernel's random source.
#include "runtime/util/ids.hpp"

#include <pthread.h>
#include <sys/random.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>

namespace lambda_local {
namespace {

// The kernel's random bytes, or the library's where getrandom is missing.
void kernel_random(void* buffer, std::size_t size) {
    auto* bytes = static_cast<unsigned char*>(buffer);
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::getrandom(bytes + done, size - done, 0);
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (done < size) {
        std::random_device device;
        for (; done < size; ++done) {
            bytes[done] = static_cast<unsigned char>(device());
        }
    }
}

// Bumped in the child of every fork, so that a child never repeats its parent's sequence.
std::atomic<unsigned> g_fork_generation{0};

// xoshiro256** (Blackman and Vigna), seeded from the kernel once per thread and again after a
// fork: ids are made several times per request while serving, and a getrandom call for each
// cost a system call. These ids need to be unique, not secret.
class Generator {
  public:
    std::uint64_t next() {
        if (!m_seeded || m_generation != g_fork_generation.load(std::memory_order_relaxed)) {
            seed();
        }
        std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    void seed() {
        static std::once_flag registered;
        std::call_once(registered, [] {
            ::pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); });
        });
        m_generation = g_fork_generation.load(std::memory_order_relaxed);
        do {
            kernel_random(m_s, sizeof m_s);
        } while ((m_s[0] | m_s[1] | m_s[2] | m_s[3]) == 0); // the one state that never leaves 0
        m_seeded = true;
    }
    std::uint64_t m_s[4] = {};
    unsigned m_generation = 0;
    bool m_seeded = false;
};

void fill_random(void* buffer, std::size_t size) {
    thread_local Generator generator;
    auto* bytes = static_cast<unsigned char*>(buffer);
    while (size > 0) {
        std::uint64_t word = generator.next();
        std::size_t n = size < sizeof word ? size : sizeof word;
        std::memcpy(bytes, &word, n);
        bytes += n;
        size -= n;
    }
}

const char k_hex[] = "0123456789abcdef";

} // namespace

std::string random_hex(std::size_t count) {
    std::string bytes((count + 1) / 2, '\0');
    fill_random(bytes.data(), bytes.size());
    std::string out;
    out.reserve(count);
    for (unsigned char byte : bytes) {
        out += k_hex[byte >> 4];
        out += k_hex[byte & 0xf];
    }
    out.resize(count);
    return out;
}

std::string new_request_id() {
    std::array<unsigned char, 16> b{};
    fill_random(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40); // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80); // RFC 4122 variant
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += k_hex[b[i] >> 4];
        out += k_hex[b[i] & 0xf];
    }
    return out;
}

} // namespace lambda_local
