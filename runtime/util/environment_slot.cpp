// An environment variable rewritten in place rather than through setenv().
#include "runtime/util/environment_slot.hpp"

#include <cstdlib>
#include <cstring>

namespace lambda_local {

EnvironmentSlot::EnvironmentSlot(std::string name)
    : m_name(std::move(name)), m_entry(new char[m_name.size() + 1 + k_capacity + 1]) {
    std::memcpy(m_entry.get(), m_name.data(), m_name.size());
    m_entry[m_name.size()] = '=';
    m_entry[m_name.size() + 1] = '\0';
}

EnvironmentSlot::~EnvironmentSlot() {
    if (installed()) {
        ::unsetenv(m_name.c_str());
    }
}

bool EnvironmentSlot::installed() const {
    return std::getenv(m_name.c_str()) == m_entry.get() + m_name.size() + 1;
}

void EnvironmentSlot::set(std::string_view value) {
    std::size_t size = value.size() < k_capacity ? value.size() : k_capacity;
    char* at = m_entry.get() + m_name.size() + 1;
    std::memcpy(at, value.data(), size);
    at[size] = '\0';
    // Once in place, later values need no call at all; the handler (or another setenv) may
    // have replaced the entry, and then it is put back.
    if (!installed()) {
        ::putenv(m_entry.get());
    }
}

void EnvironmentSlot::clear() {
    ::unsetenv(m_name.c_str());
}

} // namespace lambda_local
