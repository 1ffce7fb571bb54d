// Owns: sacrebleu-compatible reading of text files into segments (see the header).
#include "s2s/score/corpus_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "s2s/core/error.h"
#include "s2s/score/unicode_text.h"

namespace s2s::score {

std::vector<std::string> read_segments(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) S2S_FAIL("cannot read ", path, ": it is a directory, not a text file");
  std::ifstream in(path, std::ios::binary);
  if (!in) S2S_FAIL("cannot open ", path, ": ", std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) S2S_FAIL("cannot read ", path, ": ", std::strerror(errno));
  const std::string text = buf.str();
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.emplace_back(rstrip_python_whitespace(std::string_view(text).substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

void check_same_line_counts(const std::string& hyp_path, std::size_t hyp_lines, const std::vector<std::string>& ref_paths,
                            const std::vector<std::size_t>& ref_lines) {
  for (std::size_t k = 0; k < ref_paths.size(); ++k)
    if (ref_lines[k] != hyp_lines)
      S2S_FAIL("line counts differ: hypotheses ", hyp_path, " has ", hyp_lines, " lines but reference ", ref_paths[k],
               " has ", ref_lines[k], " (every reference file needs one line per hypothesis line)");
}

}  // namespace s2s::score
