// herald-bench: a load generator for Herald and its peers (docs/benchmarks.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "dialect.h"
#include "driver.h"

int main(int argc, char** argv) {
  herald::bench::Options o;
  CLI::App app{"herald-bench: subscribers and a publisher against Herald or a peer"};
  std::string pids;
  app.add_option("--subscriber", o.subscriber,
                 "herald-ws, herald-sse, nchan-ws, nchan-sse, nats, nats-ws, redis, mqtt "
                 "(3.1.1), mqtt5, mqtt-ws, mqtt5-ws (MQTT over WebSocket on /mqtt)");
  app.add_option("--publisher", o.publisher,
                 "herald-rest, herald-ws, nchan-http, nats, nats-ws, redis, mqtt, mqtt5, mqtt-ws, "
                 "mqtt5-ws "
                 "(MQTT: QoS 0)");
  app.add_option("--host", o.host);
  app.add_option("--port", o.port, "subscriber port");
  app.add_option("--publish-port", o.publish_port, "publisher port (default: --port)");
  app.add_option("--topic", o.topic);
  app.add_option("--topics", o.topics, "distinct topics, one subscriber per topic round-robin");
  app.add_option(
      "--topics-per-conn", o.topics_per_conn,
      "K > 1: connection i subscribes K distinct topics (i + k*topics/K) % topics, k < K");
  app.add_option("--connections", o.connections);
  app.add_option("--publishers", o.publishers,
                 "publisher connections (ingest); message k goes to topic k % topics on "
                 "connection k % publishers")
      ->check(CLI::Range(1, 10000));
  app.add_option("--processes", o.processes, "client processes");
  app.add_option("--source-ips", o.source_ips, "spread over 127.0.0.1..N");
  app.add_option("--rate", o.rate, "messages per second in total");
  app.add_option("--duration", o.duration_s, "seconds of publishing");
  app.add_option("--payload-bytes", o.payload_bytes);
  app.add_option("--idle", o.idle_s, "seconds to hold idle before measuring memory");
  app.add_option("--grace", o.grace_s, "seconds allowed for delivery after publishing stops");
  app.add_option("--slow-fraction", o.slow_fraction, "share of subscribers that never read");
  app.add_option("--reconnect-at", o.reconnect_at_s,
                 "seconds into publishing when every subscriber drops and reconnects, resuming "
                 "from its last id (Herald dialects)");
  app.add_option("--reconnect-spread", o.reconnect_spread_s, "reconnects spread over this window");
  app.add_option("--server-pids", pids, "comma-separated server PIDs (PSS, CPU)");
  app.add_option("--label", o.label);
  CLI11_PARSE(app, argc, argv);
  std::stringstream list(pids);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (!item.empty()) o.server_pids.push_back(static_cast<pid_t>(std::stoi(item)));
  }
  if (o.publish_port == 0) o.publish_port = o.port;
  if (!herald::bench::MakeSubscriber(o.subscriber, {}, 0)) {
    std::fprintf(stderr, "herald-bench: unknown --subscriber %s\n", o.subscriber.c_str());
    return 2;
  }
  if (!herald::bench::MakePublisher(o.publisher, {})) {
    std::fprintf(stderr, "herald-bench: unknown --publisher %s\n", o.publisher.c_str());
    return 2;
  }
  herald::bench::RunResult result = herald::bench::Run(o);
  herald::bench::PrintHuman(result);
  std::printf("%s\n", herald::bench::ToJson(result).c_str());
  return result.clients.failed > 0 ? 1 : 0;
}
