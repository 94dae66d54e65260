#pragma once
// A fresh directory per test, removed when the object goes away.

#include <filesystem>
#include <string>

namespace hinomi::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `content` to a file in the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// The whole of a file ("" when it cannot be read).
std::string readFile(const std::string& path);

}  // namespace hinomi::testing
