// An environment variable set once per invocation (_X_AMZN_TRACE_ID), without growing memory.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local {

// One environment variable whose value changes often, kept in storage of its own. setenv()
// copies every new value and never frees the old ones (glibc keeps them, since a getenv()
// pointer may still be held): a unique value per invocation grew a handler process by about
// 140 MB per million invocations. Here the entry points at this object's buffer, rewritten in
// place. Not thread-safe, like setenv(); keep the object alive while the variable is set.
class EnvironmentSlot {
  public:
    // Values longer than this are cut (X-Ray trace headers are far shorter).
    static constexpr std::size_t k_capacity = 1024;

    explicit EnvironmentSlot(std::string name);
    EnvironmentSlot(const EnvironmentSlot&) = delete;
    EnvironmentSlot& operator=(const EnvironmentSlot&) = delete;
    ~EnvironmentSlot(); // unsets the variable if it still points here

    // Sets the variable to `value`.
    void set(std::string_view value);
    // Removes the variable.
    void clear();

  private:
    bool installed() const; // the environment's entry is this buffer
    std::string m_name;
    std::unique_ptr<char[]> m_entry; // "NAME=value\0"
};

} // namespace lambda_local
