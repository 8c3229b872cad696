/** Polls `check` every 5 ms until it holds; rejects after `timeoutMs`, naming what it waited for. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what = 'a condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
