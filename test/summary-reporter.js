/**
 * Prints one plain closing line, `jest: N passed, N failed, N skipped`, after Jest's own summary, so
 * tools that read a run's closing lines (CI) see the totals in the common form. Jest writes its
 * summary to stderr, so this line goes there too, to stay last.
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
