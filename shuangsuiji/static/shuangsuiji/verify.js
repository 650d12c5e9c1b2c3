/* Verifying a public draw record in the browser (draw protocol §7), with no server help:
 * crypto.subtle SHA-256 and BigInt, nothing else. It checks what the public version allows
 * (§9): the public digest, the order of the drawn list and, in public verification, the
 * commitment, the seed (§3) and the ticket of every drawn target (§4), then the chain of
 * replacement entries, in the order `shuangsuiji draw verify` checks them, and prints OK or
 * the first discrepancy, with what it could not check and who checks that instead.
 *
 * Digests are over canonical JSON as Python writes it (keys sorted by code point, no white
 * space, non-ASCII as itself, integers exact, floats as Python's repr), so the record is read
 * with a small parser of its own that keeps numbers as Python would read them.
 */
(function () {
  "use strict";

  // -- JSON as Python's json module reads and writes it ----------------------------------------

  function PyNum(text) { this.text = text; }  // a number, as Python's json.dumps writes it
  function Malformed(message) { this.message = message; }

  function floatRepr(x) {
    if (Number.isNaN(x)) return "NaN";
    if (x === Infinity) return "Infinity";
    if (x === -Infinity) return "-Infinity";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const sign = x < 0 ? "-" : "";
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
    const digits = m[1] + (m[2] || "");
    const exp = parseInt(m[3], 10);
    const decpt = exp + 1;
    if (decpt > -4 && decpt <= 16) {
      if (decpt <= 0) return sign + "0." + "0".repeat(-decpt) + digits;
      if (decpt >= digits.length) return sign + digits + "0".repeat(decpt - digits.length) + ".0";
      return sign + digits.slice(0, decpt) + "." + digits.slice(decpt);
    }
    const e = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String(Math.abs(exp));
    return sign + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" +
      (exp < 0 ? "-" : "+") + e;
  }

  function parse(text) {
    let i = 0;
    const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
    const fail = (what) => { throw new Malformed(what + " at character " + i); };
    function value() {
      ws();
      const c = text[i];
      if (c === "{") return object();
      if (c === "[") return array();
      if (c === '"') return string();
      if (text.startsWith("true", i)) { i += 4; return true; }
      if (text.startsWith("false", i)) { i += 5; return false; }
      if (text.startsWith("null", i)) { i += 4; return null; }
      if (text.startsWith("NaN", i)) { i += 3; return new PyNum("NaN"); }
      if (text.startsWith("Infinity", i)) { i += 8; return new PyNum("Infinity"); }
      if (text.startsWith("-Infinity", i)) { i += 9; return new PyNum("-Infinity"); }
      return number();
    }
    function number() {
      const m = /^(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail("unexpected character");
      i += m[0].length;
      if (m[2] === undefined && m[3] === undefined) {
        const n = BigInt(m[1]);
        return new PyNum(n.toString());
      }
      return new PyNum(floatRepr(Number(m[0])));
    }
    function string() {
      i++;
      let out = "";
      for (;;) {
        if (i >= text.length) fail("unterminated string");
        const c = text[i++];
        if (c === '"') return out;
        if (c < " ") fail("control character in a string");
        if (c !== "\\") { out += c; continue; }
        const e = text[i++];
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in simple) { out += simple[e]; continue; }
        if (e !== "u") fail("bad escape");
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      }
    }
    function array() {
      i++;
      const out = [];
      ws();
      if (text[i] === "]") { i++; return out; }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return out; }
        fail("expected , or ]");
      }
    }
    function object() {
      i++;
      const out = new Map();
      ws();
      if (text[i] === "}") { i++; return out; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = string();
        ws();
        if (text[i++] !== ":") fail("expected :");
        out.set(key, value());  // the last of repeated keys wins, as in Python
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return out; }
        fail("expected , or }");
      }
    }
    const result = value();
    ws();
    if (i !== text.length) fail("extra data");
    return result;
  }

  function byCodePoint(a, b) {
    const x = Array.from(a), y = Array.from(b);
    for (let k = 0; k < Math.min(x.length, y.length); k++) {
      const d = x[k].codePointAt(0) - y[k].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  function quote(s) {
    let out = '"';
    for (const ch of s) {
      const c = ch.charCodeAt(0);
      if (ch === '"') out += '\\"';
      else if (ch === "\\") out += "\\\\";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (ch === "\b") out += "\\b";
      else if (ch === "\f") out += "\\f";
      else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
      else out += ch;
    }
    return out + '"';
  }

  function canonical(v) {
    if (v === null) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (v instanceof PyNum) return v.text;
    if (typeof v === "string") return quote(v);
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    const keys = Array.from(v.keys()).sort(byCodePoint);
    return "{" + keys.map((k) => quote(k) + ":" + canonical(v.get(k))).join(",") + "}";
  }

  // -- The protocol ----------------------------------------------------------------------------

  const encoder = new TextEncoder();
  async function sha256Hex(text) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function ticket(id, seedPrefix) {
    const n = BigInt("0x" + await sha256Hex(seedPrefix + id));
    return "0." + Array.from(n.toString()).reverse().join("");
  }

  // Messages are the command-line verifier's templates; the page hands in their translation.
  let translations = {};
  function tr(template, params) {
    const text = translations[template] || template;
    return text.replace(/\{(\w+)\}/g, (all, name) => (name in (params || {}) ? params[name] : all));
  }
  function Discrepancy(message) { this.message = message; }
  const check = (ok, template, params) => { if (!ok) throw new Discrepancy(tr(template, params)); };
  function get(obj, key) {  // record["key"]: a missing key makes the record malformed
    if (!(obj instanceof Map) || !obj.has(key)) throw new Malformed("no key " + JSON.stringify(key));
    return obj.get(key);
  }
  function str(v) {  // a str, as the protocol's functions need
    if (typeof v !== "string") throw new Malformed("a string was expected, not " + canonical(v));
    return v;
  }
  function pyFormat(v) {  // f"{value}" of a JSON scalar
    if (typeof v === "string") return v;
    if (v instanceof PyNum) return v.text;
    if (v === null) return "None";
    if (v === true) return "True";
    if (v === false) return "False";
    throw new Malformed("a string was expected, not " + canonical(v));
  }
  function list(v) {
    if (!Array.isArray(v)) throw new Malformed("a list was expected, not " + canonical(v));
    return v;
  }
  function without(map, key) {
    const copy = new Map(map);
    copy.delete(key);
    return copy;
  }
  const digestWithout = (map, key) => sha256Hex(canonical(without(map, key)));

  function byteOrdered(ids) {  // strictly ascending by UTF-8 bytes
    const bytes = ids.map((id) => encoder.encode(id));
    for (let i = 1; i < bytes.length; i++) {
      const a = bytes[i - 1], b = bytes[i];
      let cmp = 0;
      for (let j = 0; j < Math.min(a.length, b.length) && cmp === 0; j++) cmp = a[j] - b[j];
      if (cmp === 0) cmp = a.length - b.length;
      if (cmp >= 0) return false;
    }
    return true;
  }

  async function checkSecretSeedTickets(record, pool, say) {
    const secret = str(get(record, "server_secret"));
    check(await sha256Hex(secret) === get(record, "commitment"),
      "the commitment does not match the server secret");
    say("commitment", get(record, "commitment"));
    const seed = await sha256Hex(pyFormat(secret) + ":" + pyFormat(get(get(record, "ceremony"), "input")) +
      ":" + pyFormat(get(pool, "digest")) + ":" + pyFormat(get(get(record, "inspector_pool"), "digest")));
    check(seed === get(record, "seed"), "the seed does not follow from its inputs");
    say("seed", seed);
    const prefix = await sha256Hex(seed);
    const drawn = list(get(record, "drawn"));
    for (const entry of drawn) {
      const id = str(get(entry, "id"));
      check(await ticket(id, prefix) === get(entry, "ticket"), "the ticket of {target} is wrong", { target: id });
    }
    say("tickets", String(drawn.length));
  }

  async function checkPublicDigest(record, say) {
    check(await digestWithout(record, "public_digest") === (record.has("public_digest") ? record.get("public_digest") : null),
      "the public digest does not match the record");
    say("public_digest", record.get("public_digest"));
  }

  async function checkReplacements(record, say) {
    let prev = "";
    const replacements = list(get(record, "replacements"));
    for (let index = 1; index <= replacements.length; index++) {
      const entry = replacements[index - 1];
      check(get(entry, "prev") === prev, "replacement {index} does not follow the previous one", { index });
      check(await digestWithout(entry, "digest") === get(entry, "digest"),
        "the digest of replacement {index} is wrong", { index });
      prev = get(entry, "digest");
    }
    if (replacements.length) say("replacements", String(replacements.length));
  }

  /* Version 1.1 of the public record (§9), in the order verify.py checks it. */
  async function verifyPublic11(record, say) {
    check(record.get("public") === "1.1", "unknown public record version {version}", { version: canonical(record.get("public")) });
    const mode = get(record, "verification");
    check(mode === "public" || mode === "auditor", "unknown verification mode {mode}", { mode: canonical(mode) });
    await checkPublicDigest(record, say);
    const pool = get(record, "pool");
    const inspectorPool = get(record, "inspector_pool");
    check(pool instanceof Map && inspectorPool instanceof Map && !pool.has("lines") &&
      !inspectorPool.has("lines") && !record.has("conflicts"),
      "a public record may not hold the pools' lines or the conflicts");
    const drawn = list(get(record, "drawn"));
    check(byteOrdered(drawn.map((entry) => str(get(entry, "id")))),
      "the drawn targets of a public record are not in the order of their IDs");
    const count = get(record, "conflicts_count");
    check(count instanceof PyNum && /^\d+$/.test(count.text), "the record is malformed: {error}", { error: "conflicts_count" });
    say("drawn_order", String(drawn.length));
    if (mode === "public") {
      await checkSecretSeedTickets(record, pool, say);
    } else {
      check(!record.has("server_secret") && !record.has("seed") &&
        !drawn.some((entry) => entry instanceof Map && entry.has("ticket")),
        "a record for auditor verification may not publish the secret, the seed or the tickets");
    }
    await checkReplacements(record, say);
    return { partial: false, mode };
  }

  async function verifyRecord(record, say) {
    check(record instanceof Map && record.get("protocol") === "1", "unknown protocol version {version}",
      { version: record instanceof Map ? canonical(record.get("protocol") ?? null) : "?" });
    if (record.has("public")) return verifyPublic11(record, say);
    const pool = get(record, "pool");
    if (!(pool instanceof Map)) throw new Malformed("pool is not an object");
    if (pool.has("lines")) {  // a full record: the commitment only, here
      const secret = str(get(record, "server_secret"));
      check(await sha256Hex(secret) === get(record, "commitment"),
        "the commitment does not match the server secret");
      say("commitment", get(record, "commitment"));
      return { partial: true };
    }
    // A public record of version 1.0, published before 1.1
    await checkSecretSeedTickets(record, pool, say);
    await checkPublicDigest(record, say);
    await checkReplacements(record, say);
    return { partial: false, mode: "public" };
  }

  /* OK, or the first discrepancy: {ok, message, steps, mode}. */
  async function verifyText(text) {
    const steps = [];
    const say = (what, detail) => steps.push([what, detail]);
    try {
      const result = await verifyRecord(parse(text), say);
      if (result.partial) {
        return { ok: null, message: "full record: use the command-line verifier", steps };
      }
      return { ok: true, message: "OK", steps, mode: result.mode };
    } catch (exc) {
      if (exc instanceof Discrepancy) return { ok: false, message: exc.message, steps };
      if (exc instanceof Malformed) {
        return { ok: false, message: tr("the record is malformed: {error}", { error: exc.message }), steps };
      }
      throw exc;
    }
  }

  window.shuangsuijiVerify = { verifyText, canonical, parse, floatRepr };

  // -- The page --------------------------------------------------------------------------------

  function setup() {
    const form = document.getElementById("verify-form");
    if (!form) return;
    const area = document.getElementById("record-text");
    const file = document.getElementById("record-file");
    const fetchButton = document.getElementById("record-fetch");
    const out = document.getElementById("verify-result");
    const steps = document.getElementById("verify-steps");
    const left = document.getElementById("verify-left");
    const leftHead = document.getElementById("verify-left-head");
    const leftList = document.getElementById("verify-left-list");
    const msg = JSON.parse(document.getElementById("verify-messages").textContent);
    translations = msg.discrepancies || {};
    document.getElementById("verify-js").hidden = false;
    document.getElementById("verify-nojs").hidden = true;

    function show(state, text) {
      out.hidden = false;
      out.dataset.state = state;
      out.className = "verdict " + state;
      out.textContent = text;
    }
    async function run() {
      steps.textContent = "";
      if (!area.value.trim()) { show("bad", msg.empty); return; }
      show("busy", msg.busy);
      const result = await verifyText(area.value);
      for (const [what, detail] of result.steps) {
        const li = document.createElement("li");
        // A count goes into its sentence; a digest or a seed is shown after it, as checked.
        const step = msg.steps[what] || what;
        const b = document.createElement("b");
        b.textContent = "✓ " + step.replace("{n}", detail) + " ";
        li.append(b);
        if (!step.includes("{n}")) {
          const code = document.createElement("code");
          code.textContent = detail;
          li.append(code);
        }
        steps.append(li);
      }
      left.hidden = true;
      if (result.ok === true) {
        show("ok", msg.ok);
        // What this check could not cover, and who covers it
        const items = (result.mode === "auditor" ? msg.left_secret : []).concat(msg.left_auditors);
        leftList.textContent = "";
        for (const text of items) {
          const li = document.createElement("li");
          li.textContent = text;
          leftList.append(li);
        }
        leftHead.textContent = result.mode === "auditor" ? msg.auditor_mode : msg.public_mode;
        left.hidden = false;
      } else if (result.ok === null) show("warn", msg.full);
      else show("bad", msg.discrepancy + " " + result.message);
    }
    form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
    file.addEventListener("change", async () => {
      if (file.files.length) { area.value = await file.files[0].text(); run(); }
    });
    if (fetchButton) {
      fetchButton.addEventListener("click", async () => {
        const response = await fetch(fetchButton.dataset.url, { credentials: "omit" });
        area.value = await response.text();
        run();
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
