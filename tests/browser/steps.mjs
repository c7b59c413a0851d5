// What both browser tests share: named steps, each with its own timeout (a failure or the
// timeout names the step), and how Chromium is started.

export class StepError extends Error {}

const t0 = Date.now();
/** Time since the run started, for the log. */
export const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

let current = '(start)';
/** The step running (or the last one run). */
export const currentStep = () => current;
/** Mark the steps done (a later failure is not one of theirs). */
export const endSteps = () => { current = '(end)'; };

/** Run one step with a timeout; a failure (or the timeout) names the step. */
export async function step(name, timeoutMs, fn) {
  current = name;
  console.log(`[${elapsed()}] ${name}`);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new StepError(`timed out after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([fn(), timeout]);
    console.log(`[${elapsed()}]   ok`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

export function fail(message) {
  throw new StepError(message);
}

// chromium.launch starts it with a fresh, empty, temporary user data dir (removed on close).
// The background-networking flags: this machine's closed network refuses Chromium's own
// connections (component updates, QUIC, sync), which would otherwise slow or break it.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
