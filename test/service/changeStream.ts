/** A reader of a service's `GET /v1/changes` (server-sent events), for tests. */
export interface ChangeStream {
  /** Resolves with the first change (received so far or later) that `matches`; rejects after `timeoutMs`. */
  next(matches: (change: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function openChangeStream(baseUrl: string, headers: Record<string, string> = {}): Promise<ChangeStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/v1/changes`, { headers, signal: abort.signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET /v1/changes answered ${response.status}`);
  const received: any[] = [];
  let wake: (() => void) | undefined;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of event.split('\n')) if (line.startsWith('data: ')) received.push(JSON.parse(line.slice(6)));
          wake?.();
        }
      }
    } catch {
      // Closed by the test, or the service went away.
    }
  })();
  return {
    async next(matches, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(matches);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching change within ${timeoutMs} ms; received ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, left);
        });
      }
    },
    close() {
      abort.abort();
    },
  };
}
