#!/usr/bin/env node
// Check conform's golden signature vectors with Node's standard library only.
//
// Usage: node check_vectors.mjs [VECTORS_DIR]
// VECTORS_DIR defaults to ../vectors next to this script (golden/vectors).
//
// An independent implementation of the four signing formulas: it shares no
// code with the Go kit. Prints one line per failing vector, then
// "vectors: N passed, M failed"; exits 1 on any failure (or when no vector ran).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FORMAT = 'conform-signature-vectors/v1';
const MAX_GENERATED = 16 << 20;

const sha256Hex = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

// The four formulas, written out from the provider documents (see golden/README.md).
// Secrets and payloads are Buffers: the formulas are over bytes.
const FORMULAS = {
  // X-SIGNATURE = hex(sha256(payload || secret))
  'veriff-x-signature': ['X-SIGNATURE', (s, p) => sha256Hex(p, s)],
  // X-HMAC-SIGNATURE = hex(hmac_sha256(key=secret, payload))
  'veriff-hmac': ['X-HMAC-SIGNATURE', (s, p) => createHmac('sha256', s).update(p).digest('hex')],
  // Signature = hex(sha256(payload || hex(sha256(secret))))
  shuftipro: ['Signature', (s, p) => sha256Hex(p, Buffer.from(sha256Hex(s), 'ascii'))],
  // Signature = hex(sha256(payload || secret))  (clients registered before 15 March 2023)
  'shuftipro-legacy': ['Signature', (s, p) => sha256Hex(p, s)],
};

// Exactly 64 hex digits, either case. Checked explicitly because
// Buffer.from(s, 'hex') silently stops at the first non-hex character.
const HEX64 = /^[0-9a-fA-F]{64}$/;

class VectorError extends Error {}

function bodyOf(v) {
  const gen = v.body_generate;
  if (gen !== undefined) {
    if ('body' in v || 'body_base64' in v) throw new VectorError('body_generate excludes body and body_base64');
    const unit = Buffer.from(gen.repeat, 'utf8');
    const n = gen.bytes;
    if (unit.length === 0 || !Number.isInteger(n) || n < 0 || n > MAX_GENERATED) throw new VectorError('bad body_generate');
    // Expansion is over bytes: repeat the UTF-8 bytes, cut at exactly n bytes.
    const out = Buffer.alloc(n);
    for (let off = 0; off < n; off += unit.length) unit.copy(out, off, 0, Math.min(unit.length, n - off));
    return out;
  }
  if ('body_base64' in v) {
    const s = v.body_base64;
    if (typeof s !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
      throw new VectorError('body_base64 is not canonical base64');
    }
    const data = Buffer.from(s, 'base64');
    if ('body' in v && !Buffer.from(v.body, 'utf8').equals(data)) throw new VectorError('body and body_base64 disagree');
    return data;
  }
  if ('body' in v) return Buffer.from(v.body, 'utf8');
  throw new VectorError('no body');
}

function header(headers, name) {
  for (const [k, val] of Object.entries(headers)) {
    if (k.toLowerCase() === name.toLowerCase()) return val;
  }
  return undefined;
}

function verdict(profile, secret, body, headers) {
  const [name, formula] = FORMULAS[profile];
  const got = header(headers, name);
  if (typeof got !== 'string' || !HEX64.test(got)) return 'reject';
  const want = Buffer.from(formula(Buffer.from(secret, 'utf8'), body), 'ascii');
  // Hex is case-insensitive (Veriff's own validator lowercases the header).
  return timingSafeEqual(want, Buffer.from(got.toLowerCase(), 'ascii')) ? 'accept' : 'reject';
}

function checkVector(v, fileProfile) {
  if (v.profile !== fileProfile) throw new VectorError(`profile ${JSON.stringify(v.profile)} in the file of ${fileProfile}`);
  if (v.verdict !== 'accept' && v.verdict !== 'reject') throw new VectorError(`bad verdict ${JSON.stringify(v.verdict)}`);
  if (v.verdict === 'reject' && !v.reason) throw new VectorError('rejected vector without reason');
  const body = bodyOf(v);
  if (body.length !== v.body_length) throw new VectorError(`body is ${body.length} bytes, body_length says ${v.body_length}`);
  if (sha256Hex(body) !== v.body_sha256) throw new VectorError('body_sha256 mismatch');
  const got = verdict(v.profile, v.secret, body, v.headers);
  if (got !== v.verdict) throw new VectorError(`expected ${v.verdict}, got ${got}`);
}

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const vdir = argv[2] ?? join(here, '..', 'vectors');
  let names = [];
  try {
    names = readdirSync(vdir).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    console.log(`cannot read ${vdir}: ${e.message}`);
  }
  let passed = 0;
  let failed = 0;
  const seen = new Set();
  for (const name of names) {
    let doc;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(join(vdir, name))));
      if (doc.format !== FORMAT) throw new VectorError(`format ${JSON.stringify(doc.format)}`);
      if (doc.secrets_are_test_only !== true) throw new VectorError('secrets_are_test_only is not true');
      if (!Object.hasOwn(FORMULAS, doc.profile)) throw new VectorError(`unknown profile ${JSON.stringify(doc.profile)}`);
      if (doc.header !== FORMULAS[doc.profile][0]) throw new VectorError(`header ${JSON.stringify(doc.header)}`);
      if (!Array.isArray(doc.vectors)) throw new VectorError('vectors is not an array');
    } catch (e) {
      console.log(`FAIL ${name}: ${e.message}`);
      failed++;
      continue;
    }
    doc.vectors.forEach((v, i) => {
      const id = (v && typeof v === 'object' && v.id) || `${name}#${i}`;
      try {
        if (seen.has(id)) throw new VectorError('duplicate id');
        seen.add(id);
        checkVector(v, doc.profile);
        passed++;
      } catch (e) {
        console.log(`FAIL ${id}: ${e.message}`);
        failed++;
      }
    });
  }
  if (passed + failed === 0) {
    console.log(`FAIL no vectors found in ${vdir}`);
    failed = 1;
  }
  console.log(`vectors: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv);
