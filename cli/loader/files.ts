/**
 * Reading the files a user names (scenario files, manifests): regular files only, at most
 * MAX_INPUT_BYTES, UTF-8 text. Anything else is a reason in words — which never quotes the
 * file's content — and a fix, for the caller to place in its message.
 *
 * `/dev/zero`, a FIFO or a socket would otherwise be read forever (or block on open); a
 * multi-gigabyte file would exhaust memory before the YAML parser ever saw it.
 */

import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** The largest scenario or manifest file kubesim reads: 16 MiB. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

export type FileText = { ok: true; text: string } | { ok: false; reason: string; fix: string };

const MIB = 1024 * 1024;

/** Reads a regular file of at most `maxBytes` bytes as UTF-8 text. Never throws. */
export function readInputFile(path: string, maxBytes = MAX_INPUT_BYTES): FileText {
  let fd: number | undefined;
  try {
    const st = statSync(path);
    const kind = notRegular(st);
    if (kind) return kind;
    if (st.size > maxBytes) return tooLarge(maxBytes);
    // O_NONBLOCK: should the path become a FIFO between stat and open, open does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const again = notRegular(fstatSync(fd));
    if (again) return again;
    // Read at most maxBytes + 1: a file that grows (or lies about its size, like /proc files) is still bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(MIB, maxBytes + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > maxBytes) return tooLarge(maxBytes);
    }
    const bytes = Buffer.concat(chunks, total);
    if (bytes.includes(0)) return { ok: false, reason: 'it is a binary file (it holds NUL bytes), not YAML text', fix: 'give the path of a .yaml file' };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, reason: 'it is not UTF-8 text', fix: 'save the file as UTF-8' };
    }
    return { ok: true, text };
  } catch (err) {
    return systemError(err);
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // nothing left to do with it
      }
    }
  }
}

function notRegular(st: { isFile(): boolean; isDirectory(): boolean }): FileText | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return { ok: false, reason: 'it is a folder', fix: 'give the path of a file' };
  return { ok: false, reason: 'it is not a regular file (a device, a pipe or a socket)', fix: 'give the path of a file' };
}

function tooLarge(maxBytes: number): FileText {
  return { ok: false, reason: `it is larger than ${formatSize(maxBytes)}, the most kubesim reads`, fix: 'split it into smaller files' };
}

function formatSize(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/** A reason and a fix for an error from the file system, by its code. */
export function systemError(err: unknown): { ok: false; reason: string; fix: string } {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return { ok: false, reason: 'no such file', fix: 'check the path' };
    case 'ENOTDIR':
      return { ok: false, reason: 'a part of the path is not a folder', fix: 'check the path' };
    case 'EISDIR':
      return { ok: false, reason: 'it is a folder', fix: 'give the path of a file' };
    case 'EACCES':
    case 'EPERM':
      return { ok: false, reason: 'permission denied', fix: 'check the file permissions' };
    case 'ELOOP':
      return { ok: false, reason: 'too many levels of symbolic links', fix: 'check the symbolic links on the path' };
    case 'ENAMETOOLONG':
      return { ok: false, reason: 'the path is too long', fix: 'use a shorter path' };
    case 'EAGAIN':
    case 'EWOULDBLOCK':
      return { ok: false, reason: 'it is not a regular file (reading it would block)', fix: 'give the path of a file' };
    default: {
      const text = typeof code === 'string' ? code : err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
      return { ok: false, reason: `it cannot be read (${text})`, fix: 'check the path' };
    }
  }
}
