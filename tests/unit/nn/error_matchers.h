#pragma once
// Owns: EXPECT_S2S_ERROR(statement, "text"): the statement throws s2s::Error whose message
// contains the text (TF's error wording, spec §1–§7).
#include <gtest/gtest.h>

#include <string>

#include "s2s/core/error.h"

#define EXPECT_S2S_ERROR(statement, text)                                                     \
  do {                                                                                        \
    bool _thrown = false;                                                                     \
    try {                                                                                     \
      statement;                                                                              \
    } catch (const ::s2s::Error& _e) {                                                        \
      _thrown = true;                                                                         \
      EXPECT_NE(std::string(_e.what()).find(text), std::string::npos)                         \
          << "message: " << _e.what() << "\nexpected to contain: " << (text);                 \
    }                                                                                         \
    EXPECT_TRUE(_thrown) << #statement " did not throw s2s::Error";                           \
  } while (0)
