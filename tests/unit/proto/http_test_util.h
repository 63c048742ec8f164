#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "proto/http/request.h"

namespace herald::proto::http::testing {

inline ParseResult Parse(std::string_view input, const RequestLimits& limits = {}) {
  return ParseRequest(input, limits);
}

// Expects `input` to be refused with `status` and a message; SCOPED_TRACE names the case.
inline void ExpectError(std::string_view input, int status, const RequestLimits& limits = {}) {
  SCOPED_TRACE(::testing::Message() << "input: " << ::testing::PrintToString(std::string(input)));
  ParseResult result = Parse(input, limits);
  ASSERT_EQ(result.kind, ParseResult::Kind::kError) << "consumed " << result.consumed;
  EXPECT_EQ(result.error.status, status) << result.error.message;
  EXPECT_FALSE(result.error.message.empty());
}

}  // namespace herald::proto::http::testing
