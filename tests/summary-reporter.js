// Mocha's spec reporter, plus the plain closing line CI reads: "N passed, N failed".
// With KUBESTRAP_TEST_SUMMARY set, the counts are also appended to that file so that
// scripts/test.sh can total several suites.
const fs = require("fs");
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = this.stats;
            console.log(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ""}`);
            if (process.env.KUBESTRAP_TEST_SUMMARY) {
                fs.appendFileSync(process.env.KUBESTRAP_TEST_SUMMARY, `${passes} ${failures} ${pending}\n`);
            }
        });
    }
}

module.exports = SummaryReporter;
