// Records jsonata-js's error code and message for each case of its test
// suite that fails (testdata/jsonata-js), into messages.json, so that the
// Go tests can compare the adapter's texts with jsonata-js's own.
//
// Run from this directory, with jsonata 2.0.6 installed from npm:
//   npm install --prefix /tmp/jsjs jsonata@2.0.6
//   NODE_PATH=/tmp/jsjs/node_modules node messages.js > messages.json
// Cases with a time or depth limit are left out (they need the suite's
// time box).
const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const root = path.join(__dirname, 'jsonata-js');
const datasets = {};
for (const f of fs.readdirSync(path.join(root, 'datasets'))) {
  datasets[f.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(root, 'datasets', f)));
}

(async () => {
  const out = {};
  const groups = fs.readdirSync(path.join(root, 'groups')).sort();
  for (const g of groups) {
    const dir = path.join(root, 'groups', g);
    for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.json')).sort()) {
      let cases = JSON.parse(fs.readFileSync(path.join(dir, f)));
      if (!Array.isArray(cases)) cases = [cases];
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i];
        if ('timelimit' in c || 'depth' in c) continue;
        const expr = c['expr-file'] ? fs.readFileSync(path.join(dir, c['expr-file']), 'utf8') : c.expr;
        let data;
        if ('data' in c) data = c.data;
        else if (c.dataset !== null && c.dataset !== undefined) data = datasets[c.dataset];
        try {
          const e = jsonata(expr);
          await e.evaluate(data, c.bindings);
        } catch (err) {
          if (err && err.code) out[g + '/' + f + '#' + i] = { code: err.code, message: err.message };
        }
      }
    }
  }
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
})();
