/*
 * flock(2) for the log directory lock (src/storage/file-lock.ts), as a plain N-API addon: Node has no file-lock
 * API, and Kafka's FileLock needs an OS lock, one that the kernel releases when the process ends however it ends
 * (kill -9 included) and that two processes see whatever their PID namespaces.
 *
 *   tryLockExclusive(fd) -> number
 *     flock(fd, LOCK_EX | LOCK_NB) on the JS thread (never blocks): 0 when this open file description now holds
 *     the lock, -errno otherwise (-EWOULDBLOCK: another open file description holds it, in another process or
 *     in this one through another open()). Closing the descriptor releases the lock.
 */
#include <node_api.h>
#include <errno.h>
#include <sys/file.h>

static napi_value TryLockExclusive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "tryLockExclusive(fd): fd must be a non-negative integer");
    return NULL;
  }
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (napi_create_int32(env, rc == 0 ? 0 : -errno, &result) != napi_ok) return NULL;
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "tryLockExclusive", NAPI_AUTO_LENGTH, TryLockExclusive, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "tryLockExclusive", fn) != napi_ok) {
    napi_throw_error(env, NULL, "fslock addon: N-API call failed");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
