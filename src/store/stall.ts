/**
 * A stall timeout for model downloads: a `fetch` wrapper that fails with `NetworkError` when no
 * response (headers) or no body bytes arrive for `stallMs`, instead of waiting forever on a dead
 * connection. Slow but moving downloads are never cut: the timer restarts with every chunk.
 */
import { NetworkError } from '../errors/errors.ts';
import type { FetchLike } from './download.ts';

/** Default stall timeout of model downloads (ms). */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** `fetchImpl` with a stall timeout of `stallMs` (see the module comment). */
export function withStallTimeout(fetchImpl: FetchLike, stallMs: number): FetchLike {
  return async (input, init) => {
    const controller = new AbortController();
    const outer = init?.signal ?? undefined;
    const forwardAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) forwardAbort();
    outer?.addEventListener('abort', forwardAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stalled = false;
    const stop = (): void => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forwardAbort);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, stallMs);
    };
    const stallError = (): NetworkError =>
      new NetworkError(
        `No data from ${input} for ${stallMs / 1000} s: the download stalled. The current model, if any, stays active; retry when the connection works.`,
        { url: input, reason: 'stalled', stallMs },
      );
    arm();
    let response: Response;
    try {
      response = await fetchImpl(input, { ...init, signal: controller.signal });
    } catch (error) {
      stop();
      throw stalled ? stallError() : error;
    }
    if (!response.body) {
      stop();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        arm();
        try {
          const { done, value } = await reader.read();
          if (done) {
            stop();
            stream.close();
          } else {
            clearTimeout(timer);
            stream.enqueue(value);
          }
        } catch (error) {
          stop();
          stream.error(stalled ? stallError() : error);
        }
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    });
    const guarded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(guarded, 'url', { value: response.url });
    return guarded;
  };
}
