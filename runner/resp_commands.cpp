// The RESP door's command table (resp_commands.h).
#include "runner/resp_commands.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include <limits>

#include "core/codec/limits.h"
#include "core/kv/state_machine.h"
#include "runner/resp_reader.h"

namespace bftsim::runner {
namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

RespAction reply(std::string text) { return RespAction{std::move(text), std::nullopt}; }
RespAction plan(RespRender render, std::vector<Operation> ops) {
  return RespAction{std::nullopt, RespPlan{render, std::move(ops), {}}};
}

RespAction wrong_arity(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return reply(resp::error(fmt::format("ERR wrong number of arguments for '{}' command", lower)));
}

Operation get_op(const std::string& key) { return Operation{OpType::get, key, {}, {}, {}}; }

// A key or value past the codec's limits would be dropped by every replica.
std::optional<std::string> size_problem(const std::vector<std::string>& args, bool values_at_even) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const bool is_value = values_at_even && i % 2 == 0;
    const std::size_t limit = is_value ? value_size_bytes_max : key_size_bytes_max;
    if (args[i].size() > limit)
      return resp::error(fmt::format("ERR {} of {} bytes exceeds {}", is_value ? "value" : "key", args[i].size(), limit));
  }
  return std::nullopt;
}

}  // namespace

RespAction plan_command(const std::vector<std::string>& args) {
  const std::string name = upper(args.at(0));
  const std::size_t argc = args.size();
  if (name == "PING") {
    if (argc == 1) return reply(resp::simple("PONG"));
    if (argc == 2) return reply(resp::bulk(args[1]));
    return wrong_arity(name);
  }
  if (name == "ECHO") {  // redis-cli --pipe ends with one to find the last reply
    if (argc != 2) return wrong_arity(name);
    return reply(resp::bulk(args[1]));
  }
  if (name == "COMMAND") return reply(resp::array_header(0));  // redis-cli asks for command docs
  if (name == "CONFIG") {
    // redis-benchmark reads `save` and `appendonly` at start; we have neither.
    if (argc == 3 && upper(args[1]) == "GET") {
      const std::string parameter = args[2];
      if (parameter == "save") return reply(resp::array_header(2) + resp::bulk("save") + resp::bulk(""));
      if (parameter == "appendonly") return reply(resp::array_header(2) + resp::bulk("appendonly") + resp::bulk("no"));
      return reply(resp::array_header(0));
    }
    return reply(resp::error("ERR bftsim: only CONFIG GET is supported"));
  }
  if (name == "GET") {
    if (argc != 2) return wrong_arity(name);
    if (auto problem = size_problem(args, false)) return reply(*problem);
    return plan(RespRender::bulk_value, {get_op(args[1])});
  }
  if (name == "SET") {
    if (argc < 3) return wrong_arity(name);
    if (argc > 3) return reply(resp::error("ERR syntax error (bftsim: SET takes no options)"));
    if (auto problem = size_problem(args, true)) return reply(*problem);
    return plan(RespRender::ok, {Operation{OpType::put, args[1], args[2], {}, {}}});
  }
  if (name == "DEL" || name == "EXISTS" || name == "MGET") {
    if (argc < 2) return wrong_arity(name);
    if (auto problem = size_problem(args, false)) return reply(*problem);
    std::vector<Operation> ops;
    for (std::size_t i = 1; i < argc; ++i)
      ops.push_back(name == "DEL" ? Operation{OpType::del, args[i], {}, {}, {}} : get_op(args[i]));
    const RespRender render =
        name == "DEL" ? RespRender::count_ok : name == "EXISTS" ? RespRender::count_found : RespRender::values;
    return plan(render, std::move(ops));
  }
  if (name == "INCR" || name == "DECR" || name == "INCRBY" || name == "DECRBY") {
    const bool by = name.ends_with("BY");
    if (argc != (by ? 3u : 2u)) return wrong_arity(name);
    if (auto problem = size_problem(args, false)) return reply(*problem);
    std::string delta = by ? args[2] : "1";
    const std::optional<std::int64_t> parsed = parse_int64(delta);
    if (!parsed) return reply(resp::error("ERR value is not an integer or out of range"));
    if (name.starts_with("DECR")) {
      if (*parsed == std::numeric_limits<std::int64_t>::min())
        return reply(resp::error("ERR decrement would overflow"));
      delta = std::to_string(-*parsed);
    }
    return plan(RespRender::integer_value, {Operation{OpType::incr, args[1], delta, {}, {}}});
  }
  if (name == "APPEND") {
    if (argc != 3) return wrong_arity(name);
    if (auto problem = size_problem(args, true)) return reply(*problem);
    return plan(RespRender::integer_value, {Operation{OpType::append, args[1], args[2], {}, {}}});
  }
  if (name == "MSET") {
    if (argc < 3 || argc % 2 == 0) return wrong_arity(name);
    if ((argc - 1) / 2 > txn_entries_max)
      return reply(resp::error(fmt::format("ERR bftsim: MSET of more than {} keys", txn_entries_max)));
    if (auto problem = size_problem(args, true)) return reply(*problem);
    Operation txn{OpType::txn, {}, {}, {}, {}};
    for (std::size_t i = 1; i + 1 < argc; i += 2) txn.writes.push_back(TxnWrite{false, args[i], args[i + 1]});
    return plan(RespRender::ok, {std::move(txn)});
  }
  return reply(resp::error(fmt::format("ERR unknown command '{}'", args[0].substr(0, 64))));
}

RespAction plan_exec(const std::vector<RespPlan>& queued) {
  Operation txn{OpType::txn, {}, {}, {}, {}};
  std::vector<RespRender> renders;
  for (const RespPlan& queued_plan : queued) {
    for (const Operation& op : queued_plan.ops) {
      if (op.type == OpType::put) {
        txn.writes.push_back(TxnWrite{false, op.key, op.value});
      } else if (op.type == OpType::txn && op.conditions.empty()) {
        txn.writes.insert(txn.writes.end(), op.writes.begin(), op.writes.end());
      } else {
        return reply(resp::error("EXECABORT bftsim: only SET and MSET may be queued in MULTI"));
      }
    }
    renders.push_back(queued_plan.render);
  }
  if (txn.writes.size() > txn_entries_max)
    return reply(resp::error(fmt::format("EXECABORT bftsim: more than {} writes in one transaction", txn_entries_max)));
  if (txn.writes.empty()) {
    std::string out = resp::array_header(renders.size());
    for (std::size_t i = 0; i < renders.size(); ++i) out += resp::simple("OK");
    return reply(out);
  }
  return RespAction{std::nullopt, RespPlan{RespRender::exec, {std::move(txn)}, std::move(renders)}};
}

std::string render_reply(const RespPlan& plan, const std::vector<OpResult>& results) {
  switch (plan.render) {
    case RespRender::ok:
      for (const OpResult& result : results)
        if (result.status != ResultStatus::ok)
          return resp::error(fmt::format("ERR {}", result_status_name(result.status)));
      return resp::simple("OK");
    case RespRender::bulk_value:
      return results.at(0).value ? resp::bulk(*results[0].value) : resp::nil();
    case RespRender::count_ok:
    case RespRender::count_found: {
      long long count = 0;
      for (const OpResult& result : results) count += result.status == ResultStatus::ok ? 1 : 0;
      return resp::integer(count);
    }
    case RespRender::values: {
      std::string out = resp::array_header(results.size());
      for (const OpResult& result : results) out += result.value ? resp::bulk(*result.value) : resp::nil();
      return out;
    }
    case RespRender::integer_value: {
      const OpResult& result = results.at(0);
      if (result.status == ResultStatus::too_large) return resp::error("ERR string exceeds maximum allowed size");
      const std::optional<std::int64_t> value = result.value ? parse_int64(*result.value) : std::nullopt;
      if (result.status != ResultStatus::ok || !value) return resp::error("ERR value is not an integer or out of range");
      return resp::integer(*value);
    }
    case RespRender::exec: {
      if (results.at(0).status != ResultStatus::ok)
        return resp::error(fmt::format("EXECABORT {}", result_status_name(results[0].status)));
      std::string out = resp::array_header(plan.exec_renders.size());
      for (std::size_t i = 0; i < plan.exec_renders.size(); ++i) out += resp::simple("OK");
      return out;
    }
  }
  return resp::error("ERR internal");
}

}  // namespace bftsim::runner
