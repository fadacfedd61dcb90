// CloudFormation's intrinsic functions, pseudo parameters, Parameters and Conditions, as far as
// a template resolves without AWS.
#pragma once

#include "runtime/config/project.hpp"
#include "runtime/config/yaml_document.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lambda_local::runtime::config {

// AWS::StackName of a local run, as SAM CLI's `sam local` gives it.
inline constexpr const char* k_stack_name = "local";

// Resolves the values of a SAM template: short tags (!Ref, !Sub, ...) and long forms (Ref,
// Fn::Sub, ...) of Ref, Fn::Sub, Fn::GetAtt (a function's Arn), Fn::Join, Fn::Select,
// Fn::Split, Fn::FindInMap, Fn::Base64, Fn::If with Conditions (Fn::Equals, Fn::Not, Fn::And,
// Fn::Or, Condition), and the pseudo parameters. Values are resolved where the loader reads
// them, so an intrinsic in a property lambda-local ignores is never evaluated. Every error
// names the file and line.
class Intrinsics {
  public:
    // Reads Parameters (with `options.parameter_overrides`, an Error for an unknown name or a
    // value outside AllowedValues), Mappings, Conditions and Resources of `doc`. The region
    // is options.opt["region"], else us-east-1.
    Intrinsics(const YamlDocument& doc, const ProjectOptions& options);

    const YamlDocument& document() const { return m_doc; }
    // The region AWS::Region gives.
    const std::string& region() const { return m_region; }

    // `node` with each Fn::If decided; nothing when it comes to AWS::NoValue.
    std::optional<YAML::Node> select(const YAML::Node& node) const;
    // The string a scalar or an intrinsic gives; nothing for AWS::NoValue. A mapping or a list
    // is an Error: "<file>:<line>: <what> must be a string, not a mapping".
    std::optional<std::string> text(const YAML::Node& node, std::string_view what) const;
    // The strings of a list (each item resolved, AWS::NoValue items dropped), or of an intrinsic
    // that gives a list (Fn::Split, a CommaDelimitedList parameter). Anything else is an Error.
    std::vector<std::string> list(const YAML::Node& node, std::string_view what) const;
    // Whether the condition `name` of Conditions holds; `at` places an error.
    bool condition(const std::string& name, const YAML::Mark& at) const;

    // The resource `logical_id` (its key and body), or nothing.
    std::optional<Entry> resource(std::string_view logical_id) const;
    // The Type of a resource ("" when it has none or it does not exist).
    std::string resource_type(std::string_view logical_id) const;
    // The Lambda name of a function resource: its FunctionName, else its logical id.
    std::string function_name(const std::string& logical_id) const;

  private:
    struct Value;
    struct Call;
    struct Parameter {
        std::optional<std::string> value;
        bool is_list = false;
        YAML::Node key; // where it is defined
        std::optional<YAML::Node> allowed_values;
    };

    static std::optional<Call> call_of(const YAML::Node& node, bool ignore_tag);
    std::optional<Value> evaluate(const YAML::Node& node, bool ignore_tag) const;
    std::optional<Value> evaluate_call(const Call& call) const;
    Value ref(const std::string& name, const YAML::Mark& at) const;
    std::string get_att(const std::string& resource, const std::string& attribute,
                        const YAML::Mark& at) const;
    std::string sub(const Call& call) const;
    bool evaluate_condition(const YAML::Node& node, int depth) const;
    std::string required_text(const YAML::Node& node, std::string_view what) const;
    std::vector<YAML::Node> arguments(const Call& call, std::size_t count) const;

    const YamlDocument& m_doc;
    std::string m_region;
    std::map<std::string, Parameter, std::less<>> m_parameters;
    YAML::Node m_mappings;
    YAML::Node m_conditions;
    YAML::Node m_resources;
    mutable std::map<std::string, bool, std::less<>> m_condition_values;
    mutable std::map<std::string, std::string, std::less<>> m_function_names;
    mutable std::set<std::string, std::less<>> m_resolving; // against circular references
    mutable int m_depth = 0;                                // against recursive aliases
};

} // namespace lambda_local::runtime::config
