#!/usr/bin/env node
// docs-check: checks Markdown for what breaks on GitHub (mermaid diagrams,
// MathJax formulas, GitHub math pitfalls, dead relative links and anchors).
//
//   node tools/docs-check/check.mjs [paths...]
//
// Directories are searched recursively for *.md (default: the current
// directory). Exit 0 when clean, 1 on problems, 2 on usage error.

import fs from 'node:fs';
import path from 'node:path';
import { collectMarkdown, checkFiles } from './lib/check.mjs';

const USAGE = `usage: node check.mjs [paths...]
  Checks Markdown files (directories are searched recursively for *.md;
  default: the current directory). Prints path:line: kind: message for each
  problem and a summary. Exit 0 clean, 1 problems, 2 usage error.`;

async function main(argv) {
  const args = [];
  for (const a of argv) {
    if (a === '-h' || a === '--help') { console.log(USAGE); return 0; }
    if (a.startsWith('-') && a !== '-') { console.error(`docs-check: unknown option ${a}\n${USAGE}`); return 2; }
    args.push(a);
  }
  if (args.length === 0) args.push('.');

  const files = [];
  for (const a of args) {
    let st;
    try { st = fs.statSync(a); } catch {
      console.error(`docs-check: no such file or directory: ${a}`);
      return 2;
    }
    if (st.isDirectory()) files.push(...collectMarkdown(a));
    else files.push(path.resolve(a));
  }
  const unique = [...new Set(files)];

  const started = process.hrtime.bigint();
  const { problems, stats } = await checkFiles(unique);
  const secs = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2);

  for (const p of problems) console.log(`${p.file}:${p.line}: ${p.kind}: ${p.message}`);
  const counts = `${stats.files} file(s), ${stats.mermaid} mermaid diagram(s), ${stats.math} formula(s), ${stats.links} relative link(s) in ${secs}s`;
  if (problems.length) {
    const nFiles = new Set(problems.map((p) => p.file)).size;
    console.log(`docs-check: ${problems.length} problem(s) in ${nFiles} file(s); checked ${counts}`);
    return 1;
  }
  console.log(`docs-check: OK, no problems; checked ${counts}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err && err.stack ? err.stack : err); process.exitCode = 2; },
);
