// Compiles contracts/src with the pinned solcjs (npm `solc`) and writes one artifact per
// deployable contract to contracts/artifacts/<Name>.json: its ABI, creation bytecode and
// runtime bytecode. The settings are foundry.toml's, so forge tests the same code.
// Usage: node bin/compile.js <out-dir>
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const solc = require(path.join(root, 'node_modules', 'solc'));

const out = path.resolve(process.argv[2] || path.join(root, 'artifacts'));
const sources = {};
for (const name of fs.readdirSync(path.join(root, 'src')).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`src/${name}`] = { content: fs.readFileSync(path.join(root, 'src', name), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'osaka',
    optimizer: { enabled: true, runs: 200 },
    remappings: ['@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/'],
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'], '': ['ast'] } },
  },
};
function findImports(p) {
  const file = path.join(root, p);
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) return { error: `not found: ${p}` };
  return { contents: fs.readFileSync(file, 'utf8') };
}
const result = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (result.errors || []).filter((e) => e.severity === 'error');
for (const e of result.errors || []) process.stderr.write(e.formattedMessage + '\n');
if (errors.length) process.exit(1);

fs.mkdirSync(out, { recursive: true });
let written = 0;
for (const unit of Object.keys(sources)) {
  const kinds = {};
  for (const node of result.sources[unit].ast.nodes) {
    if (node.nodeType === 'ContractDefinition') kinds[node.name] = node.contractKind;
  }
  for (const [name, c] of Object.entries(result.contracts[unit])) {
    if (kinds[name] !== 'contract') continue;
    const artifact = {
      abi: c.abi,
      bytecode: { object: '0x' + c.evm.bytecode.object },
      deployedBytecode: { object: '0x' + c.evm.deployedBytecode.object },
    };
    fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(artifact, null, 2) + '\n');
    written += 1;
  }
}
process.stderr.write(`compiled ${Object.keys(sources).length} sources, wrote ${written} artifacts to ${out}\n`);
