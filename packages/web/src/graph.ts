// SPDX-License-Identifier: MIT
// Draws the traced training step with the WebAssembly build of Graphviz (the same one the
// examples use), loaded on first use. Without WebAssembly the DOT source is shown instead.

/** How the graph ended up on the page. */
export type GraphResult =
  | { readonly drawn: 'svg' }
  | { readonly drawn: 'text'; readonly reason: string };

/** Renders `dot` into `element` as SVG, or as DOT text when Graphviz cannot run here. */
export async function renderGraph(element: HTMLElement, dot: string): Promise<GraphResult> {
  try {
    if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly');
    const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
    const graphviz = await Graphviz.load();
    // Graphviz's own SVG of our own DOT: no user-supplied markup reaches innerHTML.
    element.innerHTML = graphviz.dot(dot);
    return { drawn: 'svg' };
  } catch (e) {
    const pre = document.createElement('pre');
    pre.textContent = dot;
    element.replaceChildren(pre);
    return { drawn: 'text', reason: (e as Error).message };
  }
}
