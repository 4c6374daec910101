/**
 * Where the time went: `node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/run.ts`,
 * then `tsx bench/profile-summary.ts .tmp/prof/<file>.cpuprofile`. Sums self time by package
 * (or by project file) and prints the biggest.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile>');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

function bucket({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url)
    return functionName === '(garbage collector)' ? '(garbage collector)' : functionName.startsWith('(') ? functionName : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node core';
  const own = url.match(/\/(src|bench|prisma|schema)\/.*$/);
  return own ? own[0].slice(1) : url;
}

const totals = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  const key = bucket(byId.get(id)!.callFrame);
  totals.set(key, (totals.get(key) ?? 0) + delta);
  all += delta;
});
const ranked = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [key, time] of ranked) console.log(`${((time / all) * 100).toFixed(1).padStart(5)}%  ${key}`);
