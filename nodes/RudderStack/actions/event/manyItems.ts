import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * Items read in one n8n evaluation. n8n's cost per evaluation (its data proxy, its sandbox, in
 * 2.x the crossing into the isolate) is most of what 10,000 events cost, so the joined fields of
 * at least 500 items are evaluated at once: enough to make that cost vanish, small enough that a
 * chunk which must be read again item by item costs little. But each evaluation also pays for
 * `$input.all()`, all the step's items (in a real n8n 2.41 with chunks of 500, 40,000 items took
 * 3.1 times as long as 20,000), so with many items the chunks grow, to at most CHUNKS per step:
 * the cost stays in proportion to the items, not to their square.
 */
export const ITEMS_PER_EVALUATION = 500;
export const CHUNKS = 10;
export const itemsPerEvaluation = (itemCount: number) => Math.max(ITEMS_PER_EVALUATION, Math.ceil(itemCount / CHUNKS));

/** Below this a chunk's two checks (its first and last item, read alone) cost more than they save. */
const FEWEST_ITEMS = 4;

// Our own names in the expression: user code may not use them (see readsAlike).
const FIRST = '___rs_first';
const ITEMS = '___rs_items';
const ITEM = '___rs_item';
const OFFSET = '___rs_k';

// What turns the names we bind into reads of the item when n8n reads an item alone: tournament
// rewrites a free name where it is an operand, an argument, an element or a property's value,
// but not as an arrow's expression body, a spread or a computed key. There, alone, the name is
// unbound (n8n gives null), while bound it has a value. So a bare `$json`/`$itemIndex` (one that
// is not the object of a member access) after `=>`, `...` or `[` is refused.
const BOUND = /(?<![\w$])\$(?:json|itemIndex)(?![\w$])/g;
const MEMBER_OBJECT = /^\s*(?:\?\.|\.|\[)/;
const UNREWRITTEN_BEFORE = /(?:=>|\.\.\.|\[)[\s(]*$/;
// Comparisons and arrows: any other `=` is a write (`=`, `+=`, `<<=`, `>>>=`, `??=` …).
const NOT_WRITES = /===|!==|==|!=|=>|(?<![<>])[<>]=/g;
// Calls that change what they are called on, and ways to reach them by another name.
const MUTATING = /\b(?:push|pop|shift|unshift|splice|sort|reverse|fill|copyWithin|assign|defineProperty|defineProperties|setPrototypeOf|set|add|clear|delete|eval|Function|Reflect|constructor|prototype|__proto__)\b/;
// A computed member (`x[…]` after a name, `)` or `]`) other than a number or a quoted string.
const COMPUTED_MEMBER = /[\w$)\]]\s*\[(?!\s*(?:\d+|'[^'\\]*'|"[^"\\]*")\s*\])/;

/**
 * Whether every field's code gives, evaluated for many items at once, what it gives for each item
 * alone. The expression rebinds `$json` and `$itemIndex` as arrow parameters: n8n's compiler
 * (tournament) turns only free names into reads of the item's data, and a bound name stays bound.
 * So the code may name no other `$` word, which would still read the chunk's first item
 * (`$input.item`, `$('Node').item`, `$binary`, `$now` …), and nothing that can reach past the
 * names we bind or read them where tournament would not:
 * - `this`, n8n's own `___n8n_data` and our `___rs_` names;
 * - `\u` escapes, which can spell `$json` without the letters;
 * - a line comment, after which the text before a name is not code;
 * - a bare name where tournament leaves it unbound (above);
 * - writes and mutating calls, which would run again when the chunk is checked or read again,
 *   and computed members, which can name such a call.
 * Text in strings counts too: a `$` in a string only costs the speed-up, never a wrong value.
 */
export function readsAlike(codes: readonly string[]): boolean {
	return codes.every((code) => {
		let unrewritten = false;
		// A template literal's `${` is no name.
		const rest = code
			.replace(BOUND, (name, at: number) => {
				if (!MEMBER_OBJECT.test(code.slice(at + name.length)) && UNREWRITTEN_BEFORE.test(code.slice(0, at))) unrewritten = true;
				return '_';
			})
			.replace(/\$\{/g, ' ');
		if (unrewritten || rest.includes('$') || rest.includes('___') || rest.includes('\\u') || /\bthis\b/.test(rest) || /(?<!:)\/\//.test(rest)) return false;
		return !rest.replace(NOT_WRITES, ' ').includes('=') && !/\+\+|--/.test(rest) && !MUTATING.test(rest) && !COMPUTED_MEMBER.test(rest);
	});
}

/** The same values, so that a chunk's reading can be checked against an item read alone. */
function same(a: unknown[], b: unknown[]): boolean {
	return a.length === b.length && a.every((value, index) => typeof value === typeof b[index] && JSON.stringify(value) === JSON.stringify(b[index]));
}

/**
 * Reads the joined fields of many items: `valuesOf(itemIndex)` gives that item's values as
 * `readAlone` would, or undefined where the item must be read on its own (for n8n's own error).
 * A chunk is evaluated when its first item is asked for, in one expression, and trusted only if its
 * first and last items read alone give the same values; otherwise, or if it throws, each of its
 * items is read alone. Items must be asked for in order.
 */
export function manyItemsReader(
	ctx: IExecuteFunctions,
	codes: readonly string[],
	readAlone: (itemIndex: number) => unknown[] | undefined,
	clean: (values: unknown[]) => unknown[],
): (itemIndex: number) => unknown[] | undefined {
	const itemCount = ctx.getInputData().length;
	if (itemCount < FEWEST_ITEMS || !readsAlike(codes)) return readAlone;
	// In n8n's combined binary mode `$input.all()` gives each item's JSON, otherwise the items.
	const combined = (ctx.getWorkflowSettings?.() as { binaryMode?: string } | undefined)?.binaryMode === 'combined';
	const perEvaluation = itemsPerEvaluation(itemCount);
	const fields = codes.map((code) => `(\n${code}\n)`).join(', ');
	const expression =
		`{{ ((${FIRST}, ${ITEMS}) => ${ITEMS}.slice(${FIRST}, ${FIRST} + ${perEvaluation}).map((${ITEM}, ${OFFSET}) => ` +
		`(($json, $itemIndex) => [${fields}])(${combined ? ITEM : `${ITEM}.json`}, ${FIRST} + ${OFFSET})))($itemIndex, $input.all()) }}`;

	let chunkStart = -1;
	let chunk: unknown[][] | undefined;
	const evaluateChunk = (first: number): unknown[][] | undefined => {
		const size = Math.min(perEvaluation, itemCount - first);
		if (size < FEWEST_ITEMS) return undefined;
		let rows: unknown;
		try {
			rows = ctx.evaluateExpression(expression, first);
		} catch {
			return undefined; // some item fails: each is read alone, for n8n's own error
		}
		if (!Array.isArray(rows) || rows.length !== size) return undefined;
		const read = rows as unknown[][];
		if (read.some((row) => !Array.isArray(row) || row.length !== codes.length || row.some((value) => typeof value === 'function'))) return undefined;
		const firstAlone = readAlone(first);
		const lastAlone = readAlone(first + size - 1);
		try {
			const cleaned = read.map(clean);
			return firstAlone && lastAlone && same(cleaned[0], firstAlone) && same(cleaned[size - 1], lastAlone) ? cleaned : undefined;
		} catch {
			return undefined; // a value n8n's clean-up or JSON cannot take (a cycle): each item alone
		}
	};
	return (itemIndex) => {
		const inChunk = chunkStart >= 0 && itemIndex >= chunkStart && itemIndex < chunkStart + perEvaluation;
		if (!inChunk) {
			chunkStart = itemIndex;
			chunk = evaluateChunk(itemIndex);
		}
		return chunk?.[itemIndex - chunkStart] ?? readAlone(itemIndex);
	};
}
