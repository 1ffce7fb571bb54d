#pragma once
// Owns: undoing translate's basic tokenizer (tokenizer.h) on output tokens, as far as that is
// possible: deciding which neighbouring tokens are written without the one space that separates
// all others. One language-agnostic rule set; this is not Moses' detokenizer (no per-language
// tables, no handling of characters the tokenizer does not split). The rules:
//  1. Closing punctuation  . , ! ? : ; )  attaches to the previous token ("word ." -> "word.").
//  2. ( attaches to the next token ("( a" -> "(a").
//  3. Double quotes alternate over the line: the 1st, 3rd, ... " open (attach to the next token),
//     the 2nd, 4th, ... close (attach to the previous one). An unbalanced line keeps alternating.
//  4. An apostrophe ' between two word tokens joins both sides (don ' t -> don't, it ' s -> it's,
//     l ' homme -> l'homme, aujourd ' hui -> aujourd'hui). Otherwise it attaches to the next token
//     when that is a word (an opening quote: "said : ' hello" -> "said: 'hello"), else to the
//     previous one (a closing quote, or a possessive before punctuation: "no . '" -> "no.'").
//  5. . , : between a token ending in a digit and one starting with a digit join both sides
//     (3 . 5 -> 3.5, 2 , 000 -> 2,000, 10 : 30 -> 10:30, 3 . 2% -> 3.2%), so numbers come back whole.
// A word token is any token other than a single punctuation character of the tokenizer's class;
// specials (_PAD, _GO, _EOS, _UNK) are words and print as they are. Where no rule applies, one space.
// What cannot be undone: the tokenizer forgets the spacing, so a text spaced otherwise comes back
// in the canonical form above. French typography's spaces before ! ? : ; are not restored
// ("Pourquoi ?" -> "Pourquoi?"); an apostrophe used as a quote between words glues both sides
// ("said ' hi ' to" -> "said'hi'to"), as does a plural possessive ("the dogs ' bowls" -> "the
// dogs'bowls"); abbreviations keep inner spaces ("U . S ." -> "U. S."); a list of numbers joins
// ("1 , 2" -> "1,2"), as does a sentence end between numbers ("in 2019 . 20 people" -> "in
// 2019.20 people"); digit normalisation (every digit -> 0) is lost for good.
// Invariant: re-tokenising the output gives back the same tokens, for every token sequence the
// basic tokenizer can produce, because two word tokens are never glued together.
// The space tokenizer split on whitespace only: its tokens are joined with single spaces.
#include <span>
#include <string>
#include <string_view>

#include "s2s/data/tokenizer.h"

namespace s2s::data {

std::string detokenize(std::span<const std::string_view> tokens, TokenizerKind kind = TokenizerKind::Basic);
std::string detokenize(std::span<const std::string> tokens, TokenizerKind kind = TokenizerKind::Basic);

}  // namespace s2s::data
