/*
 * Zero-copy file -> TCP socket transfer for the broker's Fetch path (Linux sendfile(2)), as a plain N-API addon.
 *
 * Node has no public socket sendfile (see /work/shared/notes/performance-limits.md section 2.1), so the network
 * layer (src/network/file-region-sender.ts) calls this addon with the socket's fd (socket._handle.fd) once the
 * socket's own write queue is empty.
 *
 *   trySendfile(sockFd, fileFd, offset, length) -> number
 *     On the JS thread, never blocks (the socket is non-blocking): loops sendfile until `length` bytes went out,
 *     the socket buffer is full, or the file ends. Returns the bytes sent (> 0), 0 if the file ends at `offset`
 *     (region shorter than promised), or -errno when nothing was sent (-EAGAIN: socket buffer full).
 *
 *   sendfile(sockFd, fileFd, offset, length, stallMs, sliceMs, cb(status, bytesSent))
 *     napi_async_work in the libuv threadpool: loops sendfile, waiting on EAGAIN with poll(POLLOUT). Both fds are
 *     dup()ed on the JS thread at submission, so closing the socket or file meanwhile cannot make the job write
 *     to a reused descriptor. status: STATUS_DONE (all sent), STATUS_EOF (file ended early), STATUS_STALLED (no
 *     progress for stallMs: the peer does not read; the caller waits for writability on the JS side instead of
 *     holding a pool thread), STATUS_YIELDED (ran sliceMs while progressing: resubmit, so other connections get
 *     a turn), or -errno.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>

#ifdef __linux__
#include <poll.h>
#include <sys/sendfile.h>
#endif

/* sendfile(2) transfers at most 0x7ffff000 bytes per call on Linux. */
#define MAX_PER_CALL 0x7ffff000LL

#define STATUS_DONE 0
#define STATUS_EOF 1
#define STATUS_STALLED 2
#define STATUS_YIELDED 3

typedef struct {
  napi_async_work work;
  napi_ref cb;
  int sock_fd;
  int file_fd;
  int64_t offset;
  int64_t length;
  int64_t sent;
  int stall_ms;
  int slice_ms;
  int status;
} Job;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), NULL, "sendfile addon: N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static int get_i64(napi_env env, napi_value v, int64_t* out, const char* name) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, name);
    return 0;
  }
  return 1;
}

static napi_value TrySendfile(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "trySendfile(sockFd, fileFd, offset, length)");
    return NULL;
  }
  int64_t sock, file, offset, length;
  if (!get_i64(env, argv[0], &sock, "sockFd must be a number") || !get_i64(env, argv[1], &file, "fileFd must be a number") ||
      !get_i64(env, argv[2], &offset, "offset must be a number") || !get_i64(env, argv[3], &length, "length must be a number")) {
    return NULL;
  }
  int64_t result = 0;
#ifdef __linux__
  off_t off = (off_t)offset;
  int64_t sent = 0;
  while (sent < length) {
    int64_t want = length - sent;
    if (want > MAX_PER_CALL) want = MAX_PER_CALL;
    ssize_t r = sendfile((int)sock, (int)file, &off, (size_t)want);
    if (r > 0) {
      sent += r;
      continue;
    }
    if (r == 0) break; /* end of file */
    if (errno == EINTR) continue;
    if (sent == 0) sent = -errno;
    break;
  }
  result = sent;
#else
  result = -ENOSYS;
#endif
  napi_value out;
  CHECK(env, napi_create_int64(env, result, &out));
  return out;
}

static void Execute(napi_env env, void* data) {
  (void)env;
  Job* job = (Job*)data;
#ifdef __linux__
  off_t off = (off_t)job->offset;
  int64_t start = now_ms();
  int64_t last_progress = start;
  job->status = STATUS_DONE;
  while (job->sent < job->length) {
    int64_t want = job->length - job->sent;
    if (want > MAX_PER_CALL) want = MAX_PER_CALL;
    ssize_t r = sendfile(job->sock_fd, job->file_fd, &off, (size_t)want);
    if (r > 0) {
      job->sent += r;
      last_progress = now_ms();
      if (job->sent < job->length && last_progress - start >= job->slice_ms) {
        job->status = STATUS_YIELDED;
        break;
      }
      continue;
    }
    if (r == 0) {
      job->status = STATUS_EOF;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      job->status = -errno;
      break;
    }
    int64_t waited = now_ms() - last_progress;
    if (waited >= job->stall_ms) {
      job->status = STATUS_STALLED;
      break;
    }
    struct pollfd p = {.fd = job->sock_fd, .events = POLLOUT, .revents = 0};
    /* POLLERR/POLLHUP wake poll too; the next sendfile then reports the error (EPIPE, ECONNRESET). */
    if (poll(&p, 1, (int)(job->stall_ms - waited)) < 0 && errno != EINTR) {
      job->status = -errno;
      break;
    }
  }
#else
  job->status = -ENOSYS;
#endif
}

static void Complete(napi_env env, napi_status status, void* data) {
  Job* job = (Job*)data;
  close(job->sock_fd);
  close(job->file_fd);
  if (status == napi_cancelled) job->status = -ECANCELED;
  napi_value cb, global, argv[2];
  if (napi_get_reference_value(env, job->cb, &cb) == napi_ok && napi_get_global(env, &global) == napi_ok &&
      napi_create_int32(env, job->status, &argv[0]) == napi_ok &&
      napi_create_int64(env, job->sent, &argv[1]) == napi_ok) {
    napi_call_function(env, global, cb, 2, argv, NULL);
  }
  napi_delete_reference(env, job->cb);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value SendfileAsync(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype cbType = napi_undefined;
  if (argc >= 7) CHECK(env, napi_typeof(env, argv[6], &cbType));
  if (cbType != napi_function) {
    napi_throw_type_error(env, NULL, "sendfile(sockFd, fileFd, offset, length, stallMs, sliceMs, cb)");
    return NULL;
  }
  int64_t sock, file, offset, length, stall, slice;
  if (!get_i64(env, argv[0], &sock, "sockFd must be a number") || !get_i64(env, argv[1], &file, "fileFd must be a number") ||
      !get_i64(env, argv[2], &offset, "offset must be a number") || !get_i64(env, argv[3], &length, "length must be a number") ||
      !get_i64(env, argv[4], &stall, "stallMs must be a number") || !get_i64(env, argv[5], &slice, "sliceMs must be a number")) {
    return NULL;
  }
  int dsock = fcntl((int)sock, F_DUPFD_CLOEXEC, 0);
  if (dsock < 0) {
    napi_throw_error(env, NULL, "sendfile: cannot dup socket fd");
    return NULL;
  }
  int dfile = fcntl((int)file, F_DUPFD_CLOEXEC, 0);
  if (dfile < 0) {
    close(dsock);
    napi_throw_error(env, NULL, "sendfile: cannot dup file fd");
    return NULL;
  }
  Job* job = (Job*)calloc(1, sizeof(Job));
  if (job == NULL) {
    close(dsock);
    close(dfile);
    napi_throw_error(env, NULL, "sendfile: out of memory");
    return NULL;
  }
  job->sock_fd = dsock;
  job->file_fd = dfile;
  job->offset = offset;
  job->length = length;
  job->stall_ms = stall < 1 ? 1 : (int)stall;
  job->slice_ms = slice < 1 ? 1 : (int)slice;
  napi_value name;
  if (napi_create_reference(env, argv[6], 1, &job->cb) != napi_ok ||
      napi_create_string_utf8(env, "kafka-broker:sendfile", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, Execute, Complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    close(dsock);
    close(dfile);
    free(job);
    napi_throw_error(env, NULL, "sendfile: cannot queue async work");
    return NULL;
  }
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(env, napi_create_function(env, "trySendfile", NAPI_AUTO_LENGTH, TrySendfile, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "trySendfile", fn));
  CHECK(env, napi_create_function(env, "sendfile", NAPI_AUTO_LENGTH, SendfileAsync, NULL, &fn));
  CHECK(env, napi_set_named_property(env, exports, "sendfile", fn));
  const struct { const char* name; int value; } constants[] = {
    {"EAGAIN", EAGAIN},           {"STATUS_DONE", STATUS_DONE},       {"STATUS_EOF", STATUS_EOF},
    {"STATUS_STALLED", STATUS_STALLED}, {"STATUS_YIELDED", STATUS_YIELDED},
  };
  for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
    napi_value v;
    CHECK(env, napi_create_int32(env, constants[i].value, &v));
    CHECK(env, napi_set_named_property(env, exports, constants[i].name, v));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
