'use strict';
// An SMSC made of node-smpp (https://github.com/farhadi/node-smpp, MIT), for Mbushja's interoperability test.
// Mbushja's C# test starts it, drives it with one JSON command per line on stdin, and reads one JSON event per line
// on stdout. Everything that goes over the wire is node-smpp's own encoding and decoding: that is the point.
//
//   node smsc.js <port, 0 for any> <system_id> <password>
//
// Events: listening {port}; bound {system_id, interface_version}; enquire_link (the ESME's, answered);
// submit_sm {message_id, source, destination, ..., udh: [hex], message} (answered with message_id);
// deliver_sm_resp {id, command_status}; enquire_link_resp {id, command_status}; unbind; close; error {message}.
// Commands: deliver {id, source, destination, text, data_coding}; receipt {id, source, destination, message_id};
// enquire_link {id}; quit.
const smpp = require('smpp');
const readline = require('readline');

const [port, systemId, password] = process.argv.slice(2);
let bound = null;
let nextMessageId = 0x7a000;

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

const server = smpp.createServer({}, (session) => {
  session.on('error', (e) => emit({ event: 'error', message: String(e && e.message) }));
  session.on('bind_transceiver', (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.send(pdu.response({ system_id: 'NODESMSC' }));
    bound = session;
    emit({ event: 'bound', system_id: pdu.system_id, interface_version: pdu.interface_version });
  });
  session.on('enquire_link', (pdu) => {
    session.send(pdu.response());
    emit({ event: 'enquire_link' });
  });
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    emit({ event: 'unbind' });
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    const messageId = (nextMessageId++).toString(16).toUpperCase();
    const sm = pdu.short_message || {};
    emit({
      event: 'submit_sm',
      message_id: messageId,
      source: pdu.source_addr,
      source_ton: pdu.source_addr_ton,
      destination: pdu.destination_addr,
      destination_ton: pdu.dest_addr_ton,
      data_coding: pdu.data_coding,
      esm_class: pdu.esm_class,
      registered_delivery: pdu.registered_delivery,
      udh: (sm.udh || []).map((b) => b.toString('hex')),
      message: typeof sm.message === 'string' ? sm.message : '',
    });
    session.send(pdu.response({ message_id: messageId }));
  });
  session.on('close', () => {
    if (bound === session) {
      bound = null;
    }
    emit({ event: 'close' });
  });
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line);
  if (command.cmd === 'quit') {
    server.close();
    process.exit(0);
  }
  if (!bound) {
    emit({ event: 'error', id: command.id, message: 'no ESME is bound' });
    return;
  }
  if (command.cmd === 'deliver') {
    // node-smpp codes the text by data_coding: 0 GSM 03.38 (unpacked), 3 Latin-1, 8 UCS-2.
    bound.deliver_sm({
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: command.source,
      dest_addr_ton: 0,
      dest_addr_npi: 1,
      destination_addr: command.destination,
      data_coding: command.data_coding,
      short_message: command.text,
    }, (resp) => emit({ event: 'deliver_sm_resp', id: command.id, command_status: resp.command_status }));
  } else if (command.cmd === 'receipt') {
    bound.deliver_sm({
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: command.source,
      destination_addr: command.destination,
      esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
      data_coding: 0,
      short_message: `id:${command.message_id} sub:001 dlvrd:001 submit date:2611250000 done date:2611250001 stat:DELIVRD err:000 text:`,
      receipted_message_id: command.message_id,
      message_state: smpp.MESSAGE_STATE.DELIVERED,
    }, (resp) => emit({ event: 'deliver_sm_resp', id: command.id, command_status: resp.command_status }));
  } else if (command.cmd === 'enquire_link') {
    bound.enquire_link({}, (resp) => emit({ event: 'enquire_link_resp', id: command.id, command_status: resp.command_status }));
  }
});

server.listen(Number(port), '127.0.0.1', () => emit({ event: 'listening', port: server.address().port }));
