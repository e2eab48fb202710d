const { src, dest } = require('gulp');

// `n8n-node build` copies SVG/PNG files but not the codex (*.node.json) files that
// n8n reads for the node's categories and documentation links, nor do we rely on tsc for them.
function buildAssets() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}', 'icons/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:assets'] = buildAssets;
exports.default = buildAssets;
