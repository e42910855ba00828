/**
 * The one sha256 of the project: lower-case hex over Web Crypto, which windows, workers and Node 20+
 * all provide as `globalThis.crypto.subtle` (so browser code and the CLI hash with the same function).
 */

/** Lower-case hex sha256 of some bytes. */
export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
