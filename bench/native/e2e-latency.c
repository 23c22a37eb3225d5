/*
 * End-to-end latency probe for `npm run bench` (bench/sections/latency.ts compiles it with
 * `cc -O2 e2e-latency.c -lrdkafka -lpthread` against Debian's librdkafka-dev).
 *
 * One process, two librdkafka handles: a producer sending fixed-size records at a fixed rate (open loop: record i
 * is due at start + i / rate, and carries that due time in its first 8 bytes), and a legacy (group-less) consumer
 * on the same partition of a fresh topic, reading from the beginning, that computes now - due for every record it receives. Measuring
 * from the due time (not the actual send) keeps a stalled producer from hiding delay (coordinated omission).
 * Both clocks are CLOCK_MONOTONIC of this process. Records due during the warm-up are not counted.
 *
 * Usage: e2e-latency <bootstrap> <topic> <records/s> <record bytes> <seconds> <warm-up seconds> <acks> <linger.ms>
 * Prints one JSON line: counts, achieved rate, and end-to-end and produce-ack percentiles in microseconds.
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-samples.h"

static int64_t measure_from_ns; /* records due before this are warm-up */
static samples_t e2e, ack;
static volatile int producer_done = 0;
static volatile long long produced_total = 0;
static long long consumed_total = 0, delivery_errors = 0;
static const char *g_topic;
static rd_kafka_t *g_consumer;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    delivery_errors++;
    return;
  }
  int64_t due;
  memcpy(&due, m->payload, sizeof due);
  if (due >= measure_from_ns) push(&ack, now_ns() - due);
}

static void *consume_loop(void *arg) {
  rd_kafka_topic_t *rkt = arg;
  for (;;) {
    /* One message at a time: rd_kafka_consume_batch would wait for a full batch or its timeout, adding delay. */
    rd_kafka_message_t *m = rd_kafka_consume(rkt, 0, 100);
    if (m) {
      int64_t t = now_ns();
      if (!m->err && m->len >= 8) {
        int64_t due;
        memcpy(&due, m->payload, sizeof due);
        if (due >= measure_from_ns) push(&e2e, t - due);
        consumed_total++;
      }
      rd_kafka_message_destroy(m);
    }
    if (producer_done && consumed_total >= produced_total) break;
    if (producer_done == 2) break; /* drain deadline passed */
  }
  return NULL;
}

static rd_kafka_t *make(rd_kafka_type_t type, const char *bootstrap, const char *acks, const char *linger) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) goto bad;
  if (type == RD_KAFKA_PRODUCER) {
    if (rd_kafka_conf_set(conf, "acks", acks, err, sizeof err) != RD_KAFKA_CONF_OK) goto bad;
    if (rd_kafka_conf_set(conf, "linger.ms", linger, err, sizeof err) != RD_KAFKA_CONF_OK) goto bad;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  } else {
    /* Kafka's defaults (fetch.min.bytes 1, fetch.wait.max.ms 500): the broker must answer as data arrives. */
    if (rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err) != RD_KAFKA_CONF_OK) goto bad;
  }
  rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) goto bad;
  return rk;
bad:
  fprintf(stderr, "e2e-latency: %s\n", err);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s bootstrap topic rate size seconds warmup acks linger.ms\n", argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1];
  g_topic = argv[2];
  double rate = atof(argv[3]);
  size_t size = (size_t)atol(argv[4]);
  double seconds = atof(argv[5]), warmup = atof(argv[6]);
  if (size < 8 || rate <= 0) return 2;

  g_consumer = make(RD_KAFKA_CONSUMER, bootstrap, NULL, NULL);
  rd_kafka_topic_t *crkt = rd_kafka_topic_new(g_consumer, g_topic, NULL);
  if (rd_kafka_consume_start(crkt, 0, RD_KAFKA_OFFSET_BEGINNING) == -1) {
    fprintf(stderr, "e2e-latency: consume_start: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
    return 1;
  }
  rd_kafka_t *producer = make(RD_KAFKA_PRODUCER, bootstrap, argv[7], argv[8]);
  rd_kafka_topic_t *prkt = rd_kafka_topic_new(producer, g_topic, NULL);

  char *payload = malloc(size);
  memset(payload, 'x', size);
  int64_t start = now_ns();
  measure_from_ns = start + (int64_t)(warmup * 1e9);
  pthread_t th;
  pthread_create(&th, NULL, consume_loop, crkt);
  long long total = (long long)(rate * (warmup + seconds));
  long long sent = 0;
  while (sent < total) {
    int64_t t = now_ns();
    long long due_count = (long long)((double)(t - start) * rate / 1e9) + 1;
    if (due_count > total) due_count = total;
    while (sent < due_count) {
      int64_t due = start + (int64_t)((double)sent * 1e9 / rate);
      memcpy(payload, &due, sizeof due);
      if (rd_kafka_produce(prkt, 0, RD_KAFKA_MSG_F_COPY, payload, size, NULL, 0, NULL) == -1) {
        if (rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(producer, 1);
          continue;
        }
        fprintf(stderr, "e2e-latency: produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
        return 1;
      }
      sent++;
      produced_total = sent;
    }
    rd_kafka_poll(producer, 0);
    struct timespec nap = {0, 50000}; /* 50 us: fine-grained pacing without spinning a core */
    nanosleep(&nap, NULL);
  }
  int64_t send_end = now_ns();
  rd_kafka_flush(producer, 30000);
  producer_done = 1;
  int64_t drain_deadline = now_ns() + 15000000000LL;
  while (consumed_total < produced_total && now_ns() < drain_deadline) {
    struct timespec nap = {0, 10000000};
    nanosleep(&nap, NULL);
  }
  producer_done = 2;
  pthread_join(th, NULL);

  qsort(e2e.v, e2e.n, sizeof(int64_t), cmp64);
  qsort(ack.v, ack.n, sizeof(int64_t), cmp64);
  printf("{\"produced\":%lld,\"consumed\":%lld,\"deliveryErrors\":%lld,\"achievedRate\":%.1f,\"measured\":%zu,"
         "\"e2eP50Us\":%.1f,\"e2eP99Us\":%.1f,\"e2eP999Us\":%.1f,\"e2eMaxUs\":%.1f,"
         "\"ackP50Us\":%.1f,\"ackP99Us\":%.1f,\"ackP999Us\":%.1f}\n",
         (long long)produced_total, consumed_total, delivery_errors, (double)sent / ((double)(send_end - start) / 1e9), e2e.n,
         pct_us(&e2e, 50), pct_us(&e2e, 99), pct_us(&e2e, 99.9), e2e.n ? (double)e2e.v[e2e.n - 1] / 1000.0 : -1,
         pct_us(&ack, 50), pct_us(&ack, 99), pct_us(&ack, 99.9));

  rd_kafka_consume_stop(crkt, 0);
  rd_kafka_topic_destroy(crkt);
  rd_kafka_topic_destroy(prkt);
  rd_kafka_destroy(producer);
  rd_kafka_destroy(g_consumer);
  return consumed_total >= produced_total ? 0 : 3;
}
