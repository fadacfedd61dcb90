// The variables of serverless.yml: ${opt:...}, ${env:...}, ${self:...}, ${sls:stage}, ...
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/config/yaml_document.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lambda_local::runtime::config {

// Resolves the Serverless Framework's variables where the loader reads a value. A variable is
// `${source:address}` with fallbacks after commas: `${opt:stage, 'dev'}`,
// `${env:TABLE, self:custom.table}`, `${opt:stage, ${self:custom.default}}`. Sources: opt (the
// options given: stage, region, ...), env (the process environment, when
// ProjectOptions::inherit_process_environment), self (a path into the file: custom.x,
// provider.stage, custom.list.0), sls:stage, aws:region, aws:accountId. A value that is one
// `${self:...}` may be a mapping or a list; several variables and text in one string are
// joined. A variable that resolves to nothing and has no fallback is an Error at its line:
// "serverless.yml:12: cannot resolve ${env:API_KEY}: the environment variable API_KEY is not
// set, and there is no default".
class ServerlessVariables {
  public:
    ServerlessVariables(const YamlDocument& doc, const ProjectOptions& options);

    // The stage: --stage (options.opt["stage"]), else provider.stage, else "dev".
    const std::string& stage() const { return m_stage; }
    // The region: --region, else provider.region, else "us-east-1".
    const std::string& region() const { return m_region; }

    // `node`, or the node that a value made of one `${self:...}` names (followed repeatedly).
    YAML::Node select(const YAML::Node& node) const;
    // The text of a scalar with its variables replaced; nothing for a null value.
    // A mapping or a list is an Error "<file>:<line>: <what> must be a string, not a mapping".
    std::optional<std::string> text(const YAML::Node& node, std::string_view what) const;

  private:
    struct Resolved;

    std::optional<std::string> interpolate_text(const std::string& text, const YAML::Mark& at,
                                                int depth) const;
    std::optional<Resolved> interpolate(const std::string& text, const YAML::Mark& at,
                                        int depth) const;
    std::optional<Resolved> resolve(std::string_view expression, const YAML::Mark& at, int depth,
                                    std::string& why) const;
    std::optional<Resolved> resolve_source(std::string_view variable, int depth,
                                           std::string& why) const;
    std::optional<std::string> resolved_text(const Resolved& value, std::string_view variable,
                                             const YAML::Mark& at, int depth) const;
    YAML::Node select(const YAML::Node& node, int depth) const;

    const YamlDocument& m_doc;
    const ProjectOptions& m_options;
    std::string m_stage;
    std::string m_region;
    // Texts with variables interpolated so far, to bound the work a file can ask for.
    mutable std::size_t m_interpolations = 0;
};

} // namespace lambda_local::runtime::config
