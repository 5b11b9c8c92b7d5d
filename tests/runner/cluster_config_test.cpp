// Tests of the cluster file loader (runner/cluster_config.h): a good file
// loads with every setting, and each kind of mistake is an error that names
// the line and key path.
#include <doctest/doctest.h>

#include <string>

#include "runner/cluster_config.h"

namespace bftsim::runner::test_runner_cluster_config_test {
namespace {

const std::string key_a = std::string(63, '0') + "1";
const std::string key_b = std::string(63, '0') + "2";

std::string four_replicas(const std::string& extra = "") {
  std::string text = "chain_id: test\nfaulty: 1\n" + extra + "replicas:\n";
  for (int id = 0; id < 4; ++id)
    text += "  - {id: " + std::to_string(id) + ", address: 127.0.0.1:" + std::to_string(7000 + id) +
            ", client_port: " + std::to_string(7100 + id) + ", public_key: " + (id % 2 ? key_b : key_a) + "}\n";
  return text;
}

std::string error_of(const std::string& text) {
  auto loaded = parse_cluster_config(text, "c.yaml");
  REQUIRE_FALSE(loaded);
  return loaded.error().message;
}

}  // namespace

TEST_CASE("cluster_config: a full file loads") {
  // Goal: every key reaches the ReplicaConfig under the scenario's names.
  auto loaded = parse_cluster_config(four_replicas("protocol:\n  batch_size: 250\n  view_timeout: 1.5s\n"
                                                   "  view_timeout_max: 20s\n  timeout_multiplier: 1.5\n"
                                                   "  vote_to: next_leader\n  block_retention: 64\n  commit_rule: two_chain\n"),
                                     "c.yaml");
  REQUIRE(loaded);
  CHECK(loaded->replica_count() == 4);
  CHECK(loaded->replicas[2].host == "127.0.0.1");
  CHECK(loaded->replicas[2].port == 7002);
  CHECK(loaded->replicas[3].client_port == 7103);
  CHECK(loaded->replicas[1].public_key.bytes[31] == 2);
  const ReplicaConfig config = loaded->replica_config(2);
  CHECK(config.index == 2);
  CHECK(config.replica_count == 4);
  CHECK(config.faulty_max == 1);
  CHECK(config.chain_id == "test");
  CHECK(config.batch_size == 250);
  CHECK(config.view_timeout == 1'500'000'000);
  CHECK(config.view_timeout_max == 20'000'000'000);
  CHECK(config.timeout_multiplier == 1.5);
  CHECK_FALSE(config.vote_to_all);
  CHECK(config.block_retention == 64);
  CHECK(config.commit_rule == CommitRule::two_chain);
  CHECK(config.require_client_signatures);
  // The default is the scenario's.
  auto plain = parse_cluster_config(four_replicas(), "c.yaml");
  REQUIRE(plain);
  CHECK(plain->replica_config(0).commit_rule == CommitRule::three_chain);
}

TEST_CASE("cluster_config: mistakes name the place") {
  CHECK(error_of(four_replicas("bogus: 1\n")).find("c.yaml:3:1: bogus: unknown key") == 0);
  CHECK(error_of(four_replicas("protocol:\n  batch_size: 0\n")).find("protocol.batch_size: 0 is outside 1 .. 4096") !=
        std::string::npos);
  CHECK(error_of(four_replicas("protocol:\n  view_timeout: 10\n")).find("not a duration") != std::string::npos);
  CHECK(error_of(four_replicas("protocol:\n  commit_rule: one_chain\n"))
            .find("protocol.commit_rule: 'one_chain' is not three_chain or two_chain") != std::string::npos);
  std::string bad_key = four_replicas();
  bad_key.replace(bad_key.find(key_b), 3, "xyz");
  CHECK(error_of(bad_key).find("replicas[1].public_key: not a hex digit") != std::string::npos);
  std::string duplicate = four_replicas();
  duplicate.replace(duplicate.find("id: 3"), 5, "id: 2");
  CHECK(error_of(duplicate).find("replicas[3].id: id 2 listed twice") != std::string::npos);
  std::string no_port = four_replicas();
  no_port.replace(no_port.find("127.0.0.1:7001"), 14, "127.0.0.1");
  CHECK(error_of(no_port).find("replicas[1].address") != std::string::npos);
  std::string too_faulty = four_replicas();
  too_faulty.replace(too_faulty.find("faulty: 1"), 9, "faulty: 2");
  CHECK(error_of(too_faulty).find("need replicas >= 3*faulty+1 = 7") != std::string::npos);
  CHECK(error_of("faulty: 0\n").find("replicas: missing") != std::string::npos);
  // One replica would be a quorum by itself (its own vote certifies at once).
  CHECK(error_of("faulty: 0\nreplicas:\n  - {id: 0, address: 127.0.0.1:7000, client_port: 7100, public_key: " + key_a +
                 "}\n")
            .find("c.yaml:3:3: replicas: a lone replica's own vote is a quorum") == 0);
  CHECK(error_of("faulty: [\n").find("c.yaml:") == 0);
}

TEST_CASE("cluster_config: durations") {
  CHECK(parse_duration_ns("500ms").value() == 500'000'000);
  CHECK(parse_duration_ns("1.5s").value() == 1'500'000'000);
  CHECK(parse_duration_ns("250us").value() == 250'000);
  CHECK(parse_duration_ns("7ns").value() == 7);
  CHECK_FALSE(parse_duration_ns("0.5ns"));
  CHECK_FALSE(parse_duration_ns("5"));
  CHECK_FALSE(parse_duration_ns("-5s"));
  CHECK_FALSE(parse_duration_ns("5m"));
  CHECK_FALSE(parse_duration_ns("1.2.3s"));
}

}  // namespace bftsim::runner::test_runner_cluster_config_test
