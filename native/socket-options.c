/*
 * Socket buffer sizes for the broker's listeners (Kafka's socket.send.buffer.bytes / socket.receive.buffer.bytes),
 * as a plain N-API addon: Node sets SO_SNDBUF / SO_RCVBUF on UDP sockets only, never on TCP ones.
 *
 *   setBufferSizes(fd, sendBytes, receiveBytes) -> undefined
 *     setsockopt(SO_SNDBUF) when sendBytes >= 0, setsockopt(SO_RCVBUF) when receiveBytes >= 0 (Kafka's -1 keeps
 *     the OS default). Throws an Error with the errno text when a call fails.
 *
 *   bufferSizes(fd) -> { send, receive }
 *     getsockopt of both, in bytes as the kernel reports them (Linux doubles the value set, for its bookkeeping).
 */
#include <node_api.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int get_i32(napi_env env, napi_value v, int32_t* out, const char* what) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  return 1;
}

static void throw_errno(napi_env env, const char* call, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", call, strerror(err));
  napi_throw_error(env, NULL, message);
}

static napi_value SetBufferSizes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd, send_bytes, receive_bytes;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "setBufferSizes(fd, sendBytes, receiveBytes)");
    return NULL;
  }
  if (!get_i32(env, argv[0], &fd, "fd must be a number") ||
      !get_i32(env, argv[1], &send_bytes, "sendBytes must be a number") ||
      !get_i32(env, argv[2], &receive_bytes, "receiveBytes must be a number")) {
    return NULL;
  }
  if (send_bytes >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_bytes, sizeof send_bytes) != 0) {
    throw_errno(env, "setsockopt(SO_SNDBUF)", errno);
    return NULL;
  }
  if (receive_bytes >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_bytes, sizeof receive_bytes) != 0) {
    throw_errno(env, "setsockopt(SO_RCVBUF)", errno);
    return NULL;
  }
  return NULL;
}

static napi_value BufferSizes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  int send_bytes = 0, receive_bytes = 0;
  socklen_t len = sizeof(int);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "bufferSizes(fd)");
    return NULL;
  }
  if (!get_i32(env, argv[0], &fd, "fd must be a number")) return NULL;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_bytes, &len) != 0) {
    throw_errno(env, "getsockopt(SO_SNDBUF)", errno);
    return NULL;
  }
  len = sizeof(int);
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_bytes, &len) != 0) {
    throw_errno(env, "getsockopt(SO_RCVBUF)", errno);
    return NULL;
  }
  napi_value result, send_value, receive_value;
  if (napi_create_object(env, &result) != napi_ok ||
      napi_create_int32(env, send_bytes, &send_value) != napi_ok ||
      napi_create_int32(env, receive_bytes, &receive_value) != napi_ok ||
      napi_set_named_property(env, result, "send", send_value) != napi_ok ||
      napi_set_named_property(env, result, "receive", receive_value) != napi_ok) {
    napi_throw_error(env, NULL, "socket-options addon: N-API call failed");
    return NULL;
  }
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"setBufferSizes", NULL, SetBufferSizes, NULL, NULL, NULL, napi_default, NULL},
    {"bufferSizes", NULL, BufferSizes, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
