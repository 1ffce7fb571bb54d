#pragma once
// Owns: sacrebleu's default BLEU tokenizer "13a" (the tokenization of WMT's mteval-v13a.pl), as
// sacrebleu 2.x implements it (tokenizers/tokenizer_13a.py + tokenizer_re.py):
//   1. remove "<skipped>", join "-\n" line breaks, turn "\n" into a space;
//   2. if the line has '&': unescape &quot; &amp; &lt; &gt; (in that order, one pass each);
//   3. pad the line with a space on each side, then four regex substitutions, each one
//      left-to-right and non-overlapping like Python's re.sub:
//        ([\{-\~\[-\` -\&\(-\+\:-\@\/])  -> " \1 "    ASCII punctuation except ' , - .
//        ([^0-9])([\.,])                   -> "\1 \2 "  period/comma unless after a digit
//        ([\.,])([^0-9])                   -> " \1 \2"  period/comma unless before a digit
//        ([0-9])(-)                        -> "\1 \2 "  a dash after a digit
//   4. ' '.join(line.split()): single spaces, Python whitespace (see unicode_text.h).
// Works on UTF-8 bytes: every pattern is ASCII, and a multi-byte code point never contains an
// ASCII byte, so the byte-level scan makes the same substitutions as Python's code-point scan.
#include <string>
#include <string_view>

namespace s2s::score {

std::string tokenize_13a(std::string_view line);

}  // namespace s2s::score
