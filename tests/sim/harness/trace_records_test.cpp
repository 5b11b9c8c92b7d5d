// Tests of sim/harness/trace_records.h: the lines the simulator writes read
// back field by field (numbers, strings with escapes, arrays), and anything
// else is an error naming the line.
#include "sim/harness/trace_records.h"

#include <doctest/doctest.h>

namespace bftsim::test_sim_harness_trace_records_test {
namespace {

TEST_CASE("trace records: a delivery, a note and a commit read back") {
  // Goal: bisect reads what --trace writes. Method: three lines in the
  // simulator's shapes; every field comes back as written.
  const auto records = parse_trace(
      "{\"i\":7,\"t_ns\":1183000,\"ev\":\"deliver\",\"from\":1,\"to\":0,\"arg\":1,\"size\":90,\"view\":1,"
      "\"block\":\"0359e93f84ba35fd\",\"justify_signers\":[0,2,3]}\n"
      "{\"i\":8,\"t_ns\":9,\"ev\":\"note\",\"replica\":2,\"note\":\"tc_formed\",\"view\":4}\n\n"
      "{\"i\":9,\"t_ns\":10,\"ev\":\"node_stopped\",\"replica\":1,\"reason\":\"bad \\\"crc\\\" at 5\"}\n");
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 3);
  const TraceRecord& deliver = (*records)[0];
  CHECK(deliver.text("ev") == "deliver");
  CHECK(deliver.number("t_ns") == 1183000);
  CHECK(deliver.text("block") == "0359e93f84ba35fd");
  CHECK(deliver.text("justify_signers") == "[0,2,3]");
  CHECK(deliver.number("missing", 42) == 42);
  CHECK(deliver.number("block", 42) == 42);  // not a number
  CHECK(!deliver.has("inst"));
  CHECK((*records)[1].text("note") == "tc_formed");
  CHECK((*records)[2].text("reason") == "bad \"crc\" at 5");
}

TEST_CASE("trace records: malformed lines are errors that name the line") {
  // Goal: a damaged trace is reported, not half read. Method: broken lines.
  for (const char* bad : {"{\"i\":1", "[1]", "{\"i\" 1}", "{\"i\":1}x", "{\"s\":\"open}", "{\"a\":[1,2}", "{\"i\":}"}) {
    CAPTURE(bad);
    const auto records = parse_trace(std::string("{\"i\":0}\n") + bad + "\n");
    REQUIRE(!records.has_value());
    CHECK(records.error().message.find("trace line 2") == 0);
  }
}

}  // namespace
}  // namespace bftsim::test_sim_harness_trace_records_test
