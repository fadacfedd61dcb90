// `lambda-local generate-event`: print a sample event of an AWS service on stdout.
#include "cmd/commands.hpp"
#include "runtime/sample_events/sample_events.hpp"
#include "runtime/util/error.hpp"

#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

namespace lambda_local::cmd {

Runner add_generate_event(CLI::App& app) {
    namespace events = runtime::events;
    auto* sub = app.add_subcommand(
        "generate-event", "Print a sample event of an AWS service, with fresh ids and times");
    auto service = std::make_shared<std::string>();
    auto event = std::make_shared<std::string>();
    auto* service_option = sub->add_option("service", *service, "The service (see --list)");
    auto* event_option = sub->add_option("event", *event, "The event (see --list)");
    auto* list =
        sub->add_flag("--list")->description("List the events: SERVICE EVENT and what it is");
    std::vector<std::pair<std::string, CLI::Option*>> options;
    for (const events::SampleEventOption& o : events::sample_event_options()) {
        auto* option = sub->add_option("--" + std::string(o.name))
                           ->description(std::string(o.help))
                           ->type_name(std::string(o.value_name));
        options.emplace_back(o.name, option);
    }
    sub->footer("Each option applies to the events its help names; defaults in parentheses. "
                "Example: lambda-local generate-event s3 put --bucket photos --key a.jpg | "
                "lambda-local invoke -l ./libhandler.so -e -");

    return [service, event, service_option, event_option, list, options]() {
        if (list->count() > 0) {
            std::fputs(events::format_sample_event_list().c_str(), stdout);
            return 0;
        }
        if (service_option->count() == 0 || event_option->count() == 0) {
            throw Error("generate-event needs SERVICE and EVENT (see --list)");
        }
        events::SampleEventOptions values;
        for (const auto& [name, option] : options) {
            if (option->count() > 0) {
                values[name] = option->as<std::string>();
            }
        }
        const std::string text =
            events::generate_sample_event(*service, *event, values).dump(2) + "\n";
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    };
}

} // namespace lambda_local::cmd
