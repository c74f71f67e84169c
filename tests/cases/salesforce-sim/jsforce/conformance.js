// conformance.js: jsforce against salesforce-sim (SF_BASE): what a real client does, and
// what it gets. Each step prints one line; a step that throws prints FAILED and the run
// exits 1. Run by cmd, with NODE_PATH naming the node_modules jsforce is in.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const jsforce = require('@jsforce/jsforce-node');
const { QueryJobV2 } = require('@jsforce/jsforce-node/lib/api/bulk2');

const base = process.env.SF_BASE;
const version = '62.0';
const clientId = 'sf-sim-client';
let failures = 0;

async function step(name, fn) {
  try {
    console.log(`${name}: ${await fn()}`);
  } catch (e) {
    failures++;
    console.log(`${name}: FAILED ${e.name}: ${e.message}`);
  }
}

// The simulator's admin calls (no token).
async function admin(path, body) {
  const r = await fetch(base + path, body ? { method: 'POST', body: JSON.stringify(body) } : {});
  return r.json();
}

function check(ok, what) {
  if (!ok) throw new Error(what);
}

// The members each field's describe must carry, and their JavaScript types.
const members = {
  name: 'string', label: 'string', type: 'string', soapType: 'string', length: 'number',
  nillable: 'boolean', updateable: 'boolean', createable: 'boolean', custom: 'boolean',
};
const soapTypes = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', boolean: 'xsd:boolean',
  datetime: 'xsd:dateTime', date: 'xsd:date', double: 'xsd:double', currency: 'xsd:double',
  int: 'xsd:int', email: 'xsd:string', phone: 'xsd:string', picklist: 'xsd:string',
  textarea: 'xsd:string', url: 'xsd:string', percent: 'xsd:double',
};

(async () => {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: base, clientId, clientSecret: 'sf-sim-secret' },
    version,
  });
  const leads = [];

  await step('client credentials', async () => {
    const user = await conn.authorize({ grant_type: 'client_credentials' });
    return `org ${user.organizationId}, user ${user.id}, instance the simulator: ${conn.instanceUrl === base}`;
  });

  // JWT bearer: the assertion's audience is the login URL jsforce knows
  // (https://login.salesforce.com, its default); only the token request goes to the
  // simulator.
  await step('JWT bearer', async () => {
    const jwt = new jsforce.Connection({
      oauth2: {
        authzServiceUrl: 'https://login.salesforce.com/services/oauth2/authorize',
        tokenServiceUrl: `${base}/services/oauth2/token`,
        clientId,
      },
      version,
    });
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const aud = jwt.oauth2.loginUrl;
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
      iss: clientId, sub: 'integration@example.com', aud, exp: Math.floor(Date.now() / 1000) + 180,
    })}`;
    const signature = crypto.sign('RSA-SHA256', Buffer.from(unsigned), fs.readFileSync('key.pem'));
    const user = await jwt.authorize({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${unsigned}.${signature.toString('base64url')}`,
    });
    const global = await jwt.describeGlobal();
    return `aud ${aud}, user ${user.id}, the token works: ${global.sobjects.length} objects`;
  });

  await step('describe global', async () => {
    const global = await conn.describeGlobal();
    return `${global.encoding}, maxBatchSize ${global.maxBatchSize}, ${global.sobjects
      .map((o) => `${o.name}(${o.keyPrefix})`).join(' ')}`;
  });

  await step('describe Lead', async () => {
    const d = await conn.sobject('Lead').describe();
    const picklists = [];
    const references = [];
    for (const f of d.fields) {
      for (const [m, t] of Object.entries(members))
        check(typeof f[m] === t, `${f.name}.${m} is ${typeof f[m]}, not ${t}`);
      check(soapTypes[f.type] === f.soapType, `${f.name}: ${f.type} as ${f.soapType}`);
      check(Array.isArray(f.picklistValues) && Array.isArray(f.referenceTo),
        `${f.name}: no picklistValues or referenceTo`);
      check((f.type === 'picklist') === (f.picklistValues.length > 0),
        `${f.name}: ${f.type} with ${f.picklistValues.length} picklist values`);
      check((f.type === 'reference') === (f.referenceTo.length > 0),
        `${f.name}: ${f.type} referring to ${f.referenceTo.length} objects`);
      if (f.type === 'picklist') {
        const dflt = f.picklistValues.filter((v) => v.defaultValue).map((v) => v.value);
        check(f.picklistValues.every((v) => v.active && v.label === v.value), `${f.name}: values`);
        picklists.push(`${f.name}(${f.picklistValues.length}${dflt.length ? `, ${dflt}` : ''})`);
      }
      if (f.type === 'reference') references.push(`${f.name}>${f.referenceTo.join('|')}`);
    }
    return `${d.fields.length} fields; picklists ${picklists.join(' ')}; references ${references.join(' ')}`;
  });

  await step('Bulk API 2.0 query', async () => {
    conn.bulk2.pollInterval = 20;
    const stream = await conn.bulk2.query('SELECT Id, LastName, Email FROM Lead ORDER BY LastName');
    for await (const row of stream) leads.push(row);
    return `${leads.length} rows, first ${leads[0].LastName}, last ${leads[leads.length - 1].LastName}`;
  });

  // Results in pages of 10 (maxRecords), each page's Sforce-Locator naming the next, read
  // through jsforce's own job and requests. Not through bulk2.query(), whose stream ends
  // with the first page (pipe() ends its destination), so that a second page is a "write
  // after end", against Salesforce as well: jsforce issues 1546 and 1693
  // (https://github.com/jsforce/jsforce/issues/1546).
  await step('Bulk API 2.0 query, pages of 10', async () => {
    const job = new QueryJobV2(conn, {
      bodyParams: { operation: 'query', query: 'SELECT Id, LastName, Email FROM Lead ORDER BY LastName' },
      pollingOptions: conn.bulk2,
    });
    await job.open();
    await job.poll(20, 10000);
    const rows = [];
    const sizes = [];
    let locator = null;
    do {
      const page = await job.createQueryRequest({
        method: 'GET',
        path: `/${job.id}/results?maxRecords=10${locator ? `&locator=${locator}` : ''}`,
        headers: { Accept: 'text/csv' },
        responseType: 'text/csv',
      });
      sizes.push(page.length);
      rows.push(...page);
      locator = job.locator;
    } while (locator && locator !== 'null');
    check(JSON.stringify(rows) === JSON.stringify(leads), 'not the rows of one page');
    return `${rows.length} rows in pages of ${sizes.join(', ')}, the locator after the last ${locator}; the rows of one page`;
  });

  await step('REST query', async () => {
    const all = await conn.sobject('Lead').find({}, '*').sort('Id').execute();
    const r = all[0];
    check(all.length === leads.length, `${all.length} records, the bulk query ${leads.length}`);
    check(Object.keys(r).length - 1 === (await conn.sobject('Lead').describe()).fields.length,
      'not every field');
    return `${all.length} records of every field; ${r.Id}: IsConverted ${r.IsConverted}, NumberOfEmployees ${r.NumberOfEmployees}, CreatedDate ${r.CreatedDate}, Email ${r.Email}, url ${r.attributes.url}`;
  });

  await step('REST query, SOQL from jsforce', async () => {
    const found = await conn.sobject('Lead')
      .find({ LastName: { $like: 'S%' }, IsDeleted: false }, ['Id', 'LastName'])
      .sort('-LastName').limit(5).execute();
    return found.map((r) => r.LastName).join(' ');
  });

  const ids = leads.map((r) => r.Id).sort();
  await step('Bulk API 2.0 ingest update', async () => {
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'update',
      input: [
        { Id: ids[0], Title: 'Bulk title', LastName: '' },
        { Id: ids[1], Title: 'Never', LastName: null },
        { Id: ids[2], Title: 'Bulk title 2', LastName: '' },
      ],
      pollInterval: 20,
      pollTimeout: 10000,
    });
    const back = await conn.query(`SELECT Id, Title, LastName FROM Lead WHERE Id IN ('${ids.slice(0, 3).join("','")}') ORDER BY Id`);
    return `successful ${res.successfulResults.map((r) => `${r.sf__Id}(${r.sf__Created})`).join(' ')}; failed ${res.failedResults.map((r) => `${r.Id} ${r.sf__Error}`).join(' ')}; unprocessed ${res.unprocessedRecords.length}; now ${back.records.map((r) => `${r.Title}/${r.LastName}`).join(' ')}`;
  });

  await step('sObject Collections update', async () => {
    const res = await conn.sobject('Lead').update([
      { Id: ids[3], Title: 'Collections title' },
      { Id: ids[4], Email: `${'x'.repeat(80)}@example.com` },
    ]);
    return res.map((r) => (r.success ? `${r.id} updated` : `${r.id} ${r.errors.map((e) => `${e.statusCode} ${e.fields}`)}`)).join('; ');
  });

  await step('sObject Collections update, allOrNone', async () => {
    const res = await conn.sobject('Lead').update([
      { Id: ids[5], Title: 'Rolled back' },
      { Id: ids[6], LastName: null },
    ], { allOrNone: true });
    return res.map((r) => (r.success ? `${r.id} updated` : `${r.id} ${r.errors.map((e) => e.statusCode)}`)).join('; ');
  });

  // REST query paging: 450 leads more, batches of 200 as Sforce-Query-Options asks.
  await step('REST query, several batches', async () => {
    const records = [];
    for (let i = 0; i < 450; i++)
      records.push({ Id: `00QSIMLEAD${String(i).padStart(5, '0')}`, LastName: `Paged ${i}` });
    const inserted = await admin('/_sim/insert', { object: 'Lead', records });
    await admin('/_sim/delete', { object: 'Lead', ids: [records[0].Id] });
    const q = conn.query('SELECT Id, LastName FROM Lead');
    let batches = 0;
    q.on('fetch', () => batches++);
    const got = (await q.execute({
      autoFetch: true, maxFetch: 100000, headers: { 'Sforce-Query-Options': 'batchSize=200' },
    })).records;
    const deleted = await conn.query('SELECT Id FROM Lead WHERE IsDeleted = true').scanAll(true);
    return `${inserted.inserted} inserted, 1 deleted; ${got.length} records (${new Set(got.map((r) => r.Id)).size} ids) in ${batches} batches; queryAll finds the deleted one: ${deleted.totalSize}`;
  });

  await step('limits', async () => {
    const limits = await conn.limits();
    return `DailyApiRequests Max ${limits.DailyApiRequests.Max}`;
  });

  process.exitCode = failures ? 1 : 0;
})();
