// The classic ABI: the return value is the result, 0 meaning success.
#include "loaders/classic.hpp"

#include <cstdint>

namespace lambda_local::loaders {
namespace {

using ClassicEntry = std::int32_t (*)(const char*, const char*);

class ClassicHandler final : public Handler {
  public:
    ClassicHandler(Library library, ClassicEntry entry)
        : m_library(std::move(library)), m_entry(entry) {}

    Outcome invoke(const std::string& event, const Context& context,
                   StreamOutput* /*stream: the classic ABI cannot stream*/) override {
        std::string context_json = context.to_json();
        std::int32_t status = m_entry(event.c_str(), context_json.c_str());
        Outcome outcome;
        if (status == 0) {
            outcome.payload = "0";
            return outcome;
        }
        outcome.ok = false;
        outcome.error = {"HandlerError", "handler returned " + std::to_string(status)};
        return outcome;
    }

  private:
    Library m_library;
    ClassicEntry m_entry;
};

} // namespace

std::unique_ptr<Handler> make_classic_handler(Library library, void* entry) {
    return std::make_unique<ClassicHandler>(std::move(library),
                                            reinterpret_cast<ClassicEntry>(entry));
}

} // namespace lambda_local::loaders
