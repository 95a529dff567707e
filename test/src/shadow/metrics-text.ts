/** Reads samples from a Prometheus text page, for tests that check what a service exports. */

/** The sum of every sample of `name` whose labels include `labels` (0 when none). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The gateway's /metrics page. */
export async function scrape(httpAddress: string): Promise<string> {
  const response = await fetch(`http://${httpAddress}/metrics`);
  return response.text();
}
