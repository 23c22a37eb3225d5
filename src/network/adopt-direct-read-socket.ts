import net from 'node:net';

/** The parts of Node's internal TCP stream handle this module relies on. */
interface StreamHandle {
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
  reading?: boolean;
}

/** `net.Socket` internals: its libuv handle (`_handle`, public in practice but undocumented). */
interface SocketInternals {
  _handle: StreamHandle | null;
}

/**
 * Moves an accepted socket's TCP handle into a new `net.Socket` created with `onread`, so that the kernel copies
 * received bytes straight into Buffers the caller picks (Node's user-buffer reads: `onread.buffer` is called for
 * every read, `onread.callback` gets the byte count; no 'data' events). `net.Server` offers no `onread` option
 * for the sockets it accepts, hence the adoption; the old socket object is destroyed without closing the handle
 * (this also releases the server's count of it: `server.close()` no longer waits for the adopted socket).
 *
 * `raw` must come from a server created with `pauseOnConnect: true` and not have been read from. Returns null
 * (and leaves `raw` untouched, for the caller to use with 'data' events) when that is not the case or the handle
 * is not a plain stream handle (e.g. a TLS socket).
 */
export function adoptDirectReadSocket(raw: net.Socket, onread: net.OnReadOpts, allowHalfOpen: boolean): net.Socket | null {
  const internals = raw as unknown as SocketInternals;
  const handle = internals._handle;
  if (
    handle === null ||
    handle === undefined ||
    typeof handle.useUserBuffer !== 'function' ||
    handle.reading === true ||
    raw.destroyed ||
    raw.readableLength > 0 ||
    raw.constructor !== net.Socket
  ) {
    return null;
  }
  // `handle` is an undocumented constructor option of net.Socket (it is how net.Server wraps accepted handles).
  const options = { handle, allowHalfOpen, readable: true, writable: true, onread } as unknown as net.SocketConstructorOpts;
  const socket = new net.Socket(options);
  internals._handle = null;
  raw.destroy();
  return socket;
}
