// `npm test`: every check in order — typecheck, lint, format check, unit and engine tests, the app build, end-to-end
// tests — going on after a failure so that one run reports everything, then the closing line
// "N passed, N failed[, N skipped]".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

rmSync('test-results', { recursive: true, force: true });

const steps = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['format check', 'npm', ['run', '-s', 'format:check']],
  ['unit and engine tests', 'npx', ['vitest', 'run']],
  ['app build', 'npx', ['electron-vite', 'build']],
  ['end-to-end tests', 'npx', ['playwright', 'test']],
];
const failedSteps = [];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const reportedFailures = {};

const vitest = 'test-results/vitest.json';
if (existsSync(vitest)) {
  const report = JSON.parse(readFileSync(vitest, 'utf8'));
  passed += report.numPassedTests;
  // A test file that fails to load has no failed tests of its own: count it once.
  reportedFailures['unit and engine tests'] = report.numFailedTests || report.numFailedTestSuites;
  skipped += report.numPendingTests + report.numTodoTests;
}
const playwright = 'test-results/playwright.json';
if (existsSync(playwright)) {
  const { stats } = JSON.parse(readFileSync(playwright, 'utf8'));
  passed += stats.expected + stats.flaky;
  reportedFailures['end-to-end tests'] = stats.unexpected;
  skipped += stats.skipped;
}
for (const count of Object.values(reportedFailures)) failed += count;
// A step that failed without reporting a failed test (typecheck, build, a runner that could not start) counts once.
for (const step of failedSteps) if (!reportedFailures[step]) failed += 1;

if (failedSteps.length) console.log(`\nFailed: ${failedSteps.join(', ')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failedSteps.length ? 1 : 0;
