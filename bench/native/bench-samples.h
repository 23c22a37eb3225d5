/*
 * Latency samples shared by the benchmark's C probes (e2e-latency.c, raw-fsync.c): a monotonic clock in ns, a
 * growable array of samples, and nearest-rank percentiles in microseconds.
 */
#ifndef BENCH_SAMPLES_H
#define BENCH_SAMPLES_H
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

typedef struct {
  int64_t *v;
  size_t n, cap;
} samples_t;

static void push(samples_t *s, int64_t x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1 << 16;
    s->v = realloc(s->v, s->cap * sizeof(int64_t));
    if (!s->v) abort();
  }
  s->v[s->n++] = x;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile in microseconds of sorted samples (ns). */
static double pct_us(const samples_t *s, double p) {
  if (s->n == 0) return -1;
  size_t rank = (size_t)((p / 100.0) * (double)s->n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > s->n) rank = s->n;
  return (double)s->v[rank - 1] / 1000.0;
}

#endif
