#pragma once
// Owns: reading hypothesis/reference text files the way the sacrebleu command line does: lines end
// at '\n' only (a final line without '\n' still counts; "\r\n" leaves a '\r' that the strip below
// removes), and each line is right-stripped of Python whitespace (str.rstrip()).
// Bytes are taken as they are: UTF-8 is expected, but a file that is not valid UTF-8 is still
// scored (each invalid byte counts as one character) where sacrebleu would refuse to read it.
#include <string>
#include <vector>

namespace s2s::score {

// The segments of `path`; throws s2s::Error naming the file when it cannot be read.
std::vector<std::string> read_segments(const std::string& path);

// Throws s2s::Error naming both files and both line counts unless every reference file has as
// many segments as the hypothesis file.
void check_same_line_counts(const std::string& hyp_path, std::size_t hyp_lines, const std::vector<std::string>& ref_paths,
                            const std::vector<std::size_t>& ref_lines);

}  // namespace s2s::score
