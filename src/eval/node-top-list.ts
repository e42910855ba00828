/**
 * Node-only: the top-list file of `pocketrec eval --top100`, a `TopListSink` (evaluate.ts) that writes
 * `<path>.partial` and renames it over `path` when the evaluation completes (a failed run removes it).
 */
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import type { TopListSink } from './evaluate.ts';

/** A TopListSink writing `path` atomically (via `<path>.partial`). */
export function topListFile(path: string): TopListSink {
  const partialPath = `${path}.partial`;
  let stream: WriteStream | undefined;
  return {
    async open() {
      stream = createWriteStream(partialPath);
      await once(stream, 'open');
    },
    write: (chunk) =>
      new Promise<void>((resolveWrite, rejectWrite) => {
        stream!.write(chunk, (error) => (error ? rejectWrite(error) : resolveWrite()));
      }),
    async commit() {
      await new Promise<void>((resolveEnd, rejectEnd) => {
        stream!.on('error', rejectEnd);
        stream!.end(() => resolveEnd());
      });
      renameSync(partialPath, path);
    },
    async discard() {
      if (stream && !stream.closed) {
        const closed = once(stream, 'close');
        stream.destroy();
        await closed;
      }
      rmSync(partialPath, { force: true });
    },
  };
}
