// Collects output text and writes it once per turn of the event loop: thousands of state lines a
// second become a few writes.
/** A writer that batches text until the next turn of the event loop (or an explicit flush). */
export function bufferedWriter(write: (text: string) => void): { write: (text: string) => void; flush: () => void } {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const text = pending;
    pending = '';
    write(text);
  };
  return {
    write(text) {
      pending += text;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
