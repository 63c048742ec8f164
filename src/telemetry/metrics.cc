#include "telemetry/metrics.h"

namespace herald::telemetry {

const char* ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttp:
      return "http";
    case Protocol::kWebSocket:
      return "websocket";
    case Protocol::kSse:
      return "sse";
    case Protocol::kCount:
      break;
  }
  return "unknown";
}

namespace {

void Metric(std::string& out, const char* name, const char* type, const char* help,
            uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

uint64_t Sum(const std::vector<const ShardMetrics*>& shards,
             const OwnedCounter ShardMetrics::*counter) {
  uint64_t total = 0;
  for (const ShardMetrics* shard : shards) total += (shard->*counter).Get();
  return total;
}

}  // namespace

std::string RenderPrometheus(const std::vector<const ShardMetrics*>& shards,
                             const NodeGauges& gauges) {
  std::string out;
  out.append("# HELP herald_connections Open client connections by protocol.\n");
  out.append("# TYPE herald_connections gauge\n");
  for (size_t p = 0; p < static_cast<size_t>(Protocol::kCount); ++p) {
    uint64_t total = 0;
    for (const ShardMetrics* shard : shards) total += shard->connections[p].Get();
    out.append("herald_connections{protocol=\"")
        .append(ProtocolName(static_cast<Protocol>(p)))
        .append("\"} ")
        .append(std::to_string(total))
        .append("\n");
  }
  Metric(out, "herald_connections_accepted_total", "counter", "Connections accepted.",
         Sum(shards, &ShardMetrics::connections_accepted));
  Metric(out, "herald_connections_refused_total", "counter",
         "Connections refused over the connection limit.",
         Sum(shards, &ShardMetrics::connections_refused));
  Metric(out, "herald_events_in_total", "counter", "Events received from the backbone.",
         gauges.events_in);
  Metric(out, "herald_events_out_total", "counter", "Events queued to client connections.",
         Sum(shards, &ShardMetrics::deliveries));
  Metric(out, "herald_accept_pauses_total", "counter",
         "Times a listener ran out of file descriptors and paused accepting.",
         gauges.accept_pauses);
  Metric(out, "herald_loop_parks_total", "counter",
         "Times an idle event loop handed its turns to the first loop's thread.",
         gauges.loop_parks);
  Metric(out, "herald_loops_parked", "gauge",
         "Event loops whose turns the first loop's thread runs now.", gauges.loops_parked);
  Metric(out, "herald_loops_busy", "gauge",
         "Event loops over 40 % of their thread's time (until under 20 %).", gauges.loops_busy);
  Metric(
      out, "herald_loops_holding_writes", "gauge",
      "Busy event loops whose turns are long enough to hold writes (server.busy_write_delay_ms).",
      gauges.loops_holding_writes);
  Metric(out, "herald_bytes_out_total", "counter", "Bytes written to client sockets.",
         gauges.bytes_out);
  Metric(out, "herald_queue_overflows_total", "counter",
         "Connections closed because their send queue passed its limit.",
         Sum(shards, &ShardMetrics::queue_overflows));
  Metric(out, "herald_http_requests_total", "counter", "HTTP requests handled.",
         Sum(shards, &ShardMetrics::http_requests));
  Metric(out, "herald_http_requests_refused_total", "counter",
         "HTTP requests refused before handling: malformed, too large, or too slow.",
         Sum(shards, &ShardMetrics::http_requests_refused));
  Metric(out, "herald_publishes_refused_total", "counter", "Publishes refused (invalid, overload).",
         Sum(shards, &ShardMetrics::publishes_refused));
  Metric(out, "herald_history_events", "gauge", "Events held in the history log.",
         gauges.history_events);
  Metric(out, "herald_state_rows", "gauge", "Rows in the state table.", gauges.state_rows);
  Metric(out, "herald_last_seq", "gauge", "Sequence number of the last event.", gauges.last_seq);
  return out;
}

}  // namespace herald::telemetry
