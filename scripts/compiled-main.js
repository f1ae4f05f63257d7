// The entry point scripts/pulumi.sh puts beside the compiled program (.kubestrap/program/<hash>/
// main.js): the language host starts it with Node's own source maps on (--enable-source-maps).
// @pulumi/pulumi's runner installs source-map-support before any program loads, and the SDK
// records a stack trace for every promise it tracks, each formatted through it: more than twice
// the cost of Node's own source-mapped formatting (README, "Performance"), and seconds of a
// 100-app run. Node's source maps still point an error at the TypeScript line it came from.
Error.prepareStackTrace = undefined;
module.exports = require("./index.js");
