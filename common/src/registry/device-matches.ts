/** True when `device` (a runner's: cpu or cuda:N) satisfies what a version asks for (any, cpu, cuda, cuda:N). */
export function deviceMatches(wanted: string, device: string): boolean {
  if (wanted === 'any' || wanted === device) return true;
  return wanted === 'cuda' && device.startsWith('cuda:');
}
