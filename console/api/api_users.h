#pragma once
// Who may use the API: users from a YAML file (console.users), each with a role, the tenants it
// may see and the playbook roles it may approve as. Tokens are stored as their SHA-256 only, so the
// file leaks no credential; `hinomi users new-token` makes one.
//
//   users:
//     - name: tanaka                      # what the audit log records
//       role: approver                    # viewer < responder < approver < admin
//       tenants: [katsuragi]              # or ["*"]: every tenant (a prefecture SOC)
//       acts_as: [chief_security_officer] # playbook roles whose approval steps it may answer
//       token_sha256: 9f86d0…             # hex SHA-256 of the bearer token
//       password_scrypt: "scrypt$16384$8$1$SALT$HASH"   # optional: console login (hinomi users hash-password)

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hinomi::console {

enum class ApiRole { kViewer = 0, kResponder = 1, kApprover = 2, kAdmin = 3 };
const char* apiRoleName(ApiRole role);

struct ApiUser {
  std::string name;
  ApiRole role = ApiRole::kViewer;
  std::vector<std::string> tenants;  // "*": all
  std::vector<std::string> acts_as;
  std::string token_sha256;
  std::string password_scrypt;  // empty: no console login

  // Whether `password` is this user's (scrypt, compared in constant time).
  bool passwordMatches(const std::string& password) const;
  bool seesTenant(const std::string& tenant) const;
  bool actsAs(const std::string& playbook_role) const;
};

class ApiUsers {
 public:
  // Reads a users file; every problem as FILE:LINE:COL, all at once.
  static Result<ApiUsers> load(const std::string& path);
  static Result<ApiUsers> parse(const std::string& text, const std::string& file);
  // The user whose token this is (compared in constant time), or nullopt.
  std::optional<ApiUser> byToken(const std::string& token) const;
  std::optional<ApiUser> byName(const std::string& name) const;
  size_t size() const { return users_.size(); }

 private:
  std::vector<ApiUser> users_;
};

// A fresh random token (32 bytes, hex) and its SHA-256.
std::pair<std::string, std::string> newToken();
// Random bytes as hex (session ids, CSRF tokens, salts).
std::string randomHex(size_t bytes);
// "scrypt$N$r$p$SALT$HASH" (hex) for a password, with a fresh salt.
std::string hashPassword(const std::string& password);

}  // namespace hinomi::console
