import { createRequire } from 'node:module';

/** The socket-options addon (native/socket-options.c): SO_SNDBUF / SO_RCVBUF, which Node sets on UDP sockets only. */
export interface SocketOptionsAddon {
  /**
   * setsockopt SO_SNDBUF to `sendBytes` and SO_RCVBUF to `receiveBytes` on the raw descriptor `fd`; a negative size
   * leaves that buffer at the OS default. @throws Error with the errno text when a call fails.
   */
  setBufferSizes(fd: number, sendBytes: number, receiveBytes: number): void;
  /** The sizes the kernel reports for `fd`, in bytes (Linux doubles what was set). */
  bufferSizes(fd: number): { send: number; receive: number };
}

let cached: SocketOptionsAddon | null | undefined;

/**
 * Loads the addon built by `npm install` (`node-gyp rebuild` in native/, output
 * native/build/Release/socket_options.node); null when missing or unloadable (then socket.send.buffer.bytes and
 * socket.receive.buffer.bytes cannot be applied, which the SocketServer reports). The result is cached.
 */
export function loadSocketOptionsAddon(): SocketOptionsAddon | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../native/build/Release/socket_options.node') as SocketOptionsAddon;
    if (typeof addon.setBufferSizes === 'function' && typeof addon.bufferSizes === 'function') cached = addon;
  } catch {
    cached = null;
  }
  return cached;
}

/** The raw descriptor of a net.Socket or net.Server (`_handle.fd`, undocumented but stable), or -1. */
export function socketFd(socketOrServer: object): number {
  const handle = (socketOrServer as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
