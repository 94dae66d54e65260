#pragma once
// Certificates for TLS tests, made at test time with the `openssl` CLI in a TempDir: a CA, a
// server certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it, and
// a client certificate signed by an unrelated CA (which a mutual-TLS server must refuse).

#include <string>

#include "tests/testing/temp_dir.h"

namespace hinomi::testing {

struct TestCerts {
  std::string ca;                          // PEM paths
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string other_ca;
  std::string foreign_client_cert, foreign_client_key;  // signed by other_ca
};

// Writes the files under dir (subfolder certs/); an error message (the failing command and its
// stderr) instead when openssl fails.
struct MadeCerts {
  TestCerts certs;
  std::string error;  // empty on success
};
MadeCerts makeTestCerts(const TempDir& dir);

}  // namespace hinomi::testing
