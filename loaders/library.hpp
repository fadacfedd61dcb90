// An owned dlopen handle.
#pragma once

#include <string>

namespace lambda_local::loaders {

// A shared object opened with dlopen(RTLD_NOW | RTLD_LOCAL), closed on destruction.
class Library {
  public:
    Library() = default;
    explicit Library(void* handle) : m_handle(handle) {}
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;
    Library(Library&& other) noexcept : m_handle(other.m_handle) { other.m_handle = nullptr; }
    Library& operator=(Library&&) = delete;
    ~Library();

    // The address of an exported symbol, or nullptr.
    void* symbol(const std::string& name) const;
    explicit operator bool() const { return m_handle != nullptr; }

  private:
    void* m_handle = nullptr;
};

} // namespace lambda_local::loaders
