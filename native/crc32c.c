/*
 * CRC-32C (Castagnoli, the checksum of Kafka's v2 record batches) for the broker's produce path, as a plain N-API
 * addon: hardware crc32 instructions (SSE4.2) when the CPU has them, a slicing-by-8 table otherwise.
 *
 *   crc32c(bytes) -> number
 *     On the JS thread. `bytes` is a Uint8Array/Buffer; the result is the unsigned 32-bit checksum.
 *
 *   crc32cAsync(bytes, cb(crc))
 *     The same in the libuv threadpool (napi_async_work), so checking a 1 MB produce batch takes no event-loop
 *     time. The Buffer is kept referenced (and must not be modified) until `cb` runs.
 *
 *   crc32cTable(bytes) -> number
 *     Always the slicing-by-8 table (the path of CPUs without SSE4.2), so tests can check it on any machine.
 */
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define HAVE_X86_CRC 1
#endif

#define CHECK(env, call)                                              \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error((env), NULL, "crc32c addon: N-API call failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* Reflected polynomial of CRC-32C. */
#define POLY 0x82f63b78u

static uint32_t table[8][256];
static int use_hw = 0;

static void init_tables(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++) {
    for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
  }
}

static uint32_t crc_sw(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    v ^= crc;
    crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^ table[5][(v >> 16) & 0xff] ^ table[4][(v >> 24) & 0xff] ^
          table[3][(v >> 32) & 0xff] ^ table[2][(v >> 40) & 0xff] ^ table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

#ifdef HAVE_X86_CRC
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = ~crc;
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    c = _mm_crc32_u8((uint32_t)c, *p++);
    n--;
  }
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = _mm_crc32_u8((uint32_t)c, *p++);
  return ~(uint32_t)c;
}
#endif

static uint32_t crc32c(const uint8_t* p, size_t n) {
#ifdef HAVE_X86_CRC
  if (use_hw) return crc_hw(0, p, n);
#endif
  return crc_sw(0, p, n);
}

static int get_bytes(napi_env env, napi_value v, const uint8_t** data, size_t* length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  size_t count;
  void* ptr;
  if (napi_get_typedarray_info(env, v, &type, &count, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = (const uint8_t*)ptr;
  *length = count;
  return 1;
}

/* The synchronous entry points: `table_only` selects crc_sw whatever the CPU has. */
static napi_value crc32c_sync(napi_env env, napi_callback_info info, int table_only) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const uint8_t* data = NULL;
  size_t length = 0;
  if (argc < 1 || !get_bytes(env, argv[0], &data, &length)) {
    napi_throw_type_error(env, NULL, "crc32c(bytes: Uint8Array)");
    return NULL;
  }
  napi_value out;
  CHECK(env, napi_create_uint32(env, table_only ? crc_sw(0, data, length) : crc32c(data, length), &out));
  return out;
}

static napi_value Crc32c(napi_env env, napi_callback_info info) { return crc32c_sync(env, info, 0); }

static napi_value Crc32cTable(napi_env env, napi_callback_info info) { return crc32c_sync(env, info, 1); }

typedef struct {
  napi_async_work work;
  napi_ref bytes;
  napi_ref cb;
  const uint8_t* data;
  size_t length;
  uint32_t crc;
} Job;

static void Execute(napi_env env, void* data) {
  Job* job = (Job*)data;
  job->crc = crc32c(job->data, job->length);
}

static void Complete(napi_env env, napi_status status, void* data) {
  Job* job = (Job*)data;
  napi_value cb, global, arg;
  if (status == napi_ok && napi_get_reference_value(env, job->cb, &cb) == napi_ok && napi_get_global(env, &global) == napi_ok &&
      napi_create_uint32(env, job->crc, &arg) == napi_ok) {
    napi_call_function(env, global, cb, 1, &arg, NULL);
  }
  napi_delete_reference(env, job->cb);
  napi_delete_reference(env, job->bytes);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value Crc32cAsync(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  const uint8_t* data = NULL;
  size_t length = 0;
  napi_valuetype cbType = napi_undefined;
  if (argc >= 2) CHECK(env, napi_typeof(env, argv[1], &cbType));
  if (argc < 2 || !get_bytes(env, argv[0], &data, &length) || cbType != napi_function) {
    napi_throw_type_error(env, NULL, "crc32cAsync(bytes: Uint8Array, cb: (crc) => void)");
    return NULL;
  }
  Job* job = (Job*)calloc(1, sizeof(Job));
  if (job == NULL) {
    napi_throw_error(env, NULL, "crc32cAsync: out of memory");
    return NULL;
  }
  job->data = data;
  job->length = length;
  napi_value name;
  if (napi_create_reference(env, argv[0], 1, &job->bytes) != napi_ok) {
    free(job);
    napi_throw_error(env, NULL, "crc32cAsync: cannot reference the bytes");
    return NULL;
  }
  if (napi_create_reference(env, argv[1], 1, &job->cb) != napi_ok ||
      napi_create_string_utf8(env, "kafka-broker:crc32c", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, Execute, Complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_reference(env, job->bytes);
    free(job);
    napi_throw_error(env, NULL, "crc32cAsync: cannot queue async work");
    return NULL;
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  init_tables();
#ifdef HAVE_X86_CRC
  __builtin_cpu_init();
  use_hw = __builtin_cpu_supports("sse4.2");
#endif
  napi_value fn, hw;
  CHECK(env, napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, Crc32c, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "crc32c", fn));
  CHECK(env, napi_create_function(env, "crc32cAsync", NAPI_AUTO_LENGTH, Crc32cAsync, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "crc32cAsync", fn));
  CHECK(env, napi_create_function(env, "crc32cTable", NAPI_AUTO_LENGTH, Crc32cTable, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "crc32cTable", fn));
  CHECK(env, napi_get_boolean(env, use_hw != 0, &hw));
  CHECK(env, napi_set_named_property(env, exports, "hardware", hw));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
