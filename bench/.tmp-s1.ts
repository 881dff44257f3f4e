import { largeList } from './scenarios/largeList.js';
import { SMOKE, FULL } from './lib/sizes.js';
const r = await largeList(process.argv[2] === 'full' ? { ...FULL, rounds: 3, warmupRounds: 1 } : SMOKE);
for (const m of r.measurements) console.log(m.name.padEnd(100), m.summary.median?.toFixed(3), m.unit, m.checks, m.failure ?? '');
for (const x of r.ratios) console.log(x.name.padEnd(100), x.summary.median.toFixed(3));
console.log(r.targets, r.notes, r.seconds);
