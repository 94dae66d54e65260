#pragma once
// The spool's metrics, registered once per process and labelled by the spool's configured name
// (never by event data).

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace hinomi::collector {

struct SpoolMetrics {
  prometheus::Counter* appended = nullptr;      // hinomi_spool_appended_total
  prometheus::Counter* delivered = nullptr;     // hinomi_spool_delivered_total
  prometheus::Counter* retries = nullptr;       // hinomi_spool_retries_total (sends that failed)
  prometheus::Counter* dead_letters = nullptr;  // hinomi_spool_dead_letters_total
  prometheus::Counter* full = nullptr;          // hinomi_spool_full_total (appends refused)
  prometheus::Gauge* size_bytes = nullptr;      // hinomi_spool_size_bytes
  prometheus::Gauge* entries = nullptr;         // hinomi_spool_entries

  // The metrics of the spool named `spool`, created on first use; thread-safe; valid for the
  // life of the process.
  static SpoolMetrics& forSpool(const std::string& spool);
};

}  // namespace hinomi::collector
