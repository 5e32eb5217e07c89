// Loaded into every ava worker (the `require` of both ava configurations): once a file's tests and
// teardowns are done, the worker exits even if something a test left open would keep it alive. ava
// waits for its workers to exit and meant to report a timeout otherwise, but its inactivity timer
// does not always fire: a failed UI test that never closed its two servers held a full CI run until
// the runner's stall bound. What was left open is named on stderr, so the leak is still seen.
import { registerCompletionHandler } from 'ava';

registerCompletionHandler(() => {
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
  if (left.length > 0) process.stderr.write(`[ava worker] tests done; exiting with still open: ${left.join(', ')}\n`);
  process.exit();
});
