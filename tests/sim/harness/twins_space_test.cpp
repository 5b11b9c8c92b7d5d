// Tests of the Twins space (sim/harness/twins_space.h): the per-view family,
// the number of canonical scenarios against counts worked out by hand
// (Burnside's lemma over the 12 renamings for n = 4 with one twin), the
// enumeration against that count, and sampling, all for small R.
#include "sim/harness/twins_space.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "sim/harness/twins.h"
#include "sim/scenario/scenario_writer.h"

namespace bftsim::test_sim_harness_twins_space_test {
namespace {

TwinsSpace make(TwinsSpaceConfig config) {
  auto space = TwinsSpace::create(config);
  REQUIRE_MESSAGE(space.has_value(), space.error().message);
  return std::move(*space);
}

std::uint64_t count(const TwinsSpace& space, std::uint32_t views) {
  const auto total = space.canonical_count(views);
  REQUIRE(total.has_value());
  return static_cast<std::uint64_t>(*total);
}

// n = 4, one twin (replica 3, instances a and b): the instances 0 1 2 a b.
// Partitions into at most two groups: 1 + 15 = 16. With a group holding a
// quorum (3 distinct replicas; a and b count once), the 3 splits {x,y}|{z,a,b}
// drop out: 13. Choices per view: 4 leaders x 13 = 52.
//
// The renamings: S3 on the honest 0 1 2, times swapping a and b: 12. A
// choice is fixed when its leader and its partition are. Leaders fixed:
// 4 (identity on 0 1 2), 2 (a transposition: its fixed point and 3), 1 (a
// 3-cycle: only 3). Partitions fixed, of the 13, for (0 1):
//   {0 1 2 a b}, {2}|.., {a}|.., {b}|.., {2 a}|.., {2 b}|.., {a b}|..  = 7;
// for (0 1 2): {0 1 2 a b}, {a}|.., {b}|.., {a b}|.. = 4;
// for the swap a<->b alone: {0 1 2 a b}, {0}|.., {1}|.., {2}|.., {a b}|.. = 5;
// for (0 1) with the swap: {0 1 2 a b}, {2}|{0 1 a b}, {a b}|{0 1 2} = 3;
// for (0 1 2) with the swap: {0 1 2 a b}, {a b}|{0 1 2} = 2.
// So the fixed choices are 52; 2*7 = 14 (three of them); 1*4 = 4 (two);
// 4*5 = 20 (one); 2*3 = 6 (three); 1*2 = 2 (two), and over R views
//   count(R) = (52^R + 3*14^R + 2*4^R + 20^R + 3*6^R + 2*2^R) / 12:
//   R = 1: (52 + 42 + 8 + 20 + 18 + 4) / 12 = 144 / 12 = 12
//   R = 2: (2704 + 588 + 32 + 400 + 108 + 8) / 12 = 3840 / 12 = 320
//   R = 3: (140608 + 8232 + 128 + 8000 + 648 + 16) / 12 = 157632 / 12 = 13136
TEST_CASE("twins space: n=4 with one twin has the canonical counts worked out by hand") {
  const TwinsSpace space = make({.replica_count = 4, .faulty_count = 1});
  CHECK(space.partition_count() == 13);
  CHECK(space.choice_count() == 52);
  CHECK(space.symmetry_count() == 12);
  CHECK(count(space, 1) == 12);
  CHECK(count(space, 2) == 320);
  CHECK(count(space, 3) == 13136);
  // The enumeration finds exactly that many, each canonical and distinct.
  for (std::uint32_t views : {1u, 2u, 3u}) {
    CAPTURE(views);
    const auto all = space.enumerate(views, 1'000'000);
    CHECK(all.size() == count(space, views));
    std::set<std::vector<ChoiceCode>> distinct(all.begin(), all.end());
    CHECK(distinct.size() == all.size());
    for (const auto& scenario : all) CHECK(space.is_canonical(scenario));
    CHECK(std::is_sorted(all.begin(), all.end()));
  }
  // A limit cuts the enumeration to its first scenarios.
  const auto first = space.enumerate(3, 10);
  const auto more = space.enumerate(3, 100);
  CHECK(first.size() == 10);
  CHECK(first == std::vector<std::vector<ChoiceCode>>(more.begin(), more.begin() + 10));
}

// Without the quorum filter: 16 partitions, 64 choices. The 3 splits
// {x,y}|{z,a,b} add, per renaming: (0 1) fixes {0 1}|{2 a b}: 8; (0 1 2)
// none: 4; the swap all three: 8; (0 1) with the swap {0 1}|{2 a b}: 4;
// (0 1 2) with the swap none: 2. Fixed choices 64, 16 (x3), 4 (x2), 32, 8
// (x3), 2 (x2):
//   R = 1: (64 + 48 + 8 + 32 + 24 + 4) / 12 = 180 / 12 = 15
//   R = 2: (4096 + 768 + 32 + 1024 + 192 + 8) / 12 = 6120 / 12 = 510
// With one group only, a scenario is its leaders up to renaming the honest
// ones: R = 1 twin or honest, 2; R = 2 (T,T), (T,h), (h,T), (h,h), (h,h'): 5.
TEST_CASE("twins space: the quorum filter and the group bound change the counts as worked out") {
  const TwinsSpace any = make({.replica_count = 4, .faulty_count = 1, .quorum_group_required = false});
  CHECK(any.partition_count() == 16);
  CHECK(count(any, 1) == 15);
  CHECK(count(any, 2) == 510);
  CHECK(any.enumerate(2, 1'000'000).size() == 510);
  const TwinsSpace one_group = make({.replica_count = 4, .faulty_count = 1, .group_count_max = 1});
  CHECK(one_group.partition_count() == 1);
  CHECK(count(one_group, 1) == 2);
  CHECK(count(one_group, 2) == 5);
  CHECK(one_group.enumerate(2, 100).size() == 5);
}

TEST_CASE("twins space: larger spaces enumerate as Burnside counts them") {
  // Two twins (n = 4: honest 0 1, twins 2 and 3): 2 x 2 x 2 x 2 = 16 renamings.
  const TwinsSpace two = make({.replica_count = 4, .faulty_count = 1, .twin_count = 2});
  CHECK(two.symmetry_count() == 16);
  CHECK(two.instance_count() == 6);
  CHECK(two.enumerate(2, 10'000'000).size() == count(two, 2));
  // n = 5 with three groups: 4! x 2 = 48 renamings.
  const TwinsSpace five = make({.replica_count = 5, .faulty_count = 1, .group_count_max = 3});
  CHECK(five.symmetry_count() == 48);
  CHECK(five.enumerate(1, 1'000'000).size() == count(five, 1));
  // Past 128 bits the count says so.
  const TwinsSpace seven = make({.replica_count = 7, .faulty_count = 2, .group_count_max = 3});
  CHECK(seven.canonical_count(2).has_value());
  CHECK_FALSE(seven.canonical_count(64).has_value());
}

TEST_CASE("twins space: renaming and sampling") {
  const TwinsSpace space = make({.replica_count = 4, .faulty_count = 1});
  // Every renaming of a scenario has the same canonical form.
  const std::vector<ChoiceCode> scenario{7, 30, 51, 12};
  const std::vector<ChoiceCode> canonical = space.canonical(scenario);
  CHECK(space.is_canonical(canonical));
  CHECK(canonical <= scenario);
  for (std::size_t g = 0; g + 1 < space.symmetry_count(); ++g) {
    std::vector<ChoiceCode> renamed;
    for (ChoiceCode code : scenario) renamed.push_back(space.image(g, code));
    CHECK(space.canonical(renamed) == canonical);
  }
  // A sample is canonical, the same for the same seed and index, and varies.
  std::set<std::vector<ChoiceCode>> seen;
  for (std::uint64_t k = 0; k < 200; ++k) {
    const auto drawn = space.sample(8, 1, k);
    CHECK(drawn.size() == 8);
    CHECK(space.is_canonical(drawn));
    CHECK(drawn == space.sample(8, 1, k));
    seen.insert(drawn);
  }
  CHECK(seen.size() > 190);
  CHECK(space.sample(8, 2, 0) != space.sample(8, 1, 0));
}

TEST_CASE("twins space: a choice becomes the partition fault and text of its view") {
  const TwinsSpace space = make({.replica_count = 4, .faulty_count = 1});
  // Find the choice "leader 3, groups {0 1 a} {2 b}".
  std::optional<ChoiceCode> found;
  for (ChoiceCode code = 0; code < space.choice_count(); ++code)
    if (space.leader(code) == 3 && space.partition_text(code) == "0 1 3a|2 3b") found = code;
  REQUIRE(found.has_value());
  const PartitionFault fault = space.partition_fault(*found, 5);
  CHECK(fault.groups == std::vector<std::vector<ReplicaIndex>>{{0, 1}, {2}});
  REQUIRE(fault.twins.size() == 1);
  CHECK(fault.twins[0].replica == 3);
  CHECK(fault.twins[0].group == std::array<std::uint32_t, 2>{0, 1});
  CHECK(fault.filter.views == std::make_pair(View{5}, View{5}));
  CHECK(fault_to_yaml(Fault{fault}) == "{type: partition, groups: [[0, 1, 3a], [2, 3b]], at: 0s, views: [5, 5]}");
  CHECK(leaders_text(space, {*found, *found}) == "3 3");
  CHECK(partitions_text(space, {*found, *found}) == "0 1 3a|2 3b;0 1 3a|2 3b");
}

TEST_CASE("twins: a generated scenario is a valid scenario file that reads back equal") {
  const TwinsSpace space = make({.replica_count = 4, .faulty_count = 1});
  auto base = twins_template({}, 4, 1);
  REQUIRE(base.has_value());
  CHECK(base->duration_views == View{5});
  CHECK(base->byzantine.size() == 1);
  const auto scenario = twins_scenario(*base, space, space.sample(4, 1, 3), 3);
  CHECK(scenario.protocol.leaders.size() == 4);
  CHECK(scenario.faults.size() == 4);
  auto again = load_scenario_string(scenario_to_yaml(scenario), "twins-3.yaml", {});
  REQUIRE_MESSAGE(again.has_value(), again.error().message);
  CHECK(*again == scenario);
  // --set reaches the template; a bad one is an error naming it.
  CHECK(twins_template({"protocol.view_timeout=20ms"}, 4, 1)->protocol.view_timeout == 20 * ns_per_ms);
  CHECK_FALSE(twins_template({"network.lossy=1"}, 4, 1).has_value());
  CHECK_FALSE(TwinsSpace::create({.replica_count = 8}).has_value());
  CHECK_FALSE(TwinsSpace::create({.replica_count = 4, .group_count_max = 4}).has_value());
  CHECK_FALSE(TwinsSpace::create({.replica_count = 4, .twin_count = 3}).has_value());
}

}  // namespace
}  // namespace bftsim::test_sim_harness_twins_space_test
