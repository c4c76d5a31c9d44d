'use strict';
// MO → reply over SMPP, Mbushja against Kannel (bench/README.md; run it with bench/smpp-vs-kannel).
//
//   node bench.js --cli <mbushja.dll> --tmp <dir> [--messages 2000] [--senders 50]
//
// For each side an SMSC made of node-smpp (the peer of tests/smpp-interop) listens on 127.0.0.1, binds the ESME and
// injects MO deliver_sm in a closed loop: every sender has one message in flight, and sends its next one when the
// whole reply (every part) to the previous one has come back by submit_sm. A round trip is timed from the deliver_sm
// to the reply's last part.
//   - Mbushja does the full SMS Top Up for each MO: a holder registered at BEK (short code 50005) tops up an amount
//     (each text different, so none is taken for a redelivery), the sandbox bank at 0 ms holds and captures it, the
//     ledger commits, and the reply leaves the outbox by submit_sm.
//   - Kannel (bearerbox + smsbox, configured here in --tmp) relays each MO to an HTTP responder that answers at once,
//     and sends the body back as the reply: what an operator would deploy instead.
// Prints msgs/s and p50/p99 for both, and the ratio.
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const smpp = require(path.join(root, 'tests', 'smpp-interop', 'node_modules', 'smpp'));

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const cli = option('cli');
const tmp = option('tmp');
const messages = Number(option('messages', '2000'));
const senders = Number(option('senders', '50'));
if (!cli || !tmp || !(messages > 0) || !(senders > 0)) {
  console.error('usage: node bench.js --cli <mbushja.dll> --tmp <dir> [--messages N] [--senders K]');
  process.exit(2);
}

const children = [];
function stopChildren() {
  for (const child of children) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
    }
  }
}
process.on('exit', stopChildren);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Spawns a program of ours (its pid is ours to stop), output to a log file in --tmp.
function start(name, command, args, env) {
  const log = fs.openSync(path.join(tmp, name + '.out'), 'w');
  const child = spawn(command, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!child.stopping) {
      console.error(`${name} exited (${code ?? signal}); see ${path.join(tmp, name + '.out')}`);
    }
  });
  return child;
}

async function stop(child) {
  if (child.exitCode !== null) {
    return;
  }
  child.stopping = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15000)]);
  if (child.exitCode === null) {
    child.kill('SIGKILL');
  }
}

// The SMSC: binds one ESME, answers its submit_sm, and tells `onReply` of each one.
function startPeer(systemId, password) {
  return new Promise((resolve) => {
    let bound;
    const boundPromise = new Promise((r) => { bound = r; });
    const peer = { onReply: () => {}, bound: boundPromise, submits: 0 };
    let nextId = 1;
    const server = smpp.createServer({}, (session) => {
      session.on('error', () => {});
      const bind = (pdu) => {
        if (pdu.system_id !== systemId || pdu.password !== password) {
          session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
          return;
        }
        session.send(pdu.response({ system_id: 'BENCHSMSC' }));
        bound(session);
      };
      session.on('bind_transceiver', bind);
      session.on('enquire_link', (pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
      session.on('submit_sm', (pdu) => {
        session.send(pdu.response({ message_id: (nextId++).toString(16) }));
        peer.submits++;
        peer.onReply(pdu);
      });
    });
    server.listen(0, '127.0.0.1', () => {
      peer.port = server.address().port;
      peer.close = () => server.close();
      resolve(peer);
    });
  });
}

// How many parts the reply this submit_sm belongs to has (UDH 8/16-bit concatenation or SAR; 1 otherwise).
function partsOf(pdu) {
  const udh = (pdu.short_message && pdu.short_message.udh) || [];
  for (const ie of udh) {
    if (ie[0] === 0x00 && ie.length >= 5) return ie[3];
    if (ie[0] === 0x08 && ie.length >= 6) return ie[4];
  }
  return pdu.sar_total_segments || 1;
}

// The closed loop: `count` MO from `numbers` (one in flight per number), each timed until its whole reply came back.
async function load(peer, session, numbers, shortCode, textOf, count) {
  const latencies = [];
  const state = new Map(numbers.map((n) => [n, { started: 0, parts: 0, waiting: false, resolve: null }]));
  peer.onReply = (pdu) => {
    const s = state.get(String(pdu.destination_addr).replace(/^\+/, ''));
    if (!s || !s.waiting) return;
    s.parts++;
    if (s.parts >= partsOf(pdu)) {
      s.waiting = false;
      latencies.push(Number(process.hrtime.bigint() - s.started) / 1e6);
      s.resolve();
    }
  };
  let sent = 0;
  const startedAt = process.hrtime.bigint();
  await Promise.all(numbers.map(async (number) => {
    const s = state.get(number);
    while (sent < count) {
      const i = sent++;
      const done = new Promise((resolve, reject) => {
        s.resolve = resolve;
        s.timer = setTimeout(() => reject(new Error(`no reply to ${number} within 60 s`)), 60000);
      });
      s.parts = 0;
      s.waiting = true;
      s.started = process.hrtime.bigint();
      session.deliver_sm({
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: number,
        dest_addr_ton: 0,
        dest_addr_npi: 1,
        destination_addr: shortCode,
        data_coding: 0,
        short_message: textOf(i),
      }, (resp) => {
        if (resp.command_status !== 0) console.error(`deliver_sm from ${number}: status 0x${resp.command_status.toString(16)}`);
      });
      await done;
      clearTimeout(s.timer);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { count: latencies.length, perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

// Kosovo IBAN (XK + 2 check digits + 16 digits), as the registration API wants.
function iban(n) {
  const bban = String(1000000000000000n + BigInt(n));
  const check = 98n - (BigInt(bban + '332000') % 97n);
  return 'XK' + String(check).padStart(2, '0') + bban;
}

async function api(base, key, method, url, body) {
  const response = await fetch(base + url, {
    method,
    headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  }
}

async function mbushja() {
  const peer = await startPeer('mbushja', 'bench-pw');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const key = 'bench-admin-key-' + crypto.randomBytes(16).toString('hex'); // 32 characters at least
  const server = start('mbushja', 'dotnet', [cli, 'serve', '--urls', base, '--data', path.join(tmp, 'mbushja-data'),
    '--smsc', `smpp://mbushja@127.0.0.1:${peer.port}`], { MBUSHJA_ADMIN_KEY: key, MBUSHJA_SMPP_PASSWORD: 'bench-pw' });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base + '/health')).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600 || server.exitCode !== null) throw new Error('Mbushja did not start; see ' + path.join(tmp, 'mbushja.out'));
    await sleep(100);
  }
  const session = await peer.bound;
  const numbers = [];
  for (let s = 0; s < senders; s++) {
    const national = '0497' + String(10000 + s).padStart(5, '0');
    numbers.push('383' + national.slice(1));
    await api(base, key, 'POST', '/api/v1/subscribers', { msisdn: national, creditCents: 0, language: 'en' });
    await api(base, key, 'POST', '/api/v1/banks/BEK/registrations', { holderMsisdn: national, accountRef: iban(s), authorized: [], contractAccounts: [] });
    await api(base, key, 'PUT', `/sandbox/banks/BEK/accounts/${iban(s)}`, { balanceCents: 1000000000 });
  }
  // Every text different (1.01, 1.02, ... EUR): the same text from the same number within 10 minutes is a redelivery.
  let amounts = 101;
  const text = () => { const c = amounts++; return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`; };
  await load(peer, session, numbers, '50005', text, senders * 2); // warm-up
  const result = await load(peer, session, numbers, '50005', text, messages);
  await stop(server);
  peer.close();
  return result;
}

async function kannel() {
  const peer = await startPeer('kannel', 'bench-pw');
  const responder = http.createServer((req, res) => {
    const text = new URL(req.url, 'http://localhost').searchParams.get('text') || '';
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('Thanks, we got: ' + text);
  });
  await new Promise((resolve) => responder.listen(0, '127.0.0.1', resolve));
  const [admin, smsbox, sendsms] = [await freePort(), await freePort(), await freePort()];
  const conf = path.join(tmp, 'kannel.conf');
  fs.mkdirSync(path.join(tmp, 'kannel-spool'), { recursive: true });
  fs.writeFileSync(conf, [
    'group = core',
    `admin-port = ${admin}`,
    'admin-password = bench',
    'admin-deny-ip = "*.*.*.*"',
    'admin-allow-ip = "127.0.0.1"',
    `smsbox-port = ${smsbox}`,
    'box-deny-ip = "*.*.*.*"',
    'box-allow-ip = "127.0.0.1"',
    // A store, as a deployment has: messages survive a restart (Mbushja records each one before it answers).
    'store-type = spool',
    `store-location = "${path.join(tmp, 'kannel-spool')}"`,
    `log-file = "${path.join(tmp, 'bearerbox.log')}"`,
    'log-level = 3',
    '',
    'group = smsc',
    'smsc = smpp',
    'smsc-id = peer',
    'host = 127.0.0.1',
    `port = ${peer.port}`,
    'transceiver-mode = true',
    'smsc-username = kannel',
    'smsc-password = bench-pw',
    'system-type = ""',
    'max-pending-submits = 10',
    '',
    'group = smsbox',
    'bearerbox-host = 127.0.0.1',
    `sendsms-port = ${sendsms}`,
    `log-file = "${path.join(tmp, 'smsbox.log')}"`,
    'log-level = 3',
    '',
    'group = sms-service',
    'keyword = default',
    'catch-all = true',
    `get-url = "http://127.0.0.1:${responder.address().port}/reply?from=%p&to=%P&text=%a"`,
    'max-messages = 1',
    'accept-x-kannel-headers = true',
    'omit-empty = true',
    '',
  ].join('\n'));
  const bearerbox = start('bearerbox', '/usr/sbin/bearerbox', ['-v', '3', conf]);
  await sleep(500);
  const box = start('smsbox', '/usr/sbin/smsbox', ['-v', '3', conf]);
  const session = await Promise.race([peer.bound, sleep(30000).then(() => { throw new Error('Kannel did not bind within 30 s'); })]);
  await sleep(1000); // smsbox connects to bearerbox
  const numbers = [];
  for (let s = 0; s < senders; s++) numbers.push('3834970' + String(s).padStart(4, '0'));
  const text = (i) => String(1 + (i % 100));
  await load(peer, session, numbers, '50005', text, senders * 2); // warm-up
  const result = await load(peer, session, numbers, '50005', text, messages);
  await stop(box);
  await stop(bearerbox);
  responder.close();
  peer.close();
  return result;
}

function row(name, r) {
  return `| ${name} | ${r.count} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`;
}

(async () => {
  fs.mkdirSync(tmp, { recursive: true });
  console.log(`bench/smpp-vs-kannel: ${messages} MO per side, ${senders} senders with one message in flight each`);
  const m = await mbushja();
  console.log(`Mbushja: ${m.perSecond.toFixed(0)} msgs/s`);
  const k = await kannel();
  console.log(`Kannel: ${k.perSecond.toFixed(0)} msgs/s`);
  console.log('');
  console.log('| side | MO → reply | msgs/s | p50 ms | p99 ms |');
  console.log('|---|---|---|---|---|');
  console.log(row('Mbushja (full SMS top-up, sandbox bank 0 ms)', m));
  console.log(row('Kannel (relay to an HTTP responder)', k));
  console.log('');
  console.log(`ratio Mbushja / Kannel: ${(m.perSecond / k.perSecond).toFixed(2)} (target: above 1)`);
  process.exit(0);
})().catch((e) => {
  console.error('bench/smpp-vs-kannel: ' + (e && e.stack || e));
  process.exit(1);
});
