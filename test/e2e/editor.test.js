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
const VERSION = (process.env.N8N_VERSIONS ?? '2.41.0').split(',')[0];

let browser;
let page;
let n8n;
const mock = createMockRudderStack({ token: TOKEN });

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

it('the credential form tests the connection: success with the right token, an error with a wrong one', async () => {
	await page.getByText('Connect to RudderStack').or(page.getByTestId('node-credentials-select')).first().click();
	const modal = page.getByTestId('editCredential-modal');
	await modal.waitFor();
	const save = modal.getByTestId('credential-save-button');
	const token = modal.getByTestId('parameter-input-accessToken').locator('input');
	await modal.getByTestId('parameter-input-host').locator('input').fill(mock.url);
	await token.fill('wrong-token');
	await save.click();
	await modal.getByText(/Couldn.t connect with these settings/).waitFor();
	await shot('credential-wrong-token');
	await token.fill(TOKEN);
	await page.waitForTimeout(300);
	const testsBefore = mock.requests.length;
	await save.click();
	// n8n shows "Connection tested successfully", or (newer) closes the form once the test passes.
	await modal.getByText('Connection tested successfully').or(page.getByText('Credential successfully created')).first().waitFor();
	await shot('credential-ok');
	const tested = mock.requests.slice(testsBefore).filter((r) => r.path === '/v2/sources');
	assert.deepEqual(tested.map((r) => r.headers.authorization), [`Bearer ${TOKEN}`]);
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
