#include "common/bus/kafka_client.h"

#include <spdlog/spdlog.h>

#include "common/logging.h"

namespace hinomi::bus::kafka {
namespace {

spdlog::level::level_enum levelOf(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void onLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  auto lvl = levelOf(level);
  // One `kafka:` table feeds both the producer and the consumers, so librdkafka's warning that a
  // consumer property is ignored by the producer (and the reverse) is expected, not a problem.
  std::string_view msg(message);
  if (std::string_view(facility) == "CONFWARN" &&
      msg.find("will be ignored by this") != std::string_view::npos)
    lvl = spdlog::level::debug;
  logging::get("bus")->log(lvl, "librdkafka: {} facility={} client={}", msg, facility,
                           rd_kafka_name(rk));
}

void onError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  // Broker outages are reported here too; librdkafka recovers from them by itself, so they are
  // warnings unless the client can no longer work.
  auto lvl = code == RD_KAFKA_RESP_ERR__FATAL ? spdlog::level::err : spdlog::level::warn;
  logging::get("bus")->log(lvl, "Kafka client error. error={} reason=\"{}\" client={}",
                           rd_kafka_err2name(code), reason, rd_kafka_name(rk));
}

}  // namespace

Result<Conf> makeConf(const Settings& settings) {
  Conf conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : settings) {
    // The value stays out of the message: it may be a password (sasl.password, ssl.key.password).
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK)
      return makeError(ErrorCode::kConfig,
                       "librdkafka option " + key + " refused: " + errstr);
  }
  rd_kafka_conf_set_log_cb(conf.get(), onLog);
  rd_kafka_conf_set_error_cb(conf.get(), onError);
  return conf;
}

std::string confValue(const rd_kafka_conf_t* conf, const std::string& key) {
  char value[512];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, key.c_str(), value, &size) != RD_KAFKA_CONF_OK) return {};
  return value;
}

Result<Handle> newHandle(rd_kafka_type_t type, Conf conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr)
    return makeError(ErrorCode::kConfig, std::string("cannot create Kafka client: ") + errstr);
  (void)conf.release();  // rd_kafka_new owns it now
  return Handle(rk);
}

Error busError(std::string_view what, rd_kafka_resp_err_t err) {
  return Error{ErrorCode::kBus, std::string(what) + ": " + rd_kafka_err2str(err), {}};
}

}  // namespace hinomi::bus::kafka
