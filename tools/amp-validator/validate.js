#!/usr/bin/env node
// Validates many AMP pages in one node process with the official validator, fully offline.
//
// Usage:
//   node validate.js --validator_js PATH FILE...      (results keyed by file name)
//   node validate.js --validator_js PATH -            (stdin: {"pages": {"name": "<html>"}})
// Prints one JSON object to stdout:
//   {"name": {"status": "PASS"|"FAIL", "errors": ["line:col CODE message"], "warnings": [...]}}
// Exit status: 0 when every page passes, 1 when any fails, 2 on a usage or setup error.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

// The validator must never reach the network: getInstance() without a local file downloads
// validator_wasm.js from the AMP CDN. Fail loudly instead of silently depending on it.
net.Socket.prototype.connect = function () {
  throw new Error('amp-validator: network access is disabled in validate.js');
};
globalThis.fetch = function () {
  throw new Error('amp-validator: network access is disabled in validate.js');
};

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(2);
}

function parseArgs(argv) {
  const here = __dirname;
  const cache = path.resolve(here, '..', '..', '.cache', 'amp-validator');
  const args = { validatorJs: path.join(cache, 'validator_wasm.js'), inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--validator_js') {
      args.validatorJs = argv[++i];
    } else {
      args.inputs.push(argv[i]);
    }
  }
  if (args.inputs.length === 0) fail('usage: validate.js [--validator_js PATH] FILE...|-');
  args.validatorJs = path.resolve(args.validatorJs);
  args.moduleDir = path.join(path.dirname(args.validatorJs), 'node_modules', 'amphtml-validator');
  return args;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function loadPages(inputs) {
  if (inputs.length === 1 && inputs[0] === '-') {
    const data = JSON.parse(await readStdin());
    if (!data || typeof data.pages !== 'object') fail('stdin: expected {"pages": {...}}');
    return data.pages;
  }
  const pages = {};
  for (const name of inputs) pages[name] = fs.readFileSync(name, 'utf8');
  return pages;
}

function describe(error) {
  let text = `${error.line}:${error.col} ${error.code} ${error.message}`;
  if (error.specUrl) text += ` (see ${error.specUrl})`;
  return text;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.validatorJs)) fail(`missing ${args.validatorJs}: run tools/amp-validator/install.sh`);
  if (!fs.existsSync(args.moduleDir)) fail(`missing ${args.moduleDir}: run tools/amp-validator/install.sh`);
  const amphtmlValidator = require(args.moduleDir);
  const pages = await loadPages(args.inputs);
  const validator = await amphtmlValidator.getInstance(args.validatorJs);
  const results = {};
  let allPass = true;
  for (const name of Object.keys(pages).sort()) {
    const result = validator.validateString(pages[name], 'AMP');
    const errors = result.errors.filter((e) => e.severity === 'ERROR').map(describe);
    const warnings = result.errors.filter((e) => e.severity !== 'ERROR').map(describe);
    if (result.status !== 'PASS' && errors.length === 0) errors.push(`status ${result.status}`);
    if (result.status !== 'PASS') allPass = false;
    results[name] = { status: result.status, errors, warnings };
  }
  process.stdout.write(JSON.stringify(results) + '\n', () => process.exit(allPass ? 0 : 1));
}

main().catch((error) => fail(`amp-validator: ${error && error.stack ? error.stack : error}`));
