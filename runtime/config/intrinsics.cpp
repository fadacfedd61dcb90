// CloudFormation intrinsic functions of SAM templates, resolved locally.
#include "runtime/config/intrinsics.hpp"

#include "runtime/config/api_builder.hpp"
#include "runtime/function/function_spec.hpp"
#include "runtime/util/encoding.hpp"
#include "runtime/util/text.hpp"

#include <algorithm>
#include <array>

namespace lambda_local::runtime::config {

// What an intrinsic function or a plain node gives.
struct Intrinsics::Value {
    enum class Kind { Text, List, Map };
    Kind kind = Kind::Text;
    std::string text;
    std::vector<std::string> items;
};

// An intrinsic function as written: `!Sub x` (short form) or `Fn::Sub: x` (long form).
struct Intrinsics::Call {
    std::string name; // "Ref", "Condition" or "Fn::<Name>"
    YAML::Node arg;   // the argument; in the short form, the tagged node itself
    bool short_form = false;
    YAML::Mark mark;
};

namespace {

constexpr int k_max_intrinsic_depth = 64;

// Functions CloudFormation has and lambda-local cannot resolve without AWS.
constexpr std::array<std::string_view, 7> k_unsupported = {
    "Fn::GetAZs",       "Fn::ImportValue", "Fn::Cidr",   "Fn::Transform",
    "Fn::ToJsonString", "Fn::Length",      "Fn::ForEach"};

std::string partition(const std::string& region) {
    if (region.starts_with("cn-")) {
        return "aws-cn";
    }
    if (region.starts_with("us-gov-")) {
        return "aws-us-gov";
    }
    return "aws";
}

std::vector<std::string> split(std::string_view text, std::string_view separator) {
    std::vector<std::string> items;
    while (true) {
        std::size_t at = text.find(separator);
        items.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return items;
        }
        text.remove_prefix(at + separator.size());
    }
}

// Counts the nesting of evaluations, against recursive aliases (`&a [*a]`).
class DepthGuard {
  public:
    DepthGuard(int& depth, const YamlDocument& doc, const YAML::Node& node) : m_depth(depth) {
        if (++m_depth > k_max_intrinsic_depth) {
            --m_depth;
            throw doc.error(node, "intrinsic functions nested too deeply (a recursive alias?)");
        }
    }
    ~DepthGuard() { --m_depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

  private:
    int& m_depth;
};

} // namespace

Intrinsics::Intrinsics(const YamlDocument& doc, const ProjectOptions& options) : m_doc(doc) {
    auto region = options.opt.find("region");
    m_region =
        region != options.opt.end() && !region->second.empty() ? region->second : "us-east-1";
    const YAML::Node& root = doc.root();
    if (std::optional<YAML::Node> parameters = find(root, "Parameters")) {
        if (!parameters->IsMap()) {
            throw doc.error(*parameters,
                            "Parameters must be a mapping, not " + describe_type(*parameters));
        }
        for (const auto& entry : *parameters) {
            const std::string& name = entry.first.Scalar();
            if (!entry.second.IsMap()) {
                throw doc.error(entry.first, "parameter '" + name + "' must be a mapping");
            }
            Parameter parameter;
            parameter.key = entry.first;
            parameter.allowed_values = find(entry.second, "AllowedValues");
            if (std::optional<YAML::Node> type = find(entry.second, "Type");
                type && type->IsScalar()) {
                const std::string& text = type->Scalar();
                parameter.is_list = text == "CommaDelimitedList" || text.starts_with("List<") ||
                                    text.find("<List<") != std::string::npos;
            }
            if (std::optional<YAML::Node> value = find(entry.second, "Default")) {
                if (value->IsScalar()) {
                    parameter.value = value->Scalar();
                } else if (value->IsSequence()) {
                    std::vector<std::string> items;
                    for (const auto& item : *value) {
                        items.push_back(item.IsScalar() ? item.Scalar() : "");
                    }
                    parameter.value = join(items, ",");
                } else if (!value->IsNull()) {
                    throw doc.error(*value, "the Default of parameter '" + name +
                                                "' must be a string, not " + describe_type(*value));
                }
            }
            m_parameters[name] = std::move(parameter);
        }
    }
    for (const auto& [name, value] : options.parameter_overrides) {
        auto found = m_parameters.find(name);
        if (found == m_parameters.end()) {
            std::vector<std::string> names;
            for (const auto& [known, unused] : m_parameters) {
                names.push_back(known);
            }
            throw Error("--parameter-overrides: " + doc.path() + " has no parameter '" + name +
                        "'" +
                        (names.empty() ? "" : " (its parameters: " + join(names, ", ") + ")"));
        }
        found->second.value = value;
    }
    for (const auto& [name, parameter] : m_parameters) {
        const std::optional<YAML::Node>& allowed = parameter.allowed_values;
        if (!parameter.value || !allowed || !allowed->IsSequence()) {
            continue;
        }
        std::vector<std::string> values;
        for (const auto& item : *allowed) {
            values.push_back(item.IsScalar() ? item.Scalar() : "");
        }
        if (std::find(values.begin(), values.end(), *parameter.value) == values.end()) {
            throw doc.error(parameter.key, "parameter '" + name + "' is '" + *parameter.value +
                                               "', not one of its AllowedValues (" +
                                               join(values, ", ") + ")");
        }
    }
    // YAML::Node's operator= writes through to the node it refers to: rebind with reset().
    m_mappings.reset(find(root, "Mappings").value_or(YAML::Node()));
    m_conditions.reset(find(root, "Conditions").value_or(YAML::Node()));
    m_resources.reset(find(root, "Resources").value_or(YAML::Node()));
}

std::optional<Intrinsics::Call> Intrinsics::call_of(const YAML::Node& node, bool ignore_tag) {
    const std::string& tag = node.Tag();
    if (!ignore_tag && tag.size() > 1 && tag.front() == '!') {
        std::string name = tag.substr(1);
        if (name != "Ref" && name != "Condition") {
            name = "Fn::" + name;
        }
        return Call{name, node, true, node.Mark()};
    }
    if (node.IsMap() && node.size() == 1) {
        auto entry = *node.begin();
        if (entry.first.IsScalar()) {
            const std::string& key = entry.first.Scalar();
            if (key == "Ref" || key.starts_with("Fn::")) {
                return Call{key, entry.second, false, node.Mark()};
            }
        }
    }
    return std::nullopt;
}

std::optional<YAML::Node> Intrinsics::select(const YAML::Node& node) const {
    YAML::Node current = node;
    for (int i = 0; i < k_max_intrinsic_depth; ++i) {
        std::optional<Call> call = call_of(current, false);
        if (!call) {
            return current;
        }
        if (call->name == "Ref" && call->arg.IsScalar() && call->arg.Scalar() == "AWS::NoValue") {
            return std::nullopt;
        }
        if (call->name != "Fn::If") {
            return current;
        }
        std::vector<YAML::Node> args = arguments(*call, 3);
        current.reset(condition(required_text(args[0], "the condition of Fn::If"), args[0].Mark())
                          ? args[1]
                          : args[2]);
    }
    throw m_doc.error(node, "Fn::If nested too deeply");
}

std::optional<std::string> Intrinsics::text(const YAML::Node& node, std::string_view what) const {
    std::optional<Value> value = evaluate(node, false);
    if (!value) {
        return std::nullopt;
    }
    if (value->kind != Value::Kind::Text) {
        throw m_doc.error(node, std::string(what) + " must be a string, not " +
                                    (value->kind == Value::Kind::Map ? "a mapping" : "a list"));
    }
    return value->text;
}

std::vector<std::string> Intrinsics::list(const YAML::Node& node, std::string_view what) const {
    std::optional<Value> value = evaluate(node, false);
    if (!value) {
        return {};
    }
    if (value->kind != Value::Kind::List) {
        throw m_doc.error(node, std::string(what) + " must be a list, not " +
                                    (value->kind == Value::Kind::Map ? std::string("a mapping")
                                                                     : "'" + value->text + "'"));
    }
    return value->items;
}

std::string Intrinsics::required_text(const YAML::Node& node, std::string_view what) const {
    std::optional<std::string> value = text(node, what);
    if (!value) {
        throw m_doc.error(node, std::string(what) + " is AWS::NoValue");
    }
    return *value;
}

std::vector<YAML::Node> Intrinsics::arguments(const Call& call, std::size_t count) const {
    if (!call.arg.IsSequence() || call.arg.size() != count) {
        throw m_doc.error(call.mark,
                          call.name + " takes a list of " + std::to_string(count) + " values");
    }
    std::vector<YAML::Node> args;
    for (const auto& item : call.arg) {
        args.push_back(item);
    }
    return args;
}

std::optional<Intrinsics::Value> Intrinsics::evaluate(const YAML::Node& node,
                                                      bool ignore_tag) const {
    DepthGuard guard(m_depth, m_doc, node);
    if (std::optional<Call> call = call_of(node, ignore_tag)) {
        return evaluate_call(*call);
    }
    Value value;
    if (node.IsScalar()) {
        value.text = node.Scalar();
    } else if (node.IsSequence()) {
        value.kind = Value::Kind::List;
        for (const auto& item : node) {
            std::optional<Value> resolved = evaluate(item, false);
            if (!resolved) {
                continue;
            }
            if (resolved->kind != Value::Kind::Text) {
                throw m_doc.error(
                    item,
                    "a list item must be a string, not " +
                        std::string(resolved->kind == Value::Kind::Map ? "a mapping" : "a list"));
            }
            value.items.push_back(std::move(resolved->text));
        }
    } else if (node.IsMap()) {
        value.kind = Value::Kind::Map;
    }
    return value;
}

std::optional<Intrinsics::Value> Intrinsics::evaluate_call(const Call& call) const {
    const std::string& name = call.name;
    auto text_value = [](std::string text) {
        Value value;
        value.text = std::move(text);
        return value;
    };
    if (name == "Ref") {
        if (!call.arg.IsScalar() || call.arg.Scalar().empty()) {
            throw m_doc.error(call.mark, "Ref takes the name of a parameter or a resource");
        }
        if (call.arg.Scalar() == "AWS::NoValue") {
            return std::nullopt;
        }
        return ref(call.arg.Scalar(), call.mark);
    }
    if (name == "Fn::If") {
        std::vector<YAML::Node> args = arguments(call, 3);
        bool holds = condition(required_text(args[0], "the condition of Fn::If"), args[0].Mark());
        return evaluate(holds ? args[1] : args[2], false);
    }
    if (name == "Fn::Sub") {
        return text_value(sub(call));
    }
    if (name == "Fn::GetAtt") {
        std::string resource;
        std::string attribute;
        if (call.arg.IsScalar()) {
            const std::string& spelled = call.arg.Scalar();
            std::size_t dot = spelled.find('.');
            if (dot == std::string::npos) {
                throw m_doc.error(call.mark,
                                  "Fn::GetAtt takes 'Resource.Attribute', not '" + spelled + "'");
            }
            resource = spelled.substr(0, dot);
            attribute = spelled.substr(dot + 1);
        } else {
            std::vector<YAML::Node> args = arguments(call, 2);
            resource = required_text(args[0], "the resource of Fn::GetAtt");
            attribute = required_text(args[1], "the attribute of Fn::GetAtt");
        }
        return text_value(get_att(resource, attribute, call.mark));
    }
    if (name == "Fn::Join") {
        std::vector<YAML::Node> args = arguments(call, 2);
        return text_value(join(list(args[1], "the values of Fn::Join"),
                               required_text(args[0], "the delimiter of Fn::Join")));
    }
    if (name == "Fn::Select") {
        std::vector<YAML::Node> args = arguments(call, 2);
        std::string index_text = required_text(args[0], "the index of Fn::Select");
        std::vector<std::string> items = list(args[1], "the values of Fn::Select");
        std::optional<long long> index = parse_integer(index_text);
        if (!index || *index < 0 || static_cast<std::size_t>(*index) >= items.size()) {
            throw m_doc.error(args[0], "Fn::Select: index '" + index_text +
                                           "' is not within a list of " +
                                           std::to_string(items.size()) + " values");
        }
        return text_value(items[static_cast<std::size_t>(*index)]);
    }
    if (name == "Fn::Split") {
        std::vector<YAML::Node> args = arguments(call, 2);
        std::string separator = required_text(args[0], "the delimiter of Fn::Split");
        if (separator.empty()) {
            throw m_doc.error(args[0], "the delimiter of Fn::Split is empty");
        }
        Value value;
        value.kind = Value::Kind::List;
        value.items = split(required_text(args[1], "the string of Fn::Split"), separator);
        return value;
    }
    if (name == "Fn::FindInMap") {
        std::vector<YAML::Node> args = arguments(call, 3);
        YAML::Node node = m_mappings;
        std::string path;
        for (const YAML::Node& arg : args) {
            std::string key = required_text(arg, "a key of Fn::FindInMap");
            path += (path.empty() ? "" : " > ") + key;
            std::optional<YAML::Node> next = find(node, key);
            if (!next) {
                throw m_doc.error(arg, "Fn::FindInMap: Mappings has no " + path);
            }
            node.reset(*next);
        }
        return evaluate(node, false);
    }
    if (name == "Fn::Base64") {
        std::string text = call.short_form && call.arg.IsScalar() ? call.arg.Scalar() : [&] {
            std::optional<Value> value = evaluate(call.arg, call.short_form);
            if (!value || value->kind != Value::Kind::Text) {
                throw m_doc.error(call.mark, "Fn::Base64 takes a string");
            }
            return value->text;
        }();
        return text_value(base64_encode(text));
    }
    if (name == "Fn::Equals" || name == "Fn::Not" || name == "Fn::And" || name == "Fn::Or" ||
        name == "Condition") {
        throw m_doc.error(call.mark, name + " can only be used in Conditions");
    }
    if (std::find(k_unsupported.begin(), k_unsupported.end(), name) != k_unsupported.end()) {
        throw m_doc.error(call.mark, name + " is not supported by lambda-local");
    }
    if (call.short_form) {
        throw m_doc.error(call.mark, "unknown tag '!" + name.substr(4) + "'");
    }
    throw m_doc.error(call.mark, "unknown intrinsic function '" + name + "'");
}

Intrinsics::Value Intrinsics::ref(const std::string& name, const YAML::Mark& at) const {
    Value value;
    if (name == "AWS::Region") {
        value.text = m_region;
    } else if (name == "AWS::AccountId") {
        value.text = k_account_id;
    } else if (name == "AWS::StackName") {
        value.text = k_stack_name;
    } else if (name == "AWS::StackId") {
        value.text = "arn:" + partition(m_region) + ":cloudformation:" + m_region + ":" +
                     k_account_id + ":stack/" + k_stack_name +
                     "/51af3dc0-da77-11e4-872e-1234567db123";
    } else if (name == "AWS::Partition") {
        value.text = partition(m_region);
    } else if (name == "AWS::URLSuffix") {
        value.text = m_region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    } else if (name == "AWS::NotificationARNs") {
        value.kind = Value::Kind::List;
    } else if (auto parameter = m_parameters.find(name); parameter != m_parameters.end()) {
        if (!parameter->second.value) {
            throw m_doc.error(at, "parameter '" + name +
                                      "' has no Default and no value in --parameter-overrides");
        }
        if (parameter->second.is_list) {
            value.kind = Value::Kind::List;
            value.items = split(*parameter->second.value, ",");
        } else {
            value.text = *parameter->second.value;
        }
    } else if (std::string type = resource_type(name); !type.empty()) {
        if (type == "AWS::Serverless::Function") {
            value.text = function_name(name);
        } else if (type == "AWS::Serverless::Api" || type == "AWS::Serverless::HttpApi") {
            value.text = api_id(name);
        } else {
            value.text = name;
        }
    } else {
        throw m_doc.error(at, "Ref '" + name + "' names no parameter or resource of the template");
    }
    return value;
}

std::string Intrinsics::get_att(const std::string& resource, const std::string& attribute,
                                const YAML::Mark& at) const {
    std::string type = resource_type(resource);
    if (type.empty()) {
        throw m_doc.error(at, "Fn::GetAtt: the template has no resource '" + resource + "'");
    }
    if (type == "AWS::Serverless::Function" && attribute == "Arn") {
        FunctionSpec spec;
        spec.name = function_name(resource);
        spec.region = m_region;
        return spec.arn();
    }
    throw m_doc.error(at, "Fn::GetAtt '" + resource + "." + attribute +
                              "' cannot be resolved locally (lambda-local knows the Arn of an "
                              "AWS::Serverless::Function only)");
}

std::string Intrinsics::sub(const Call& call) const {
    std::string pattern;
    std::optional<YAML::Node> variables;
    if (call.arg.IsScalar()) {
        pattern = call.arg.Scalar();
    } else {
        std::vector<YAML::Node> args = arguments(call, 2);
        if (!args[0].IsScalar()) {
            throw m_doc.error(args[0], "the string of Fn::Sub must be a string");
        }
        pattern = args[0].Scalar();
        variables = args[1];
    }
    std::string out;
    for (std::size_t i = 0; i < pattern.size();) {
        if (pattern.compare(i, 2, "${") != 0) {
            out += pattern[i++];
            continue;
        }
        std::size_t close = pattern.find('}', i + 2);
        if (close == std::string::npos) {
            throw m_doc.error(call.mark, "Fn::Sub: '${' without '}' in '" + pattern + "'");
        }
        std::string name = pattern.substr(i + 2, close - i - 2);
        i = close + 1;
        if (name.starts_with('!')) {
            out += "${" + name.substr(1) + "}";
            continue;
        }
        name.erase(0, name.find_first_not_of(' '));
        name.erase(name.find_last_not_of(' ') + 1);
        if (std::optional<YAML::Node> given = variables ? find(*variables, name) : std::nullopt) {
            out += text(*given, "the Fn::Sub variable '" + name + "'").value_or("");
        } else if (std::size_t dot = name.find('.'); dot != std::string::npos) {
            out += get_att(name.substr(0, dot), name.substr(dot + 1), call.mark);
        } else {
            Value value = ref(name, call.mark);
            if (value.kind != Value::Kind::Text) {
                throw m_doc.error(call.mark, "Fn::Sub: '${" + name + "}' is a list");
            }
            out += value.text;
        }
    }
    return out;
}

bool Intrinsics::condition(const std::string& name, const YAML::Mark& at) const {
    if (auto known = m_condition_values.find(name); known != m_condition_values.end()) {
        return known->second;
    }
    std::optional<YAML::Node> definition = find(m_conditions, name);
    if (!definition) {
        throw m_doc.error(at, "no condition '" + name + "' in Conditions");
    }
    std::string guard = "condition:" + name;
    if (!m_resolving.insert(guard).second) {
        throw m_doc.error(*definition, "condition '" + name + "' refers to itself");
    }
    bool holds = evaluate_condition(*definition, 0);
    m_resolving.erase(guard);
    m_condition_values[name] = holds;
    return holds;
}

bool Intrinsics::evaluate_condition(const YAML::Node& node, int depth) const {
    if (depth > k_max_intrinsic_depth) {
        throw m_doc.error(node, "a condition nested too deeply");
    }
    if (std::optional<YAML::Node> name =
            node.IsMap() && node.size() == 1 ? find(node, "Condition") : std::nullopt) {
        return condition(required_text(*name, "Condition"), name->Mark());
    }
    std::optional<Call> call = call_of(node, false);
    if (call && call->name == "Condition" && call->arg.IsScalar()) {
        return condition(call->arg.Scalar(), call->mark);
    }
    if (call && call->name == "Fn::Equals") {
        std::vector<YAML::Node> args = arguments(*call, 2);
        auto side = [&](const YAML::Node& arg) {
            std::optional<Value> value = evaluate(arg, false);
            return !value                             ? std::string()
                   : value->kind == Value::Kind::List ? join(value->items, ",")
                                                      : value->text;
        };
        return side(args[0]) == side(args[1]);
    }
    if (call && call->name == "Fn::Not") {
        std::vector<YAML::Node> args = arguments(*call, 1);
        return !evaluate_condition(args[0], depth + 1);
    }
    if (call && (call->name == "Fn::And" || call->name == "Fn::Or")) {
        if (!call->arg.IsSequence() || call->arg.size() < 2) {
            throw m_doc.error(call->mark, call->name + " takes a list of 2 to 10 conditions");
        }
        bool all = call->name == "Fn::And";
        for (const auto& item : call->arg) {
            if (evaluate_condition(item, depth + 1) != all) {
                return !all;
            }
        }
        return all;
    }
    throw m_doc.error(node, "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or "
                            "Condition");
}

std::optional<Entry> Intrinsics::resource(std::string_view logical_id) const {
    return find_entry(m_resources, logical_id);
}

std::string Intrinsics::resource_type(std::string_view logical_id) const {
    std::optional<Entry> entry = resource(logical_id);
    if (!entry) {
        return "";
    }
    std::optional<YAML::Node> type = find(entry->value, "Type");
    return type && type->IsScalar() ? type->Scalar() : "";
}

std::string Intrinsics::function_name(const std::string& logical_id) const {
    if (auto known = m_function_names.find(logical_id); known != m_function_names.end()) {
        return known->second;
    }
    std::optional<Entry> entry = resource(logical_id);
    std::string name = logical_id;
    if (entry) {
        std::optional<YAML::Node> properties = find(entry->value, "Properties");
        std::optional<YAML::Node> given =
            properties ? find(*properties, "FunctionName") : std::nullopt;
        if (given) {
            std::string guard = "function:" + logical_id;
            if (!m_resolving.insert(guard).second) {
                throw m_doc.error(*given,
                                  "the FunctionName of '" + logical_id + "' refers to itself");
            }
            std::optional<std::string> text_value = text(*given, "FunctionName");
            m_resolving.erase(guard);
            if (text_value) {
                name = *text_value;
            }
        }
    }
    m_function_names[logical_id] = name;
    return name;
}

} // namespace lambda_local::runtime::config
