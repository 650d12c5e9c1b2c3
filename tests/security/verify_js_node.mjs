// Runs the browser verifier (verify.js) under Node on {name: record text} from stdin and
// prints {name: null (OK) | "PARTIAL" | the first discrepancy}: test_probe_public.py compares
// it with the command-line verifier.
import fs from 'fs';
globalThis.window = globalThis;
globalThis.document = { readyState: "complete", addEventListener(){}, getElementById(){ return null; } };
const src = fs.readFileSync(process.argv[2], 'utf8');
try { new Function(src)(); } catch (e) { /* setup() may throw without a DOM */ }
const texts = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = {};
for (const [name, text] of Object.entries(texts)) {
  const r = await window.shuangsuijiVerify.verifyText(text);
  out[name] = r.ok === true ? null : (r.ok === null ? "PARTIAL" : r.message);
}
console.log(JSON.stringify(out));
