#!/usr/bin/env node
/* global describe, it, before, after, xit */
// End-to-end test of the package on a real Cloudron, in the Cloudron packaging convention
// (mocha + selenium). Needs: the cloudron CLI logged in, USERNAME and PASSWORD of a Cloudron
// user, Chrome and chromedriver. Run: cd cloudron/test && npm install && USERNAME=.. PASSWORD=.. npm test

'use strict';

const { execSync } = require('child_process');
const expect = require('expect.js');
const path = require('path');
const { Builder, By, until } = require('selenium-webdriver');
const chrome = require('selenium-webdriver/chrome');

const LOCATION = process.env.LOCATION || 'test';
const TIMEOUT = parseInt(process.env.TIMEOUT || '60000', 10);
const EXEC_ARGS = { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' };

describe('Matrix (Synapse + MAS) on Cloudron', function () {
    this.timeout(0);

    let browser, app;
    const username = process.env.USERNAME;
    const password = process.env.PASSWORD;

    before(function () {
        if (!username || !password) throw new Error('USERNAME and PASSWORD must be set');
        const options = new chrome.Options().windowSize({ width: 1280, height: 1024 });
        if (process.env.HEADLESS !== 'false') options.addArguments('--headless=new');
        browser = new Builder().forBrowser('chrome').setChromeOptions(options).build();
    });

    after(function () {
        browser.quit();
    });

    function getAppInfo() {
        const inspect = JSON.parse(execSync('cloudron inspect'));
        app = inspect.apps.filter(function (a) { return a.location === LOCATION; })[0];
        expect(app).to.be.an('object');
    }

    async function apiVersions() {
        const response = await fetch(`https://${app.fqdn}/_matrix/client/versions`);
        expect(response.status).to.be(200);
        const body = await response.json();
        expect(body.versions.length).to.be.greaterThan(0);
    }

    async function loginFlowsPreferOAuth() {
        const response = await fetch(`https://${app.fqdn}/_matrix/client/v3/login`);
        const body = await response.json();
        const sso = body.flows.filter(function (f) { return f.type === 'm.login.sso'; })[0];
        expect(sso.oauth_aware_preferred).to.be(true);
    }

    async function loginWithCloudron() {
        await browser.manage().deleteAllCookies();
        await browser.get(`https://${app.fqdn}/login`);
        const button = By.xpath('//a[contains(., "Cloudron")] | //button[contains(., "Cloudron")]');
        await browser.wait(until.elementLocated(button), TIMEOUT);
        await browser.findElement(button).click();
        await browser.wait(until.elementLocated(By.id('inputUsername')), TIMEOUT);
        await browser.findElement(By.id('inputUsername')).sendKeys(username);
        await browser.findElement(By.id('inputPassword')).sendKeys(password);
        await browser.findElement(By.id('loginSubmitButton')).click();
        // First login may ask to confirm the account details.
        const cont = By.xpath('//button[@type="submit" and (contains(., "Continue") or contains(., "Create"))]');
        try {
            await browser.wait(until.elementLocated(cont), 5000);
            await browser.findElement(cont).click();
        } catch (e) { /* returning user */ }
        await browser.wait(until.urlContains(`${app.fqdn}/account`), TIMEOUT);
        await browser.wait(until.elementLocated(By.xpath(`//*[contains(., "${username}")]`)), TIMEOUT);
    }

    async function statusIsHealthy() {
        const out = execSync(`cloudron exec --app ${app.id} -- /app/code/matrixctl status`).toString();
        expect(out).to.contain('synapse  READY');
        expect(out).to.contain('mas      READY');
    }

    xit('build app', function () { execSync('cloudron build', EXEC_ARGS); });

    it('install app', function () { execSync(`cloudron install --location ${LOCATION}`, EXEC_ARGS); });
    it('can get app information', getAppInfo);
    it('answers the client API', apiVersions);
    it('advertises OAuth login', loginFlowsPreferOAuth);
    it('can login with Cloudron', loginWithCloudron);
    it('reports every process ready', statusIsHealthy);

    it('can restart app', function () { execSync(`cloudron restart --app ${app.id}`); });
    it('answers the client API', apiVersions);
    it('can login with Cloudron', loginWithCloudron);

    it('backup app', function () { execSync(`cloudron backup create --app ${app.id}`, EXEC_ARGS); });
    it('restore app', function () {
        const backups = JSON.parse(execSync(`cloudron backup list --raw --app ${app.id}`));
        execSync('cloudron uninstall --app ' + app.id, EXEC_ARGS);
        execSync(`cloudron install --location ${LOCATION}`, EXEC_ARGS);
        getAppInfo();
        execSync(`cloudron restore --backup ${backups[0].id} --app ${app.id}`, EXEC_ARGS);
    });
    it('answers the client API', apiVersions);
    it('can login with Cloudron', loginWithCloudron);

    it('uninstall app', function () { execSync(`cloudron uninstall --app ${app.id}`, EXEC_ARGS); });

    // update path: install the previous published version, then update to this build
    it('can install previous version from appstore', function () {
        execSync(`cloudron install --appstore-id internal.mxstack.matrix --location ${LOCATION}`, EXEC_ARGS);
    });
    it('can get app information', getAppInfo);
    it('can login with Cloudron', loginWithCloudron);
    it('can update', function () { execSync(`cloudron update --app ${LOCATION}`, EXEC_ARGS); });
    it('answers the client API', apiVersions);
    it('can login with Cloudron', loginWithCloudron);
    it('uninstall app', function () { execSync(`cloudron uninstall --app ${app.id}`, EXEC_ARGS); });
});
