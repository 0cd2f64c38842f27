// Debian's Chromium driven by playwright-core for the browser tests (never a browser Playwright
// downloads: `npm test` installs Debian's first, scripts/ensure-browser.sh), and a page that
// records what it reports, so a test can wait on what the page does rather than on time.
import { type Browser, chromium, type Page } from 'playwright-core';

/** Chromium at CHROMIUM_PATH (default /usr/bin/chromium), or an error saying how to get one. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, args: ['--no-sandbox'] }).catch((error: Error) => {
    throw new Error(
      `no Chromium to drive at ${executablePath}: \`npm run pretest\` installs Debian's (scripts/ensure-browser.sh), or set CHROMIUM_PATH (${error.message})`,
    );
  });
}

// Runs in the page before its own scripts (as a string: the tests compile without the DOM's
// types). It records what the page reports: Content-Security-Policy violations, every value the
// chart's data-points takes, and how many event streams opened (also as <html data-streams-opened>,
// for a locator to wait on).
const pageProbe = `
  window.probe = { violations: [], points: [], streamsOpened: 0 };
  document.addEventListener('securitypolicyviolation', (e) =>
    window.probe.violations.push(e.violatedDirective + ' ' + e.blockedURI));
  new MutationObserver((records) => {
    for (const r of records)
      if (r.target.dataset.testid === 'error-chart')
        window.probe.points.push(Number(r.target.dataset.points));
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-points'] });
  const NativeEventSource = window.EventSource;
  window.EventSource = class extends NativeEventSource {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => {
        window.probe.streamsOpened += 1;
        document.documentElement.dataset.streamsOpened = String(window.probe.streamsOpened);
      });
    }
  };
`;

export interface Probe {
  violations: string[];
  points: number[];
  streamsOpened: number;
}

/** A page with the probe, and what went wrong in it: uncaught errors and CSP refusals. */
export async function openProbedPage(
  browser: Browser,
  viewport?: { width: number; height: number },
): Promise<{ page: Page; probe: () => Promise<Probe>; troubles: () => Promise<string[]> }> {
  const page = await browser.newPage(viewport ? { viewport } : {});
  await page.addInitScript(pageProbe);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs a CSP refusal as a console error too ("… violates the following Content
    // Security Policy directive …")
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  const probe = () => page.evaluate('window.probe') as Promise<Probe>;
  const troubles = async () => [...problems, ...(await probe()).violations.map((v) => `CSP: ${v}`)];
  return { page, probe, troubles };
}
