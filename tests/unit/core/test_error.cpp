// Owns: tests of s2s::Error formatting (core/error.h): S2S_CHECK / S2S_FAIL messages carry the
// message parts, the failing condition and file:line; external-call failures name the library,
// the call, file:line and the process identity.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "s2s/core/error.h"

namespace s2s {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

std::string message_of(void (*f)()) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no s2s::Error thrown";
  return {};
}

int g_check_line = 0;
void failing_check() {
  const int got = 3;
  g_check_line = __LINE__ + 1;
  S2S_CHECK(got == 4, "expected 4 heads, got ", got, " (", 1.5, ")");
}
int g_fail_line = 0;
void failing_fail() {
  g_fail_line = __LINE__ + 1;
  S2S_FAIL("unreachable case ", 'x');
}

TEST(Error, CheckMessageHasPartsAndRelativeFileLine) {
  const std::string m = message_of(failing_check);
  EXPECT_THAT(m, HasSubstr("expected 4 heads, got 3 (1.5)"));
  EXPECT_THAT(m, Not(HasSubstr("got == 4")));  // the user reads the message, not the condition
  EXPECT_THAT(m, HasSubstr("(at tests/unit/core/test_error.cpp:" + std::to_string(g_check_line) + ")"));
  EXPECT_THAT(m, EndsWith(")"));
}

void failing_bare_check() { S2S_CHECK(1 + 1 == 3, ""); }

TEST(Error, CheckWithoutMessageShowsTheCondition) {
  EXPECT_THAT(message_of(failing_bare_check), HasSubstr("check failed: 1 + 1 == 3"));
}

TEST(Error, FailMessageHasNoConditionButHasFileLine) {
  const std::string m = message_of(failing_fail);
  EXPECT_THAT(m, HasSubstr("unreachable case x"));
  EXPECT_THAT(m, Not(HasSubstr("check failed")));
  EXPECT_THAT(m, HasSubstr("test_error.cpp:" + std::to_string(g_fail_line)));
}

TEST(Error, PassingCheckDoesNotEvaluateTheMessage) {
  int evaluated = 0;
  auto part = [&] { ++evaluated; return "x"; };
  S2S_CHECK(true, part());
  EXPECT_EQ(evaluated, 0);
}

TEST(Error, IsARuntimeError) {
  try {
    S2S_FAIL("boom");
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("boom"));
    return;
  }
  ADD_FAILURE() << "not caught as std::runtime_error";
}

TEST(Error, ExternalCallFailureNamesLibraryCallFileLineAndRank) {
  set_process_rank(5);
  try {
    detail::external_call_failed("NCCL", "ncclAllReduce(...)", "unhandled cuda error", "dist.cpp", 77);
    ADD_FAILURE() << "no throw";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_THAT(m, HasSubstr("NCCL call failed: ncclAllReduce(...): unhandled cuda error"));
    EXPECT_THAT(m, HasSubstr("(dist.cpp:77, rank 5 on "));
  }
  EXPECT_THAT(process_identity(), HasSubstr("rank 5 on "));
  set_process_rank(-1);  // back to the environment's rank
}

}  // namespace
}  // namespace s2s
