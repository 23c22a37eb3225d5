/*
 * Raw group-commit baseline for the fsync-before-ack latency rows of `npm run bench` (bench/sections/latency.ts
 * compiles it with `cc -O2 raw-fsync.c -lpthread`): what acknowledging records only once they are on disk costs
 * on this file system, without Kafka, the network or Node.
 *
 * Open loop, as bench/native/e2e-latency.c: record i of `record bytes` is due at start + i / rate. A writer thread
 * appends the records as they fall due, batched as the producer of the broker runs batches them (one write(2) of
 * all those due, then a pause of `linger ms`, librdkafka's linger.ms), to a new file; a sync
 * thread runs fdatasync(2) back to back, each covering what was written before it started, and acknowledges those
 * records when it returns. The records written during one fdatasync share the next: the ideal group commit, the
 * least any fsync-before-ack broker can do (writes never wait for the disk, one fdatasync at a time).
 * Latency = acknowledgement - due time, so a slow fdatasync delays every record due meanwhile (no coordinated
 * omission). Records due during the warm-up are not counted. The file is removed at the end.
 *
 * Usage: raw-fsync <file> <records/s> <record bytes> <seconds> <warm-up seconds> <linger ms>
 * Prints one JSON line: counts, achieved rate, fdatasync calls and their p50/p99/max duration, and the records'
 * latency percentiles, all in microseconds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-samples.h"

static int fd;
static double rate;
static size_t size;
static long long total;
static int64_t start, measure_from;
/* Records written so far (writer -> sync thread), and whether the writer failed. */
static volatile long long written = 0;
static volatile int write_failed = 0;
/* Pause of the writer once it has written every record due: the batching interval of the producer. */
static struct timespec linger;

static void *writer(void *arg) {
  (void)arg;
  /* Room for one second of records per write: a longer stall writes in several chunks. */
  size_t chunk_records = (size_t)rate + 1;
  char *buf = malloc(chunk_records * size);
  if (!buf) abort();
  memset(buf, 'x', chunk_records * size);
  long long done = 0;
  while (done < total) {
    long long due = (long long)((double)(now_ns() - start) * rate / 1e9) + 1;
    if (due > total) due = total;
    if (due <= done) {
      nanosleep(&linger, NULL);
      continue;
    }
    while (done < due) {
      long long n = due - done < (long long)chunk_records ? due - done : (long long)chunk_records;
      size_t bytes = (size_t)n * size;
      if (write(fd, buf, bytes) != (ssize_t)bytes) {
        perror("raw-fsync: write");
        write_failed = 1;
        return NULL;
      }
      done += n;
      __atomic_store_n(&written, done, __ATOMIC_RELEASE);
    }
  }
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s file rate record-bytes seconds warmup linger-ms\n", argv[0]);
    return 2;
  }
  double linger_ms = atof(argv[6]);
  linger.tv_sec = (time_t)(linger_ms / 1000);
  linger.tv_nsec = (long)((linger_ms - (double)linger.tv_sec * 1000) * 1e6);
  rate = atof(argv[2]);
  size = (size_t)atol(argv[3]);
  double seconds = atof(argv[4]), warmup = atof(argv[5]);
  if (rate <= 0 || size == 0) return 2;
  fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) {
    perror("raw-fsync: open");
    return 1;
  }
  total = (long long)(rate * (warmup + seconds));
  samples_t lat = {0}, sync_ns = {0};
  start = now_ns();
  measure_from = start + (int64_t)(warmup * 1e9);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  long long acked = 0;
  while (acked < total && !write_failed) {
    long long target = __atomic_load_n(&written, __ATOMIC_ACQUIRE);
    if (target == acked) {
      struct timespec nap = {0, 20000}; /* nothing new written yet */
      nanosleep(&nap, NULL);
      continue;
    }
    int64_t s0 = now_ns();
    if (fdatasync(fd) != 0) {
      perror("raw-fsync: fdatasync");
      return 1;
    }
    int64_t done = now_ns();
    push(&sync_ns, done - s0);
    for (long long i = acked; i < target; i++) {
      int64_t due_at = start + (int64_t)((double)i * 1e9 / rate);
      if (due_at >= measure_from) push(&lat, done - due_at);
    }
    acked = target;
  }
  pthread_join(th, NULL);
  if (write_failed) return 1;
  int64_t end = now_ns();
  close(fd);
  unlink(argv[1]);
  qsort(lat.v, lat.n, sizeof(int64_t), cmp64);
  qsort(sync_ns.v, sync_ns.n, sizeof(int64_t), cmp64);
  printf("{\"records\":%lld,\"measured\":%zu,\"achievedRate\":%.1f,\"fdatasyncs\":%zu,"
         "\"syncP50Us\":%.1f,\"syncP99Us\":%.1f,\"syncMaxUs\":%.1f,"
         "\"ackP50Us\":%.1f,\"ackP99Us\":%.1f,\"ackP999Us\":%.1f,\"ackMaxUs\":%.1f}\n",
         total, lat.n, (double)total / ((double)(end - start) / 1e9), sync_ns.n, pct_us(&sync_ns, 50), pct_us(&sync_ns, 99),
         sync_ns.n ? (double)sync_ns.v[sync_ns.n - 1] / 1000.0 : -1, pct_us(&lat, 50), pct_us(&lat, 99), pct_us(&lat, 99.9),
         lat.n ? (double)lat.v[lat.n - 1] / 1000.0 : -1);
  return 0;
}
