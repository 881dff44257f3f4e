import { schemaBuild } from './scenarios/schemaBuild.js';
import { SMOKE, FULL } from './lib/sizes.js';
const r = await schemaBuild(process.argv[2] === 'full' ? { ...FULL, schemaRounds: 3 } : SMOKE);
console.log(JSON.stringify(r.measurements.map(m => [m.name, m.summary.median, m.checks, m.failure])), r.ratios.map(x=>[x.name,x.summary.median]), r.targets);
