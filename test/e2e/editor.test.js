// The editor in a real browser: headless Chromium (Debian package) driven by playwright-core,
// against a started n8n with the packed package installed. Screenshots go to artifacts/.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, it } = require('node:test');

const { createMockRudderStack } = require('../mock/rudderstack-mock');
const { N8n, OWNER, ownerSession, PORT_BASE, REPO } = require('./n8n');

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
const ARTIFACTS = path.join(REPO, 'artifacts');
const TOKEN = 'editor-access-token';
// A token that may read only Reverse ETL: RudderStack refuses it /v2/sources.
const RETL_TOKEN = 'editor-retl-only-token';
const VERSION = (process.env.N8N_VERSIONS ?? '2.41.0').split(',')[0];

let browser;
let page;
let n8n;
const mock = createMockRudderStack({ token: TOKEN, retlOnlyToken: RETL_TOKEN });

const shot = async (name) => await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

/** The visible choices of an n8n dropdown parameter. */
async function choicesOf(parameter) {
	await page.getByTestId(`parameter-input-${parameter}`).click();
	const dropdown = page.locator('.el-select-dropdown:visible').last();
	const list = dropdown.locator('.el-select-dropdown__item');
	await list.first().waitFor();
	const choices = (await list.allInnerTexts()).map((text) => text.split('\n')[0].trim());
	const pick = async (label) => {
		await list.filter({ hasText: label }).first().click();
		await dropdown.waitFor({ state: 'hidden' });
	};
	return { choices, pick };
}

before(async () => {
	if (!CHROMIUM) throw new Error('Chromium is missing: apt-get install -y chromium (scripts/check.sh does it)');
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	await mock.start();
	n8n = new N8n(VERSION, { port: PORT_BASE + 42 });
	n8n.installPackage();
	await n8n.start();
	await ownerSession(n8n.url);
	const { chromium, selectors } = require('playwright-core');
	selectors.setTestIdAttribute('data-test-id');
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
	page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
	page.setDefaultTimeout(20_000);
});

after(async () => {
	await browser?.close();
	await n8n?.stop();
	await mock.stop();
});

it('finds the node in the panel, shows the contract choices, and switches the id field with the resource', async () => {
	await page.goto(`${n8n.url}/signin`);
	await page.locator('input[type=email]').fill(OWNER.email);
	await page.locator('input[type=password]').fill(OWNER.password);
	await page.getByTestId('form-submit-button').click();
	await page.waitForURL(/home|workflow/);
	await page.goto(`${n8n.url}/workflow/new`);
	await page.getByTestId('canvas-add-button').or(page.getByTestId('node-creator-plus-button')).first().click();
	await page.getByTestId('node-creator-search-bar').fill('RudderStack');
	await page.getByTestId('item-iterator-item').filter({ hasText: 'RudderStack' }).first().click();
	await shot('node-panel-actions');
	// With the trigger in the package, a workflow without a trigger lists its triggers first and folds the actions.
	if (!(await page.getByText('Start a sync', { exact: true }).isVisible())) await page.getByText(/^Actions \(\d+\)/).click();
	await page.getByText('Start a sync', { exact: true }).click();
	await page.getByTestId('parameter-input-connectionId').waitFor();
	await shot('node-parameters-retl');

	// n8n itself appends "Custom API Call" to these lists.
	const resources = await choicesOf('resource');
	assert.deepEqual(resources.choices.slice(0, 3), ['Reverse ETL', 'Profiles Project', 'ETL (Deprecated)']);
	await resources.pick('Reverse ETL');
	const retlOperations = await choicesOf('operation');
	assert.deepEqual(retlOperations.choices.slice(0, 5), ['Get', 'Get Many', 'Start', 'Stop', 'Wait']);
	await retlOperations.pick('Start');

	await (await choicesOf('resource')).pick('Profiles Project');
	await page.getByTestId('parameter-input-profileId').waitFor();
	assert.equal(await page.getByTestId('parameter-input-connectionId').count(), 0);
	const sourceOperations = await choicesOf('operation');
	assert.deepEqual(sourceOperations.choices.slice(0, 3), ['Get', 'Start', 'Wait']);
	await sourceOperations.pick('Start');
	await (await choicesOf('resource')).pick('ETL (Deprecated)');
	await page.getByTestId('parameter-input-sourceId').waitFor();
	await page.getByText('RudderStack ended ETL (Cloud Extract) support').waitFor();
	await shot('node-parameters-etl');
	await (await choicesOf('resource')).pick('Reverse ETL');
	await page.getByTestId('parameter-input-connectionId').waitFor();
});

it('the credential form tests the connection: success with a token for Reverse ETL only, an error that explains a wrong one', async () => {
	await page.getByText('Connect to RudderStack').or(page.getByTestId('node-credentials-select')).first().click();
	const modal = page.getByTestId('editCredential-modal');
	await modal.waitFor();
	const save = modal.getByTestId('credential-save-button');
	const token = modal.getByTestId('parameter-input-accessToken').locator('input');
	await modal.getByTestId('parameter-input-host').locator('input').fill(mock.url);
	await token.fill('wrong-token');
	await save.click();
	await modal.getByText(/Couldn.t connect with these settings/).waitFor();
	// n8n folds the test's message under "More details".
	await modal.getByText('More details').click();
	await modal.getByText(/RudderStack refused the access token \(401: Invalid access token\): it is invalid or has expired/).waitFor();
	await shot('credential-wrong-token');
	await token.fill(RETL_TOKEN);
	await page.waitForTimeout(300);
	const testsBefore = mock.requests.length;
	await save.click();
	// n8n shows "Connection tested successfully", or (newer) closes the form once the test passes.
	await modal.getByText('Connection tested successfully').or(page.getByText('Credential successfully created')).first().waitFor();
	await shot('credential-ok');
	const tested = mock.requests.slice(testsBefore).filter((r) => r.path === '/v2/workspace');
	assert.deepEqual(tested.map((r) => r.headers.authorization), [`Bearer ${RETL_TOKEN}`]);
	if (await modal.isVisible()) await page.keyboard.press('Escape');
	await modal.waitFor({ state: 'hidden' });
});

it('"From List" lists the mock\'s connections', async () => {
	await page.getByTestId('resource-locator-connectionId').getByPlaceholder(/Choose/).first().click();
	const list = page.getByTestId('resource-locator-item-conn_salesforce').or(page.getByText('conn_salesforce (source src_warehouse → destination dst_salesforce)'));
	await list.first().waitFor();
	await shot('connection-from-list');
	assert.ok(await page.getByText('conn_hubspot (source src_warehouse → destination dst_hubspot)').isVisible());
});

/** Adds an option of the Options collection unless it is there; returns the choices the "Add Option" list offered. */
async function addOption(label) {
	await page.getByText('Add Option', { exact: true }).or(page.getByPlaceholder('Add Option')).first().click();
	const dropdown = page.locator('.el-select-dropdown:visible, [role=listbox]:visible, [role=menu]:visible').last();
	const list = dropdown.locator('.el-select-dropdown__item, [role=option], [role=menuitem]');
	await list.first().waitFor();
	const offered = (await list.allInnerTexts()).map((text) => text.split('\n')[0].trim());
	await list.filter({ hasText: label }).first().click();
	// Until it has closed, the next dropdown's choices would be read from this one (seen in CI).
	await dropdown.waitFor({ state: 'hidden' });
	return offered;
}

it('Options offer per resource only the choices that work there', async () => {
	// Reverse ETL: attaching, stopping and the failed-row ceiling exist.
	const retlOffered = await addOption('If Already Running');
	assert.ok(retlOffered.includes('Max Failed Rows') && retlOffered.includes('Stop Sync on Cancel'), retlOffered.join(', '));
	const retlChoices = await choicesOf('ifAlreadyRunning');
	assert.deepEqual(retlChoices.choices, ['Wait Then Start', 'Attach', 'Fail']);
	await shot('options-retl');
	await retlChoices.pick('Wait Then Start');

	await (await choicesOf('resource')).pick('Profiles Project');
	await page.getByTestId('parameter-input-profileId').waitFor();
	if (!(await page.getByTestId('parameter-input-ifAlreadyRunning').count())) await addOption('If Already Running');
	const profilesChoices = await choicesOf('ifAlreadyRunning');
	assert.deepEqual(profilesChoices.choices, ['Wait Then Start', 'Fail']);
	await profilesChoices.pick('Fail');
	const profilesOffered = await addOption('On Timeout');
	assert.ok(!profilesOffered.some((label) => /Max Failed Rows|Stop Sync on Cancel|Reverse ETL Only/.test(label)), profilesOffered.join(', '));
	const onTimeout = await choicesOf('onTimeout');
	await shot('options-profiles');
	assert.deepEqual(onTimeout.choices, ['Fail', 'Return Running']);
	await onTimeout.pick('Return Running');
});

it('the trigger: offered as "On sync failed" / "On sync succeeded", with the connection picker and "Fetch Test Event"', async () => {
	page.once('dialog', (dialog) => dialog.accept()); // "leave without saving?"
	await page.goto(`${n8n.url}/workflow/new`);
	await page.getByTestId('canvas-add-button').or(page.getByTestId('node-creator-plus-button')).first().click();
	await page.getByTestId('node-creator-search-bar').fill('RudderStack');
	await page.getByTestId('item-iterator-item').filter({ hasText: 'RudderStack' }).first().click();
	await page.getByText('On sync succeeded').waitFor();
	await page.getByText('On sync failed').click();
	await page.getByTestId('parameter-input-connectionId').waitFor();
	await page.getByTestId('parameter-input-events').getByText('Sync Failed').waitFor();
	await page.getByText(/Fetch Test Event/i).first().waitFor();
	await shot('trigger-parameters');
	await page.getByTestId('resource-locator-connectionId').getByPlaceholder(/Choose/).first().click();
	await page.getByText('conn_salesforce (source src_warehouse → destination dst_salesforce)').first().waitFor();
	await shot('trigger-connection-from-list');
});
