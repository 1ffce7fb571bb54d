#pragma once
// Owns: the sacrebleu release our BLEU and chrF were checked against (tests/reference/
// sacrebleu_expected.py records the version it ran; the unit test checks the two agree). It goes
// into the signature strings, which name the sacrebleu configuration our numbers equal.
namespace s2s::score {

inline constexpr const char* kSacrebleuVersion = "2.6.0";

}  // namespace s2s::score
