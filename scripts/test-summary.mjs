// Prints the one closing line CI reads, "N passed, N failed[, N skipped]", from the test runners' JSON reports.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;

const vitestReport = 'test-results/vitest.json';
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  passed += report.numPassedTests;
  // A suite that fails to load has no failed tests of its own: count it once.
  failed += report.numFailedTests || report.numFailedTestSuites;
  skipped += report.numPendingTests + report.numTodoTests;
} else {
  failed += 1;
  console.error(`${vitestReport} is missing: the unit tests did not run (see the typecheck above).`);
}

const playwrightReport = 'test-results/playwright.json';
if (existsSync(playwrightReport)) {
  const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'));
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
  skipped += stats.skipped;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
