# Writes OUTPUT, a C++ file defining hinomi::cli::kDefaultConfig with the bytes of INPUT.
file(READ ${INPUT} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUTPUT} "// Generated from config/hinomi.yaml by cli/embed_file.cmake; do not edit.\n"
  "#include <string_view>\nnamespace hinomi::cli {\nnamespace { constexpr char kBytes[] = {${bytes} 0};\n}\n"
  "extern const std::string_view kDefaultConfig(kBytes, sizeof(kBytes) - 1);\n}\n")
