#include "tests/testing/test_certs.h"

#include <filesystem>
#include <vector>

#include "tests/testing/child_process.h"

namespace hinomi::testing {
namespace {

// Extensions as real deployments need them (rsyslog's x509 modes check key usage and names).
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.test
)";

}  // namespace

MadeCerts makeTestCerts(const TempDir& dir) {
  MadeCerts out;
  std::filesystem::create_directories(dir.path() / "certs");
  auto at = [&](const std::string& name) { return dir.file("certs/" + name); };
  const std::string cnf = dir.write("certs/openssl.cnf", kOpensslConfig);
  auto run = [&](std::vector<std::string> argv) {
    if (!out.error.empty()) return;
    auto r = runProgram(argv);
    if (r.exit_code != 0) {
      std::string cmd;
      for (auto& a : argv) cmd += a + " ";
      out.error = cmd + "failed: " + r.err;
    }
  };
  auto makeCa = [&](const std::string& name, const std::string& cn) {
    run({"/usr/bin/openssl", "req", "-x509", "-config", cnf, "-extensions", "ca", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=" + cn, "-keyout", at(name + ".key"),
         "-out", at(name + ".pem")});
  };
  int serial = 1;
  auto makeLeaf = [&](const std::string& name, const std::string& cn, const std::string& ca,
                      const std::string& extensions) {
    run({"/usr/bin/openssl", "req", "-new", "-config", cnf, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=" + cn, "-keyout", at(name + ".key"), "-out", at(name + ".csr")});
    run({"/usr/bin/openssl", "x509", "-req", "-in", at(name + ".csr"), "-CA", at(ca + ".pem"), "-CAkey",
         at(ca + ".key"),
         "-set_serial", std::to_string(serial++), "-days", "2", "-extfile", cnf, "-extensions", extensions, "-out",
         at(name + ".pem")});
  };
  makeCa("ca", "hinomi test CA");
  makeCa("other-ca", "unrelated CA");
  makeLeaf("server", "localhost", "ca", "server");
  makeLeaf("client", "sender.test", "ca", "client");
  makeLeaf("foreign-client", "foreign.test", "other-ca", "client");
  out.certs = TestCerts{at("ca.pem"),         at("server.pem"),         at("server.key"),
                        at("client.pem"),     at("client.key"),         at("other-ca.pem"),
                        at("foreign-client.pem"), at("foreign-client.key")};
  return out;
}

}  // namespace hinomi::testing
