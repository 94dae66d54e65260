#include "console/api/api_users.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/sha256.h"

namespace hinomi::console {
namespace {

Error at(const std::string& file, const YAML::Node& n, const std::string& message) {
  Location loc{file, n.Mark().line + 1, n.Mark().column + 1};
  return Error{ErrorCode::kConfig, message, loc};
}

}  // namespace

const char* apiRoleName(ApiRole role) {
  switch (role) {
    case ApiRole::kViewer: return "viewer";
    case ApiRole::kResponder: return "responder";
    case ApiRole::kApprover: return "approver";
    case ApiRole::kAdmin: return "admin";
  }
  return "?";
}

bool ApiUser::seesTenant(const std::string& tenant) const {
  return std::find(tenants.begin(), tenants.end(), "*") != tenants.end() ||
         std::find(tenants.begin(), tenants.end(), tenant) != tenants.end();
}

bool ApiUser::actsAs(const std::string& playbook_role) const {
  return std::find(acts_as.begin(), acts_as.end(), playbook_role) != acts_as.end();
}

Result<ApiUsers> ApiUsers::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kConfig, path + ": cannot read the users file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

Result<ApiUsers> ApiUsers::parse(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return tl::unexpected(Error{ErrorCode::kConfig, "YAML syntax: " + e.msg, {file, e.mark.line + 1, e.mark.column + 1}});
  }
  std::vector<std::string> problems;
  auto problem = [&](const YAML::Node& n, const std::string& m) { problems.push_back(at(file, n, m).toString()); };
  ApiUsers out;
  const YAML::Node list = root.IsMap() ? root["users"] : YAML::Node();
  if (!list || !list.IsSequence()) {
    return tl::unexpected(at(file, root, "expected `users:`, a list of users"));
  }
  std::set<std::string> names, hashes;
  for (const auto& u : list) {
    if (!u.IsMap()) {
      problem(u, "a user is a mapping (name, role, tenants, acts_as, token_sha256)");
      continue;
    }
    for (const auto& kv : u) {
      const std::string key = kv.first.as<std::string>("");
      if (key != "name" && key != "role" && key != "tenants" && key != "acts_as" && key != "token_sha256" &&
          key != "password_scrypt")
        problem(kv.first, "unknown key '" + key + "' (name, role, tenants, acts_as, token_sha256, password_scrypt)");
    }
    ApiUser user;
    user.name = u["name"] && u["name"].IsScalar() ? u["name"].Scalar() : "";
    if (user.name.empty()) problem(u, "a user needs a name");
    else if (!names.insert(user.name).second) problem(u["name"], "user '" + user.name + "' is defined twice");
    const std::string role = u["role"] && u["role"].IsScalar() ? u["role"].Scalar() : "";
    if (role == "viewer") user.role = ApiRole::kViewer;
    else if (role == "responder") user.role = ApiRole::kResponder;
    else if (role == "approver") user.role = ApiRole::kApprover;
    else if (role == "admin") user.role = ApiRole::kAdmin;
    else problem(u["role"] ? u["role"] : u, "role: '" + role + "' is not one of viewer, responder, approver, admin");
    for (const char* key : {"tenants", "acts_as"}) {
      const YAML::Node n = u[key];
      if (!n) continue;
      if (!n.IsSequence()) {
        problem(n, std::string(key) + ": expected a list");
        continue;
      }
      for (const auto& v : n) (std::string(key) == "tenants" ? user.tenants : user.acts_as).push_back(v.as<std::string>(""));
    }
    if (user.tenants.empty()) problem(u, "user '" + user.name + "' has no tenants (write [\"*\"] for all)");
    user.token_sha256 = u["token_sha256"] && u["token_sha256"].IsScalar() ? u["token_sha256"].Scalar() : "";
    std::transform(user.token_sha256.begin(), user.token_sha256.end(), user.token_sha256.begin(), ::tolower);
    if (user.token_sha256.size() != 64 ||
        user.token_sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      problem(u["token_sha256"] ? u["token_sha256"] : u, "token_sha256: expected 64 hex digits (hinomi users new-token)");
    else if (!hashes.insert(user.token_sha256).second)
      problem(u["token_sha256"], "two users have the same token");
    if (u["password_scrypt"]) {
      user.password_scrypt = u["password_scrypt"].as<std::string>("");
      if (user.password_scrypt.rfind("scrypt$", 0) != 0 || std::count(user.password_scrypt.begin(), user.password_scrypt.end(), '$') != 5)
        problem(u["password_scrypt"], "password_scrypt: expected scrypt$N$r$p$SALT$HASH (hinomi users hash-password)");
    }
    out.users_.push_back(std::move(user));
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    return makeError(ErrorCode::kConfig, all);
  }
  return out;
}

std::optional<ApiUser> ApiUsers::byToken(const std::string& token) const {
  if (token.empty()) return std::nullopt;
  const std::string hash = sha256Hex(token);
  std::optional<ApiUser> found;
  for (const auto& u : users_)  // every user compared, each in constant time: no timing oracle
    if (CRYPTO_memcmp(u.token_sha256.data(), hash.data(), hash.size()) == 0) found = u;
  return found;
}

namespace {

std::string hexOf(const unsigned char* p, size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(hex[p[i] >> 4]);
    out.push_back(hex[p[i] & 15]);
  }
  return out;
}

std::string scryptHex(const std::string& password, const std::string& salt, uint64_t n, uint64_t r, uint64_t p) {
  unsigned char key[32];
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     n, r, p, 64ull << 20, key, sizeof key) != 1)
    return "";
  return hexOf(key, sizeof key);
}

}  // namespace

std::string randomHex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  RAND_bytes(b.data(), int(b.size()));
  return hexOf(b.data(), b.size());
}

std::string hashPassword(const std::string& password) {
  const std::string salt = randomHex(16);
  return "scrypt$16384$8$1$" + salt + "$" + scryptHex(password, salt, 16384, 8, 1);
}

bool ApiUser::passwordMatches(const std::string& password) const {
  // scrypt$N$r$p$SALT$HASH
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(password_scrypt);
  while (std::getline(in, part, '$')) parts.push_back(part);
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  try {
    const std::string got = scryptHex(password, parts[4], std::stoull(parts[1]), std::stoull(parts[2]), std::stoull(parts[3]));
    return got.size() == parts[5].size() && CRYPTO_memcmp(got.data(), parts[5].data(), got.size()) == 0;
  } catch (...) {
    return false;
  }
}

std::optional<ApiUser> ApiUsers::byName(const std::string& name) const {
  for (const auto& u : users_)
    if (u.name == name) return u;
  return std::nullopt;
}

std::pair<std::string, std::string> newToken() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof bytes);
  static const char* hex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token.push_back(hex[b >> 4]);
    token.push_back(hex[b & 15]);
  }
  return {token, sha256Hex(token)};
}

}  // namespace hinomi::console
