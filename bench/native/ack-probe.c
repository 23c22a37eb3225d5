/*
 * Acknowledgement probe for the replication section of `npm run bench` (bench/sections/replication.ts compiles it
 * with `cc -O2 ack-probe.c -lrdkafka` against Debian's librdkafka-dev).
 *
 * A librdkafka producer with every setting at its default but `acks` sends one small record to partition 0 of
 * `topic` every `interval.ms` until SIGTERM, and prints one line per delivery report, flushed at once:
 *   ack <CLOCK_REALTIME ms> <broker id that acknowledged> <offset>
 *   err <CLOCK_REALTIME ms> <librdkafka error name>
 * The bench kills a partition leader and reads the first `ack` line after the kill from another broker: the first
 * record acknowledged once the partition has a new leader. Delivery reports are served every millisecond or so
 * (rd_kafka_poll between sends), so an ack is printed within about a millisecond of its arrival.
 *
 * Usage: ack-probe <bootstrap> <topic> <acks> <interval.ms>
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stopping = 0;

static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

static long long realtime_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err)
    printf("err %lld %s\n", realtime_ms(), rd_kafka_err2name(m->err));
  else
    printf("ack %lld %d %lld\n", realtime_ms(), (int)rd_kafka_message_broker_id(m), (long long)m->offset);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s bootstrap topic acks interval.ms\n", argv[0]);
    return 2;
  }
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "acks", argv[3], err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "ack-probe: %s\n", err);
    return 2;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "ack-probe: %s\n", err);
    return 2;
  }
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[2], NULL);
  long interval = atol(argv[4]);
  if (interval <= 0) return 2;
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  char payload[64];
  long long seq = 0;
  while (!stopping) {
    int n = snprintf(payload, sizeof payload, "probe-%lld", seq++);
    if (rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, payload, (size_t)n, NULL, 0, NULL) == -1) {
      fprintf(stderr, "ack-probe: produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
    }
    long long next = realtime_ms() + interval;
    while (!stopping && realtime_ms() < next) rd_kafka_poll(rk, 1);
  }
  rd_kafka_flush(rk, 2000);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return 0;
}
