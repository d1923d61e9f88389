// MathJax 3 (GitHub's math engine) and mermaid's own parser, each loaded
// once, on first use.

import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { AllPackages } from 'mathjax-full/js/input/tex/AllPackages.js';
import { STATE } from 'mathjax-full/js/core/MathItem.js';

// All packages, but an unknown macro or a TeX error must be an error rather
// than red text in the output: drop noerrors and noundefined.
const PACKAGES = AllPackages.filter((p) => p !== 'noerrors' && p !== 'noundefined');
let registered = false;

/**
 * A TeX typesetter. Macros defined with \def or \newcommand persist for the
 * life of one instance, as they do on one GitHub page: make one per file.
 * check(tex, display) returns null when MathJax accepts the formula, or the
 * error message.
 */
export function createTexChecker() {
  if (!registered) {
    RegisterHTMLHandler(liteAdaptor());
    registered = true;
  }
  const tex = new TeX({
    packages: PACKAGES,
    formatError: (_jax, err) => { throw err; },
  });
  // The output jax is never run (we stop after compiling to MathML); it is
  // there because some packages (bussproofs) insist on one at setup.
  const doc = mathjax.document('', { InputJax: tex, OutputJax: new SVG({ fontCache: 'none' }) });
  return {
    check(source, display) {
      let node;
      try {
        node = doc.convert(source, { display, end: STATE.CONVERT });
      } catch (err) {
        return err && err.message ? err.message : String(err);
      }
      let merror = null;
      node.walkTree((n) => {
        if (!merror && n.isKind && n.isKind('merror')) merror = n;
      });
      if (merror) {
        const msg = merror.attributes.get('data-mjx-error') || merror.attributes.get('title');
        return msg ? String(msg) : 'MathJax produced an error node';
      }
      return null;
    },
  };
}

let mermaidPromise = null;

async function loadMermaid() {
  // mermaid and DOMPurify look for a browser window when they are imported,
  // so install a jsdom one on globalThis first, then import dynamically.
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
  globalThis.window = dom.window;
  globalThis.document = dom.window.document;
  const mermaid = (await import('mermaid')).default;
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', logLevel: 'fatal' });
  return mermaid;
}

/**
 * Parse one diagram with mermaid.parse(). Returns null when it parses, or
 * { message, line } with line relative to the diagram's first line (1-based)
 * when mermaid says where, else line null.
 */
export async function parseMermaid(source) {
  mermaidPromise ||= loadMermaid();
  const mermaid = await mermaidPromise;
  try {
    await mermaid.parse(source);
    return null;
  } catch (err) {
    const text = String(err && err.message ? err.message : err);
    const m = /\bline (\d+)/i.exec(text);
    return { message: summariseMermaidError(text), line: m ? Number(m[1]) : null };
  }
}

function summariseMermaidError(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  let head = lines[0] || 'mermaid could not parse the diagram';
  const expecting = lines.find((l) => /^Expecting\b/.test(l));
  const context = lines[1] && !/^-*\^$/.test(lines[1]) && lines[1] !== expecting ? lines[1] : null;
  let msg = head.replace(/:$/, '');
  if (expecting) {
    const short = expecting.length > 160 ? expecting.slice(0, 120) + ' ... ' + expecting.slice(expecting.lastIndexOf(', got') + 2) : expecting;
    msg += `: ${short}`;
  }
  if (context) msg += ` (near ${JSON.stringify(context)})`;
  return msg.length > 400 ? msg.slice(0, 397) + '...' : msg;
}
